"""klantreis check STUDY: validate the whole study folder before anything is run.

Checked: study.yaml (also its ``anonymization:`` and ``coding:`` blocks), codebook.yaml,
journeys/, personas/ and findings.yaml (unknown codes, duplicate ids); every transcript and
the respondent table; every codings file (unknown code, quote not found), read the way
``klantreis code`` reads them but without writing the study store.

Prints a summary per transcript (format, encoding, speakers with roles, turns, spoken words)
and the warnings; never transcript text, and speaker labels only when they are role words,
numbered speakers or placeholders (a first name is shown as "naam (verborgen)").

Exit status: 0 OK; 1 nothing wrong but incomplete (no transcripts yet); 2 problems (each
named on stderr with file and line).
"""
from __future__ import annotations

INCOMPLETE_EXIT = 1
PROBLEM_EXIT = 2


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


def check_codings(study, transcripts) -> tuple[int, int, list]:
    """Parse every codings file against the transcripts, without touching the store.
    Returns (files, codings, errors); an error is a ``KlantreisError`` naming file and line."""
    from ..coding import codings_files, parse_codings_file
    from ..errors import KlantreisError

    try:
        files = codings_files(study)
    except KlantreisError as err:
        return 0, 0, [err]
    by_id = {t.respondent_id: t for t in transcripts}
    n, errors = 0, []
    for path in files:
        try:
            n += len(parse_codings_file(path, study, by_id).codings)
        except KlantreisError as err:
            errors.append(err)
    return len(files), n, errors


def run(args) -> int:
    import sys

    from ..errors import KlantreisError, display_path
    from ..progress import say
    from ..respondents import TABLE_NAMES
    from ..study import Study
    from ..transcripts import transcript_overview

    study = Study.load(args.study)       # study.yaml, codebook, journeys, personas
    say(f"studie geladen: {study.config.title}")
    problems: list[KlantreisError] = []
    print(f"Studie: {study.config.title}")
    warnings: list[str] = []
    try:
        findings = study.findings
        print(f"Bevindingen: {len(findings.findings)} bevindingen, "
              f"{len(findings.recommendations)} aanbevelingen, {len(findings.themes)} thema's")
        codes = set(study.codebook.code_ids())
        for f in findings.findings:
            if f.id in codes:
                warnings.append(f"{study.config.findings}: bevinding '{f.id}' heeft dezelfde id "
                                f"als een code; in 'answers' telt die id als de bevinding")
    except KlantreisError as err:
        problems.append(err)
    say("transcripten lezen")
    try:
        result = study.imported
    except KlantreisError as err:
        problems.append(err)
        result = None
    warnings = (list(result.warnings) if result is not None else []) + warnings
    transcripts = result.transcripts if result is not None else []
    n_files = 0
    if result is not None:
        table = result.respondents
        if table.path is not None:
            print(f"Respondententabel: {display_path(table.path, study.root)} ({len(table)} "
                  f"respondenten, kolommen: {', '.join(c for c in table.columns if c != 'id')})")
        else:
            print(f"Respondententabel: geen (interviews/ heeft geen {', '.join(TABLE_NAMES)}, "
                  f"en study.yaml noemt geen respondent_table)")
        rows = transcript_overview(transcripts)
        if rows:
            print(f"Transcripten: {len(rows)}")
            print(format_table(rows, ["bestand", "formaat", "codering", "beurten", "woorden",
                                      "sprekers"]))
            total = sum(r["woorden"] for r in rows)
            resp = sum(r["respondent_woorden"] for r in rows)
            print(f"Totaal: {sum(r['beurten'] for r in rows)} beurten, {total} woorden "
                  f"({resp} van respondenten)")
        else:
            print("Transcripten: geen (zet .txt-, .md-, .docx-, .vtt- of .srt-bestanden in "
                  "interviews/)")
        say("coderingen controleren")
        n_files, n_codings, errors = check_codings(study, transcripts)
        problems += errors
        if n_files:
            print(f"Coderingen: {n_files} bestanden, {n_codings} coderingen gelezen"
                  + (f" ({len(errors)} bestanden met fouten)" if errors else ""))
    primary = (study.config.coding or {}).get("primary_coder")
    if n_files and primary is not None and not (study.codings_dir / str(primary)).is_dir():
        warnings.append(f"study.yaml: coding.primary_coder '{primary}' heeft (nog) geen map "
                        f"codings/{primary}/")
    if warnings:
        print(f"Waarschuwingen ({len(warnings)}):")
        for w in warnings:
            print(f"  - {w}")
    else:
        print("Geen waarschuwingen.")
    if problems:
        for err in problems:
            print(f"klantreis check: {err}", file=sys.stderr)
        n = len(problems)
        print(f"NIET OK: {n} {'probleem' if n == 1 else 'problemen'} gevonden (zie de "
              f"meldingen op stderr).")
        return PROBLEM_EXIT
    if not transcripts:
        print("NIET OK: de studiemap is in orde, maar er zijn nog geen transcripten in "
              "interviews/.")
        return INCOMPLETE_EXIT
    print("OK: de studiemap is in orde.")
    return 0
