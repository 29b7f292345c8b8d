"""klantreis run STUDY: every stage from transcripts to report; ends with what it wrote."""
from __future__ import annotations

from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: hier)")
    p.add_argument("--force", action="store_true",
                   help="alle stappen opnieuw uitvoeren, ook als de invoer niet veranderde")


def summary_lines(results, root: Path) -> list[str]:
    """One line per stage that writes files: how many, in which folders; the report itself
    by name. Files are grouped so the list stays short."""
    lines = []
    for r in results:
        if not r.written:
            continue
        shown = [_relative(p, root) for p in r.written]
        if r.name == "report":
            where = ", ".join(str(p) for p in shown)
        else:
            folders = list(dict.fromkeys(str(p.parent) + "/" for p in shown))
            where = f"{len(shown)} bestanden in " + ", ".join(folders)
        state = "ongewijzigd" if r.skipped else f"{r.seconds:.1f} s"
        lines.append(f"  {r.name:<11} {where}  ({state})")
    return lines


def _relative(path: Path, root: Path) -> Path:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return Path(path)


def run(args) -> int:
    from ..pipeline import Pipeline
    from ..study import Study

    study = Study.load(args.study)
    results, _ = Pipeline(study, force=args.force).run()
    total = sum(r.seconds for r in results)
    print(f"Klaar in {total:.0f} s. Geschreven:")
    for line in summary_lines(results, study.root):
        print(line)
    return 0
