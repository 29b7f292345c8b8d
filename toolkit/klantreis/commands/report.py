"""klantreis report STUDY [--template ORG.docx] [--out FILE] [--pdf]"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: hier)")
    p.add_argument("--template", metavar="ORG.docx",
                   help="Word-sjabloon van de organisatie (stijlen, logo, lettertypen)")
    p.add_argument("--out", metavar="BESTAND",
                   help="waar het rapport komt (standaard: reports/<titel>.docx)")
    p.add_argument("--pdf", action="store_true",
                   help="maak ook een PDF met LibreOffice (inhoudsopgave bijgewerkt)")
    p.add_argument("--zwak-min", type=int, default=None, metavar="N",
                   help="een bevinding met minder respondenten heet zwak onderbouwd "
                        "(standaard 3)")
    p.add_argument("--zwak-aandeel", type=float, default=None, metavar="FRACTIE",
                   help="of met minder dan dit deel van alle respondenten (standaard 0.2)")


def run(args) -> int:
    from ..errors import KlantreisError
    from ..progress import say
    from ..report import ReportSettings, build_report, render_pdf, report_context
    from ..study import Study

    study = Study.load(args.study)
    settings = ReportSettings()
    if args.zwak_min is not None:
        if args.zwak_min < 0:
            raise KlantreisError("--zwak-min moet 0 of groter zijn")
        settings.weak_min_respondents = args.zwak_min
    if args.zwak_aandeel is not None:
        if not 0 <= args.zwak_aandeel <= 1:
            raise KlantreisError("--zwak-aandeel moet tussen 0 en 1 liggen (bijv. 0.2)")
        settings.weak_min_share = args.zwak_aandeel
    say("Rapport maken ...")
    # the same stages as `klantreis run` up to the report (figures in reports/, unchanged
    # ones skipped; the privacy check among them), then the report with these options
    context = report_context(study)
    path = build_report(study, context, out=args.out, template=args.template,
                        settings=settings, transcripts_checked=True)
    print(f"Rapport geschreven: {_shown(path, study.root)}")
    if args.pdf:
        pdf = render_pdf(path)
        print(f"PDF geschreven: {_shown(pdf, study.root)}")
    return 0


def _shown(path, root):
    try:
        return path.resolve().relative_to(root)
    except ValueError:
        return path
