"""klantreis run STUDY"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: hier)")
    p.add_argument("--force", action="store_true",
                   help="alle stappen opnieuw uitvoeren, ook als de invoer niet veranderde")


def run(args) -> int:
    from ..pipeline import Pipeline
    from ..study import Study

    study = Study.load(args.study)
    results = Pipeline(study, force=args.force).run()
    print("Klaar. Geschreven:")
    for r in results:
        state = "ongewijzigd, overgeslagen" if r.skipped else f"{r.seconds:.1f} s"
        print(f"  {r.name:<10} ({state})")
        for path in r.written:
            try:
                shown = path.relative_to(study.root)
            except ValueError:
                shown = path
            print(f"      {shown}")
    return 0
