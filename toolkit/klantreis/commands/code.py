"""klantreis code STUDY [--coder A] [--suggest] [--export-codings DIR]
                      [--rename OLD NEW | --merge CODE [CODE ...] --into CODE]"""
from __future__ import annotations

import sys


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: .)")
    p.add_argument("--coder", help="alleen deze codeur tonen/exporteren")
    p.add_argument("--suggest", action="store_true",
                   help="toon het aantal codeersuggesties per code (deductief, uit de cues)")
    p.add_argument("--export-codings", metavar="MAP",
                   help="schrijf de coderingen als codings/<codeur>/<respondent>.yaml in MAP")
    p.add_argument("--rename", nargs=2, metavar=("OUD", "NIEUW"),
                   help="geef een code een nieuwe id in de hele studie (codeboek, coderingen, "
                        "klantreis, persona's, bevindingen, opslag)")
    p.add_argument("--merge", nargs="+", metavar="CODE",
                   help="voeg deze codes samen in de code van --into")
    p.add_argument("--into", metavar="CODE", help="de code waarin --merge samenvoegt")


def run(args) -> int:
    from ..coding import (
        HUMAN_ORIGINS,
        export_codings_dir,
        machine_suggestions,
        primary_coder,
        sync_codings_dir,
    )
    from ..errors import KlantreisError
    from ..store import Store
    from ..study import Study

    study = Study.load(args.study)
    if args.rename or args.merge:
        return _recode(study, args)
    with Store(study.store_path) as store:
        report = sync_codings_dir(study, store)
        print(f"Coderingen uit {study.codings_dir.name}/: {report.files} bestand(en), "
              f"{len(report.changed_files)} nieuw of gewijzigd "
              f"(+{report.added} / -{report.removed} coderingen)"
              + (f", {len(report.removed_files)} verwijderd" if report.removed_files else "")
              + (f"; {report.adopted} codering(en) uit de opslag vallen nu onder hun bestand"
                 if report.adopted else ""))
        counts = store.count_codings()
        human = {coder: sum(n for o, n in by.items() if o in HUMAN_ORIGINS)
                 for coder, by in counts.items()}
        human = {k: v for k, v in human.items() if v}
        if args.coder and args.coder not in human:
            known = ", ".join(sorted(human)) or "geen"
            raise KlantreisError(f"codeur '{args.coder}' heeft geen coderingen "
                                 f"(codeurs met coderingen: {known})")
        primary = primary_coder(study, store)
        if human:
            print("Coderingen per codeur:")
            for coder in sorted(human):
                if args.coder and coder != args.coder:
                    continue
                respondents = len({c.respondent_id for c in
                                   store.codings(coder=coder, origin=HUMAN_ORIGINS)})
                mark = "  (primaire codeur)" if coder == primary else ""
                print(f"  {coder}: {human[coder]} coderingen bij {respondents} "
                      f"respondent(en){mark}")
            changed = store.changed_sources(study.transcripts)
            for ch in changed:
                print(f"LET OP: transcript {ch.respondent_id} is gewijzigd nadat het gecodeerd "
                      f"is; {ch.codings} codering(en) verwijzen naar de oude tekst. Controleer "
                      f"ze (de posities kunnen verschoven zijn).", file=sys.stderr)
        else:
            print("Nog geen menselijke coderingen; de analyse gebruikt dan codeersuggesties.")

        if args.export_codings:
            coders = [args.coder] if args.coder else sorted(human)
            written = 0
            for coder in coders:
                written += len(export_codings_dir(store, args.export_codings, coder,
                                                  transcripts=study))
            print(f"{written} coderingenbestand(en) geschreven in {args.export_codings}")

    if args.suggest:
        suggestions = machine_suggestions(study)
        if not suggestions:
            print("Geen codeersuggesties: geen cue uit het codeboek komt voor in wat de "
                  "respondenten zeggen.")
            return 0
        per_code: dict[str, int] = {}
        for s in suggestions:
            per_code[s.code] = per_code.get(s.code, 0) + 1
        respondents = len({s.respondent_id for s in suggestions})
        print(f"Codeersuggesties: {len(suggestions)} bij {respondents} respondent(en) "
              f"(nog niet geaccepteerd; zie CodingSession.accept):")
        width = max(len(c) for c in per_code)
        for code, n in sorted(per_code.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {code:<{width}}  {n}")
    return 0


def _recode(study, args) -> int:
    from ..errors import KlantreisError
    from ..recode import merge_codes, rename_code
    if args.rename and args.merge:
        raise KlantreisError("kies --rename of --merge, niet allebei")
    if args.merge and not args.into:
        raise KlantreisError("--merge heeft --into nodig: de code waarin wordt samengevoegd")
    who = args.coder or "klantreis"
    if args.rename:
        result = rename_code(study, *args.rename, who=who)
    else:
        result = merge_codes(study, args.merge, args.into, who=who)
    print(f"Klaar: {result}.")
    for path in result.files:
        shown = path.relative_to(study.root) if path.is_relative_to(study.root) else path
        print(f"  bijgewerkt: {shown}")
    return 0
