"""Render independent figures side by side on the machine's cores.

Drawing and saving a heartbeat, an A3 poster or a persona card (PNG, PDF and SVG) is pure
CPU work in matplotlib and each figure is independent, so the writers hand their figures to
a small pool of worker processes. Workers are started with ``spawn`` (safe on every
platform, no forked threads) and kept for the rest of the process, so a run pays their
start-up once: the pool has ``workers()`` processes whatever the number of jobs (a call
with fewer jobs than workers leaves some idle rather than starting a new pool).

``KLANTREIS_WORKERS=1`` renders in the calling process (e.g. to debug); by default the pool
has as many workers as there are cores, at most four.
"""
from __future__ import annotations

import atexit
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def workers() -> int:
    configured = os.environ.get("KLANTREIS_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, 4))


def _executor() -> ProcessPoolExecutor:
    """The pool, sized by ``workers()``; started again only when that setting changed."""
    global _pool, _pool_size
    n = workers()
    if _pool is None or _pool_size != n:
        shutdown()
        import multiprocessing
        _pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        _pool_size = n
    return _pool


def shutdown() -> None:
    global _pool, _pool_size
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
        _pool_size = 0


atexit.register(shutdown)


def run_all(jobs: Sequence[tuple[Callable[..., Any], tuple, dict]]) -> list[Any]:
    """Call every ``(function, args, kwargs)`` and return the results in job order.

    Functions and arguments must be picklable (module-level functions, dataclasses). An
    exception in a job is raised here, as if the job had run in this process. A single job
    (or ``workers() == 1``) runs here: a worker would only add the hand-over."""
    if workers() <= 1 or len(jobs) <= 1:
        return [fn(*args, **kwargs) for fn, args, kwargs in jobs]
    pool = _executor()
    futures = [pool.submit(fn, *args, **kwargs) for fn, args, kwargs in jobs]
    return [f.result() for f in futures]


__all__ = ["run_all", "workers", "shutdown"]
