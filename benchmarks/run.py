"""Run every benchmark script in this folder and print its figures.

    python benchmarks/run.py            # all benchmarks, quick sizes
    python benchmarks/run.py --full     # also the 1,600-transcript scale runs
    python benchmarks/run.py personas   # only benchmarks whose name contains 'personas'

Each benchmark is a script that prints its own figures; this runner only orders and times them.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["import_speed", "anonymization", "suggestions", "personas", "heartbeat", "report"]


def main(argv: list[str]) -> int:
    full = "--full" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    scripts = sorted(HERE.glob("*.py"), key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER
                                                       else len(ORDER), p.stem))
    failed = 0
    for script in scripts:
        if script.stem in ("run", "scale_corpus") or script.stem.startswith("_"):
            continue
        if wanted and not any(w in script.stem for w in wanted):
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        t0 = time.perf_counter()
        cmd = [sys.executable, str(script)] + (["--full"] if full else [])
        rc = subprocess.call(cmd, cwd=HERE.parent)
        print(f"--- {script.stem}: {time.perf_counter() - t0:.1f} s, exit {rc}", flush=True)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
