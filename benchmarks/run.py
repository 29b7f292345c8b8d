"""Run every benchmark script in this folder and print its figures.

    python benchmarks/run.py            # all benchmarks, quick sizes
    python benchmarks/run.py --full     # also the larger variants (e.g. 1,600 transcripts)
    python benchmarks/run.py personas   # only benchmarks whose name contains 'personas'

Each benchmark is a script that prints its own figures; this runner only orders and times
them, and closes with one line per script. Every script accepts ``--full`` (ignored where
there is no larger variant) and ends with a ``resultaat:`` line. Exit codes of a script:
0 = its targets were met (or it has none, or it skipped what it could not measure), 1 = a
target was missed, anything else = it failed. The runner exits 1 when any script did not
exit 0. It can be started from any working directory.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["import_speed", "anonymization", "suggestions", "personas", "heartbeat", "report"]
SKIP = ("run", "scale_corpus")   # the runner itself, and a helper (not a benchmark)


def scripts() -> list[Path]:
    found = [p for p in HERE.glob("*.py")
             if p.stem not in SKIP and not p.stem.startswith("_")]
    return sorted(found, key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER
                                        else len(ORDER), p.stem))


def run_one(script: Path, full: bool) -> tuple[int, str | None]:
    """Run one script, echo its output as it comes, return (exit code, its last
    'resultaat:' line)."""
    cmd = [sys.executable, str(script)] + (["--full"] if full else [])
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    last = None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, encoding="utf-8",
                          errors="replace", env=env) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("resultaat:"):
                last = line.split(":", 1)[1].strip()
    return proc.returncode, last


def summary_text(rc: int, last: str | None) -> str:
    if rc == 1:
        return last or "doel NIET gehaald (het script meldt geen resultaatregel)"
    if rc != 0:
        return f"FOUT (exit {rc})" + (f"; {last}" if last else "")
    return last or "geen doel gemist volgens de exitcode (het script meldt geen resultaatregel)"


def main(argv: list[str]) -> int:
    full = "--full" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    todo = [s for s in scripts() if not wanted or any(w in s.stem for w in wanted)]
    if not todo:
        print(f"geen benchmark past bij {' '.join(wanted)}; er zijn: "
              f"{', '.join(s.stem for s in scripts())}")
        return 2
    done = []
    for script in todo:
        print(f"\n=== {script.stem} ===", flush=True)
        t0 = time.perf_counter()
        rc, last = run_one(script, full)
        seconds = time.perf_counter() - t0
        print(f"--- {script.stem}: {seconds:.1f} s, exit {rc}", flush=True)
        done.append((script.stem, seconds, rc, last))
    width = max(len(name) for name, *_ in done)
    print(f"\n=== samenvatting{' (--full)' if full else ''} ===")
    for name, seconds, rc, last in done:
        print(f"{name:<{width}} {seconds:>7.1f} s  exit {rc}  {summary_text(rc, last)}")
    return 1 if any(rc != 0 for _, _, rc, _ in done) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
