"""klantreis personas STUDY [--k 3] [--no-attributes] [--seed N] [--method ward]

Writes ``personas/assignments.csv`` and ``reports/personas/`` (cards as A4/A5 PDF and PNG,
the dendrogram for Ward, the nuance table). An assignments file the researchers edited is
followed (as in ``klantreis run``) and never overwritten. The terminal shows counts and quality figures only,
never transcript text.
"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: .)")
    p.add_argument("--k", type=int, default=None,
                   help="aantal persona's (standaard: het aantal archetypes in personas/, "
                        "anders het kleinste aantal dat binnen de ruis even goed scoort op "
                        "silhouet en stabiliteit)")
    p.add_argument("--method", choices=("ward", "kmeans", "nmf"), default="ward",
                   help="clustermethode (standaard: ward)")
    p.add_argument("--seed", type=int, default=0, help="startgetal voor herhaalbaarheid")
    p.add_argument("--no-attributes", action="store_true",
                   help="alleen de coderingen gebruiken, niet de respondententabel")
    p.add_argument("--bootstrap", type=int, default=None, metavar="N",
                   help="aantal bootstraprondes voor de stabiliteit (standaard: "
                        "klantreis.personas.N_BOOTSTRAP, hetzelfde als klantreis run en "
                        "het rapport)")
    p.add_argument("--no-cards", action="store_true", help="geen persona-kaarten tekenen")


def run(args) -> int:
    from ..anonymize import privacy_gate
    from ..coding import codings_for_analysis
    from ..errors import KlantreisError
    from ..persona_cards import write_persona_outputs
    from ..personas import N_BOOTSTRAP, edited_assignments, find_personas
    from ..progress import say
    from ..respondents import attribute_frame
    from ..study import Study

    study = Study.load(args.study)
    if not args.no_cards:
        privacy_gate(study)         # the cards carry quotes from the transcripts
    transcripts = study.transcripts
    if not transcripts:
        raise KlantreisError(f"geen transcripten in {study.interviews_dir}", study.interviews_dir)
    say("coderingen laden")
    codings, source = codings_for_analysis(study, transcripts=transcripts)
    if not codings:
        raise KlantreisError("geen coderingen en geen codeersuggesties: codeer eerst "
                             "(codings/<codeur>/<respondent>.yaml) of vul cues in codebook.yaml")
    attributes, warnings = (None, []) if args.no_attributes else attribute_frame(study)
    archetypes = study.personas
    if args.k is not None and args.k < 1:
        raise KlantreisError("--k moet minstens 1 zijn")
    if args.k is not None and args.k > len(transcripts):
        raise KlantreisError(f"--k {args.k} is groter dan het aantal transcripten "
                             f"({len(transcripts)})")
    n_bootstrap = N_BOOTSTRAP if args.bootstrap is None else args.bootstrap
    if n_bootstrap < 0:
        raise KlantreisError("--bootstrap kan niet negatief zijn")
    say(f"persona's bepalen ({args.method}, {n_bootstrap} bootstraprondes)")
    result = find_personas(transcripts, codings, study.codebook, attributes, archetypes,
                           k=args.k, method=args.method, seed=args.seed,
                           n_bootstrap=n_bootstrap)
    own = edited_assignments(study, result)
    if own is not None:                 # the researchers' decisions win (never overwritten)
        result.reassign(own)
        say("personas/assignments.csv is door de onderzoekers aangepast: die toewijzing "
            "wordt gevolgd en niet overschreven")
    paths = write_persona_outputs(study, result, transcripts, codings, attributes,
                                  cards=not args.no_cards)

    basis = "menselijke coderingen" if source == "human" else "machinesuggesties (nog niet " \
        "door een onderzoeker gecontroleerd)"
    what = "tekst en respondentkenmerken" if result.profiles and \
        result.profiles.uses_attributes else "alleen tekst"
    print(f"{len(transcripts)} respondenten, {len(codings)} coderingen uit {basis}; "
          f"profiel: {what}.")
    if not archetypes:
        print("Geen archetypes in personas/: groepen hebben een beschrijvend label; "
              "geef ze een naam met PersonaResult.rename of maak personas/<id>.yaml.")
    print(result.summary())
    low = result.assignments[result.assignments.confidence < 0.5]
    if len(low):
        print(f"  {len(low)} respondent(en) met zekerheid < 0,5: "
              + ", ".join(f"{r.respondent} ({r.persona}, anders {r.runner_up})"
                          for r in low.itertuples()))
    for note in result.notes + warnings:
        print(f"  let op: {note}")
    shown = [p for p in paths if p.suffix in (".csv",)] + \
        [p.parent for p in paths if p.suffix in (".pdf", ".png")][:1]
    for p in dict.fromkeys(shown):
        try:
            print(f"Geschreven: {p.relative_to(study.root)}")
        except ValueError:
            print(f"Geschreven: {p}")
    return 0
