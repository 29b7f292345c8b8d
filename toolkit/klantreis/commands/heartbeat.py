"""klantreis heartbeat STUDY: heartbeats per persona (PNG/PDF/SVG), Mermaid and CSV."""
from __future__ import annotations

FORMATS = ("png", "pdf", "svg")


def add_arguments(p) -> None:
    p.add_argument("study", help="de studiemap")
    p.add_argument("--journey", metavar="ID", help="welke klantreis (standaard: de eerste)")
    p.add_argument("--persona", metavar="ID", action="append",
                   help="alleen deze persona (mag vaker)")
    p.add_argument("--formats", default=",".join(FORMATS),
                   help="bestandsvormen, komma-gescheiden (standaard: png,pdf,svg)")
    p.add_argument("--dpi", type=int, default=300, help="resolutie van de PNG (standaard 300)")


def parse_formats(value: str) -> list[str]:
    from ..errors import KlantreisError
    formats = [f.strip().lower().lstrip(".") for f in value.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise KlantreisError(f"onbekende bestandsvorm '{', '.join(bad) or value}' "
                             f"(kies uit {', '.join(FORMATS)})")
    return formats


def select_personas(heartbeats, wanted):
    """Keep the heartbeats of the personas asked for (all when none asked)."""
    from ..errors import KlantreisError
    if not wanted:
        return heartbeats
    known = [hb.persona for hb in heartbeats]
    missing = [w for w in wanted if w not in known]
    if missing:
        raise KlantreisError(f"persona '{missing[0]}' heeft geen respondenten in de toewijzing "
                             f"(bekend: {', '.join(known)})")
    return [hb for hb in heartbeats if hb.persona in wanted]


def report_inputs(res) -> None:
    """Counts only (privacy): where the evidence came from and what was left out."""
    from ..progress import say
    if res.source == "suggestions":
        say("let op: geen menselijke coderingen gevonden; de heartbeats zijn berekend uit "
            "machinesuggesties (nog niet beoordeeld)")
    elif res.source == "mixed":
        say("let op: nog niet elk interview is gecodeerd; voor die interviews tellen "
            "machinesuggesties mee (nog niet beoordeeld)")
    if res.unknown_respondents:
        say(f"let op: {len(res.unknown_respondents)} respondent(en) in de toewijzing zonder "
            f"transcript: {', '.join(res.unknown_respondents)}")
    unplaced = sum(hb.n_unplaced for hb in res.heartbeats)
    if unplaced:
        say(f"let op: {unplaced} passage(s) hebben geen fase in deze klantreis (code zonder "
            f"'phases' en zonder code_map) en tellen niet mee")


def load_heartbeats(args):
    """(study, StudyHeartbeats, selected heartbeats) for the heartbeat and poster commands,
    after the privacy gate: their figures carry quotes from the transcripts."""
    from ..anonymize import privacy_gate
    from ..journeys import heartbeats_for_study
    from ..progress import say
    from ..study import Study

    study = Study.load(args.study)
    privacy_gate(study)
    say("heartbeats berekenen ...")
    res = heartbeats_for_study(study, journey_id=args.journey)
    report_inputs(res)
    return study, res, select_personas(res.heartbeats, args.persona)


def run(args) -> int:
    from ..errors import display_path
    from ..heartbeat import write_heartbeat_outputs
    from ..progress import say

    formats = parse_formats(args.formats)
    study, res, hbs = load_heartbeats(args)
    say(f"figuren tekenen ({len(hbs)} persona's) ...")
    written = write_heartbeat_outputs(hbs, res.journey, study.reports_dir / "heartbeats",
                                      formats=formats, dpi=args.dpi)
    for hb in hbs:
        with_data = sum(1 for m in hb.moments if m.has_data)
        print(f"{hb.name}: {hb.total} respondenten, {hb.n_passages} passages, "
              f"{with_data} van {len(hb.moments)} momenten met gegevens, "
              f"{len(hb.pain_points)} pijnpunten, {len(hb.high_points)} hoogtepunten")
    for path in written:
        print(f"geschreven: {display_path(path)}")
    return 0
