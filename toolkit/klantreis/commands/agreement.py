"""klantreis agreement STUDY [--coders A B] [--unit segment|character] [--out FILE.csv]"""
from __future__ import annotations

import math


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".", help="de studiemap (standaard: .)")
    p.add_argument("--coders", nargs="+", metavar="CODEUR",
                   help="de codeurs om te vergelijken (standaard: alle codeurs met coderingen)")
    p.add_argument("--unit", choices=("segment", "character"), default="segment",
                   help="eenheid: beurt van de respondent x code (standaard) of teken x code "
                        "(zoals NVivo)")
    p.add_argument("--out", metavar="BESTAND.csv",
                   help="schrijf de lijst met verschillen (respondent, code, posities, wie wat "
                        "codeerde) als CSV")
    p.add_argument("--quotes", action="store_true",
                   help="neem in --out ook de passagetekst op (let op: persoonlijke gegevens)")


def _fmt(x: float) -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:5.2f}"


def run(args) -> int:
    from ..agreement import IntercoderAgreement
    from ..coding import all_human_codings, close_matches
    from ..errors import KlantreisError
    from ..study import Study

    study = Study.load(args.study)
    codings = all_human_codings(study)
    known = sorted({c.coder for c in codings})
    coders = args.coders or known
    for k in coders:
        if k not in known:
            near = close_matches(k, known)
            hint = f"; bedoelde je: {', '.join(near)}?" if near else ""
            raise KlantreisError(f"codeur '{k}' heeft geen coderingen (codeurs met "
                                 f"coderingen: {', '.join(known) or 'geen'}){hint}")
    if len(set(coders)) < 2:
        raise KlantreisError(f"overeenstemming vraagt minstens twee codeurs; gevonden: "
                             f"{', '.join(known) or 'geen'}. Zet de coderingen van elke codeur "
                             f"in codings/<codeur>/")
    ag = IntercoderAgreement(unit=args.unit, coders=coders).fit(codings, study.transcripts)

    unit = "beurt x code" if args.unit == "segment" else "teken x code (NVivo)"
    print(f"Intercoderbetrouwbaarheid: {', '.join(ag.coders_)}; eenheid {unit}; "
          f"{len(ag.respondents_)} respondent(en) door minstens twee codeurs gecodeerd, "
          f"{len(ag.codes_)} code(s)")
    if ag.ignored_:
        print(f"  ({ag.ignored_} codering(en) liggen alleen in beurten van de interviewer en "
              f"tellen niet mee)")
    width = max([len(c) for c in ag.codes_] + [4])
    print(f"  {'code':<{width}}  kappa  alpha  overeenstemming")
    for row in ag.per_code_.itertuples(index=False):
        print(f"  {row.code:<{width}}  {_fmt(row.kappa)}  {_fmt(row.alpha)}  "
              f"{row.agreement:6.1%}")
    kappa_label = "kappa (Cohen)" if len(ag.coders_) == 2 else "kappa (gemiddeld over paren)"
    print(f"Totaal {kappa_label}: {_fmt(ag.kappa_).strip()}  "
          f"(gemiddelde per code: {_fmt(ag.mean_kappa_).strip()})")
    print(f"Krippendorffs alpha (nominaal): {_fmt(ag.alpha_).strip()}")
    print(f"Procentuele overeenstemming: {ag.percent_agreement_:.1%}")
    print(f"Verschillen om te bespreken: {len(ag.disagreements_)}")
    if args.out:
        path = ag.to_csv(args.out, quotes=args.quotes)
        print(f"Verschillen geschreven naar {path}")
    return 0
