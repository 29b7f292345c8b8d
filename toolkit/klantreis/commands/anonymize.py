"""klantreis anonymize SRC --out DIR [--key KEYFILE] [--spans SPANS.jsonl] [--study DIR]
klantreis anonymize --check DIR

The first form anonymizes raw transcripts (SRC is never changed); the second lists
suspected leftovers in already anonymized transcripts (file:line, the kind of suspect and
the suspect word itself, never the sentence) and exits with 3 when there are any.
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
    from ..anonymize.base import AnonymizationSettings
    from ..anonymize.runner import (
        anonymize_folder,
        find_study_root,
        study_settings,
        summary_lines,
    )
    from ..progress import say
    src = Path(args.src)
    root = Path(args.study) if args.study else find_study_root(src)
    settings = study_settings(root) if root is not None and (root / "study.yaml").is_file() \
        else AnonymizationSettings()
    if args.no_deduce:
        settings.use_deduce = False
    result = anonymize_folder(src, args.out, key=args.key, spans=args.spans, study=args.study,
                              force_key_in_study=args.force_key_in_study, settings=settings)
    total = sum(result.counts.values())
    print(f"{len(result.written)} transcript(en) geanonimiseerd naar {args.out}: "
          f"{total} vervangingen.")
    for line in summary_lines(result):
        say(line)
    if result.skipped:
        say(f"overgeslagen (geen transcript): {len(result.skipped)} bestand(en)")
    if result.key_path:
        print(f"Sleutel geschreven naar {result.key_path} (alleen voor jou leesbaar). "
              f"Bewaar hem beveiligd en deel hem niet.")
    if result.spans_path:
        print(f"Vondsten geschreven naar {result.spans_path} (bevat echte gegevens).")
    print("Lees de uitvoer na en controleer met: klantreis anonymize --check "
          f"{args.out}")
    return 0


def _check(args) -> int:
    from ..anonymize.gate import (
        AllowList,
        check_files,
        make_detector,
        study_allowed_names,
    )
    from ..anonymize.lexicon import StudyLists
    from ..anonymize.runner import find_study_root, source_files
    from ..errors import KlantreisError
    target = Path(args.check)
    if not target.exists():
        raise KlantreisError("map bestaat niet", target)
    root = Path(args.study).resolve() if args.study else find_study_root(target)
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
    names = study_allowed_names(study) if study is not None and not isinstance(study, Path) else []
    detector = make_detector(study, use_deduce=False if args.no_deduce else None,
                             allow_names=names)
    allow = AllowList(StudyLists.load(root).allow if root is not None else [])
    suspects = check_files(files, study=study, allow=allow, detector=detector)
    for s in suspects:
        # the suspect word itself is needed to judge it and to accept it in allow.txt
        print(f"{s.where(root)}: {s.reason}: {s.token}")
    if suspects:
        print(f"{len(suspects)} verdachte woorden in {len({s.path for s in suspects})} van "
              f"{len(files)} bestand(en). Vervang ze, of accepteer ze in "
              f"anonymization/allow.txt ('BESTAND:REGEL woord').", file=sys.stderr)
        return 3
    print(f"Geen verdachte woorden in {len(files)} bestand(en).")
    return 0
