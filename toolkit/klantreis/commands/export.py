"""klantreis export STUDY --qdpx F | --qdc F | --xlsx F [--force]"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: .)")
    p.add_argument("--qdpx", metavar="BESTAND.qdpx",
                   help="REFI-QDA-project (ATLAS.ti, NVivo, MAXQDA, QualCoder): codeurs, "
                        "codeboek, transcripten, coderingen, memo's en respondentkenmerken")
    p.add_argument("--qdc", metavar="BESTAND.qdc", help="alleen het codeboek (REFI-QDA)")
    p.add_argument("--xlsx", metavar="BESTAND.xlsx",
                   help="Excel: code x respondent, samen-voorkomen en alle coderingen met "
                        "citaat (let op: bevat transcripttekst)")
    p.add_argument("--force", action="store_true",
                   help="overschrijf een bestaand uitvoerbestand")


def run(args) -> int:
    from ..errors import KlantreisError
    from ..refi import describe_skipped, write_qdc, write_qdpx, write_xlsx
    from ..study import Study

    if not (args.qdpx or args.qdc or args.xlsx):
        raise KlantreisError("geef minstens één uitvoer: --qdpx, --qdc of --xlsx")
    study = Study.load(args.study)
    if args.qdc:
        path = write_qdc(study.codebook, args.qdc, force=args.force)
        print(f"Codeboek geschreven naar {path}: {len(study.codebook.categories)} "
              f"categorieën, {len(study.codebook.codes)} codes")
    if args.qdpx:
        s = write_qdpx(study, args.qdpx, force=args.force)
        print(f"REFI-QDA-project geschreven naar {s.path}: {s.sources} transcript(en), "
              f"{s.codes} codes, {s.codings} codering(en) van {s.users} codeur(s), "
              f"{s.notes} memo('s), {s.cases} respondent(en) met {s.variables} kenmerk(en)")
        for line in describe_skipped(s.skipped):
            print(f"  niet geëxporteerd: {line}")
    if args.xlsx:
        path = write_xlsx(study, args.xlsx, force=args.force)
        print(f"Excel geschreven naar {path}")
    return 0
