"""klantreis anonymize SRC --out DIR [--key KEYFILE] [--spans SPANS.jsonl] [--study DIR]
klantreis anonymize --check DIR

The first form anonymizes raw transcripts (SRC is never changed); the second lists
suspected leftovers in already anonymized transcripts (file:line, the kind of suspect and
the suspect word itself, never the sentence; line 0 is the file name) and exits with 3
when there are any. That list holds personal data: the output says so.
"""
from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("src", nargs="?", help="map (of bestand) met ruwe transcripten")
    p.add_argument("--out", metavar="MAP", help="map voor de geanonimiseerde transcripten")
    p.add_argument("--key", metavar="BESTAND",
                   help="schrijf de sleutel (origineel -> placeholder, JSON, rechten 0600) "
                        "hierheen; bestaat hij al, dan gaat de nummering daarin verder. "
                        "Bewaar hem buiten de studiemap")
    p.add_argument("--spans", metavar="BESTAND",
                   help="schrijf elke vondst als JSON-regel (file, start, end, label, text); "
                        "bevat echte gegevens, rechten 0600")
    p.add_argument("--study", metavar="MAP",
                   help="studiemap voor keep.txt, deny.txt en de instellingen (standaard: "
                        "de studiemap waar SRC in ligt)")
    p.add_argument("--force-key-in-study", action="store_true",
                   help="sta toe dat --key/--spans in de studiemap staan (af te raden)")
    p.add_argument("--check", metavar="MAP",
                   help="controleer geanonimiseerde transcripten op achtergebleven "
                        "persoonsgegevens (exitcode 3 bij verdachte woorden)")
    p.add_argument("--no-deduce", action="store_true",
                   help="zonder deduce (sneller opstarten, minder vondsten)")


def run(args) -> int:
    from ..errors import KlantreisError
    if args.check:
        if args.src or args.out:
            raise KlantreisError("gebruik --check MAP zonder bron en --out")
        return _check(args)
    if not args.src or not args.out:
        raise KlantreisError("geef een bronmap en --out MAP (of --check MAP)")
    from ..anonymize.runner import anonymize_folder, summary_lines
    from ..progress import say
    # the study's settings are read in one place (AnonymizationSettings.for_study, inside
    # anonymize_folder); the command line only switches deduce off
    result = anonymize_folder(args.src, args.out, key=args.key, spans=args.spans,
                              study=args.study, force_key_in_study=args.force_key_in_study,
                              use_deduce=False if args.no_deduce else None)
    total = sum(result.counts.values())
    print(f"{len(result.written)} transcript(en) geanonimiseerd naar {args.out}: "
          f"{total} vervangingen.")
    for line in summary_lines(result):
        say(line)
    if result.skipped:
        say(f"overgeslagen (geen transcript): {len(result.skipped)} bestand(en)")
    if result.renamed:
        where = ("de oorspronkelijke namen staan alleen in de sleutel" if result.key_path else
                 "de oorspronkelijke namen zijn nergens bewaard (gebruik --key om ze te bewaren)")
        print(f"{result.renamed} bestandsna(a)m(en) bevatten mogelijk een naam en kregen een "
              f"neutrale naam (transcript-001.txt, ...); {where}.")
    if result.key_path:
        print(f"Sleutel geschreven naar {result.key_path} (alleen voor jou leesbaar). "
              f"Bewaar hem beveiligd en deel hem niet.")
    if result.spans_path:
        print(f"Vondsten geschreven naar {result.spans_path} (bevat echte gegevens).")
    print("Lees de uitvoer na en controleer met: klantreis anonymize --check "
          f"{args.out}")
    return 0


def _check(args) -> int:
    from ..anonymize.gate import AllowList, check_files, make_detector
    from ..anonymize.lexicon import StudyLists
    from ..anonymize.runner import find_study_root, source_files
    from ..errors import KlantreisError
    target = Path(args.check).expanduser()
    if not target.exists():
        raise KlantreisError("map bestaat niet", target)
    root = Path(args.study).expanduser().resolve() if args.study else find_study_root(target)
    study = None
    if root is not None and (root / "study.yaml").is_file():
        try:
            from ..study import Study
            study = Study.load(root)
        except KlantreisError:
            study = root        # an incomplete study: its lists and settings still count
    files, _ = source_files(target)
    if not files:
        raise KlantreisError("geen transcripten gevonden", target)
    # transcripts get no exception for persona or study names (a respondent's daughter
    # may be called like a persona): only allow.txt accepts a suspect
    detector = make_detector(study, use_deduce=False if args.no_deduce else None)
    allow = AllowList(StudyLists.load(root).allow if root is not None else [])
    suspects = check_files(files, study=study, allow=allow, detector=detector)
    if suspects:
        # the suspect word itself is needed to judge it and to accept it in allow.txt
        print("Let op: deze lijst bevat mogelijk persoonsgegevens (de verdachte woorden "
              "zelf). Plak hem niet in tickets, e-mails of logbestanden.")
    for s in suspects:
        print(f"{s.where(root)}: {s.reason}: {s.token}")
    if suspects:
        print(f"{len(suspects)} verdachte woorden in {len({s.path for s in suspects})} van "
              f"{len(files)} bestand(en). Vervang ze, of accepteer ze in "
              f"anonymization/allow.txt ('BESTAND:REGEL woord'; regel 0 is de "
              f"bestandsnaam).", file=sys.stderr)
        return 3
    print(f"Geen verdachte woorden in {len(files)} bestand(en).")
    return 0
