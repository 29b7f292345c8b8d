"""klantreis import BESTAND [--into STUDY] [--force]

Without --into: show what the REFI-QDA file holds (counts only). With --into: bring its
text sources, codings and memos into the study (see ``klantreis.refi.import_into_study``).
"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("file", metavar="BESTAND", help="een .qdpx, .qde of .qdc (REFI-QDA)")
    p.add_argument("--into", metavar="STUDIE",
                   help="de studiemap om in te importeren (zonder: alleen tonen wat erin zit)")
    p.add_argument("--force", action="store_true",
                   help="vervang coderingenbestanden die een eerdere import schreef")


def run(args) -> int:
    from ..refi import describe_skipped, import_into_study, read_qdpx

    project = read_qdpx(args.file)
    _print_contents(project, describe_skipped)
    if not args.into:
        if project.kind == "project":
            print("Importeer met: klantreis import BESTAND --into STUDIEMAP")
        return 0
    from ..study import Study

    study = Study.load(args.into)
    report = import_into_study(project, study, force=args.force)
    _print_report(report, study, describe_skipped)
    return 0


def _print_contents(project, describe_skipped) -> None:
    n = project.summary()
    kind = "codeboek" if project.kind == "codebook" else "project"
    origin = f" ({project.origin})" if project.origin else ""
    if project.kind == "codebook":
        print(f"REFI-QDA-{kind}{origin}: {n['codes']} codes")
    else:
        print(f"REFI-QDA-{kind}{origin}: {n['users']} gebruiker(s), {n['codes']} codes, "
              f"{n['sources']} tekstbron(nen), {n['selections']} selectie(s) waarvan "
              f"{n['coded_selections']} gecodeerd, {n['codings']} codering(en), "
              f"{n['notes']} notitie(s), {n['variables']} variabele(n), {n['cases']} case(s)")
    for line in describe_skipped(project.skipped):
        print(f"  overgeslagen: {line}")
    for warning in project.warnings:
        print(f"  let op: {warning}")


def _print_report(report, study, describe_skipped) -> None:
    def rel(p):
        try:
            return p.relative_to(study.root).as_posix()
        except ValueError:
            return str(p)

    print(f"Geïmporteerd in {study.root.name}:")
    print(f"  {len(report.new_transcripts)} nieuw(e) transcript(en) in interviews/, "
          f"{len(report.reused_transcripts)} bestaand(e) transcript(en) herkend")
    coders = {p.parent.name for p in report.codings_files + report.unchanged_files}
    print(f"  {report.codings} codering(en) van {len(coders)} codeur(s): "
          f"{len(report.codings_files)} bestand(en) geschreven in codings/, "
          f"{len(report.unchanged_files)} ongewijzigd")
    print(f"  {report.mapped_codes} code(s) gevonden in het codeboek")
    if report.memos_added:
        print(f"  {report.memos_added} memo('s) toegevoegd aan de studieopslag")
    if report.respondents_file is not None:
        print(f"  respondentkenmerken: {rel(report.respondents_file)}")
    if report.unknown_codes:
        print(f"LET OP: {len(report.unknown_codes)} code(s) staan niet in het codeboek "
              f"({report.unknown_codings} codering(en) niet geschreven). Voorstel: "
              f"{rel(report.codebook_proposal)}; neem die categorie over in codebook.yaml en "
              f"importeer opnieuw met --force.")
    for line in describe_skipped(report.skipped):
        print(f"  overgeslagen: {line}")
