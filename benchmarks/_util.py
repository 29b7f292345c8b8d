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
