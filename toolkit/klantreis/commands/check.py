"""klantreis check STUDY: validate the study folder, the transcripts and the respondent table.

Prints a summary per transcript (format, encoding, speakers with roles, turns, words) and the
warnings; never transcript text. The first user error stops with a clear message.
"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: huidige map)")


def format_table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max([len(c)] + [len(str(r[c])) for r in rows]) for c in columns}
    numeric = {c for c in columns if rows and all(isinstance(r[c], int) for r in rows)}

    def cell(c, v):
        return str(v).rjust(widths[c]) if c in numeric else str(v).ljust(widths[c])

    out = ["  ".join(cell(c, c) for c in columns).rstrip()]
    out += ["  ".join(cell(c, r[c]) for c in columns).rstrip() for r in rows]
    return "\n".join(out)


def run(args) -> int:
    from ..progress import say
    from ..study import Study
    from ..transcripts import import_study, transcript_overview

    study = Study.load(args.study)
    say(f"studie geladen: {study.config.title}")
    result = import_study(study)
    rows = transcript_overview(result.transcripts)
    print(f"Studie: {study.config.title}")
    table = result.respondents
    if table.path is not None:
        print(f"Respondententabel: {table.path.name} ({len(table)} respondenten, "
              f"kolommen: {', '.join(c for c in table.columns if c != 'id')})")
    else:
        print("Respondententabel: geen (interviews/respondenten.csv of .xlsx ontbreekt)")
    if rows:
        print(f"Transcripten: {len(rows)}")
        print(format_table(rows, ["bestand", "formaat", "codering", "beurten", "woorden",
                                  "sprekers"]))
        total = sum(r["woorden"] for r in rows)
        resp = sum(r["respondent_woorden"] for r in rows)
        print(f"Totaal: {sum(r['beurten'] for r in rows)} beurten, {total} woorden "
              f"({resp} van respondenten)")
    else:
        result.warnings.append("interviews/: geen transcripten gevonden")
    if result.warnings:
        print(f"Waarschuwingen ({len(result.warnings)}):")
        for w in result.warnings:
            print(f"  - {w}")
    else:
        print("Geen waarschuwingen.")
    print("OK: de studiemap is in orde.")
    return 0
