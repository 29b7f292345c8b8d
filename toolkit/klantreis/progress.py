"""Progress display for long steps: a tqdm bar with counts on a terminal, silent with --quiet.

Log lines and bars never contain transcript text or names: only counts and file stems
that the study itself chose as respondent ids.
"""
from __future__ import annotations

import sys
from typing import Iterable, TypeVar

T = TypeVar("T")

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def track(items: Iterable[T], desc: str, total: int | None = None, unit: str = "it") -> Iterable[T]:
    """Wrap an iterable in a progress bar (stderr) unless quiet."""
    if _quiet:
        return items
    # plain tqdm: tqdm.auto needs ipywidgets in Jupyter and warns without them
    from tqdm import tqdm
    return tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True)


def say(message: str) -> None:
    """A status line for the user (stderr), unless quiet."""
    if not _quiet:
        print(message, file=sys.stderr, flush=True)
