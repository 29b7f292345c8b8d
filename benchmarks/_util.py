"""Helpers shared by the benchmark scripts (not a benchmark itself: run.py skips _*.py)."""
from __future__ import annotations

import os
import resource
import sys


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    Linux: VmHWM from /proc/self/status, the high-water mark of this process's own memory.
    Not ru_maxrss: Linux carries that over from the parent across fork + exec, so a child
    started by a parent that had grown large would report the parent's peak.
    Elsewhere ru_maxrss (bytes on macOS, kilobytes otherwise).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def machine() -> str:
    """'2 cores, belasting 1.85': other work on the machine shows in wall-clock figures."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, belasting bij de start {load:.2f}"


def nl_int(value: float) -> str:
    """A whole number with the Dutch thousands separator: 22500 -> '22.500'.

    Only the number is formatted; use it inside an f-string rather than replacing ',' in a
    whole message (that would also turn sentence commas into dots)."""
    return f"{round(value):,}".replace(",", ".")


def verdict(targets: dict[str, bool | None]) -> int:
    """Print the closing line run.py summarises and return the exit code.

    ``targets``: target -> True (met), False (missed), None (not measured: skipped, e.g. a
    missing folder or model). Exit code 1 when a target was missed, else 0. The line always
    starts with ``resultaat:``; run.py repeats the last such line in its summary."""
    missed = [name for name, ok in targets.items() if ok is False]
    met = [name for name, ok in targets.items() if ok is True]
    skipped = [name for name, ok in targets.items() if ok is None]
    if missed:
        text = f"doel NIET gehaald ({'; '.join(missed)})"
    elif met:
        text = "doel gehaald" if len(met) == 1 else f"doelen gehaald ({len(met)})"
    elif skipped:
        text = "niets gemeten (overgeslagen)"
    else:
        text = "geen doel (alleen cijfers)"
    if skipped and (met or missed):
        text += f"; niet gemeten: {'; '.join(skipped)}"
    print(f"resultaat: {text}", flush=True)
    return 1 if missed else 0


def add_full(parser, help_text: str = "(geen grotere variant; genegeerd)") -> None:
    """Every benchmark accepts --full (run.py --full passes it to all of them)."""
    parser.add_argument("--full", action="store_true", help=help_text)
