"""Heartbeat computation: placement of codings, the weighted curve, pain and high points,
the desired curve, Mermaid, assignments and the heartbeat/poster commands."""
from __future__ import annotations

import math
import re
import sys
import textwrap
import types
from pathlib import Path

import pytest

from klantreis.codebook import Codebook
from klantreis.errors import KlantreisError, SchemaError
from klantreis.journeys import (NO_DATA, coding_moment, compute_heartbeat, mermaid_score,
                                read_assignments, to_mermaid, trim_quote)
from klantreis.models import Category, Code, Coding, Journey, Phase, Step, Transcript

# Fictional interview text: 1000 characters, words only (offsets are easy to reason about).
WORDS = ("het loket belde terug over de aanvraag en de brief kwam pas weken later aan bij "
         "[PERSOON-1] in [PLAATS-1] waarna alles opnieuw moest ").split()


def fake_text(n: int = 1000, seed: int = 0) -> str:
    out, i = [], seed
    while len(" ".join(out)) < n:
        out.append(WORDS[i % len(WORDS)])
        i += 3
    return " ".join(out)[:n]


def tiny():
    """Journey a -> b (steps b1, b2) -> c; persona p = R1, R2, R3; persona q = R4."""
    journey = Journey("tj", "Testreis", phases=[
        Phase("a", "Fase A"),
        Phase("b", "Fase B", steps=[Step("b1", "Stap B1", ["gemeente"]), Step("b2", "Stap B2")]),
        Phase("c", "Fase C"),
    ], organisations=["gemeente", "SVB"], code_map={"y_pos": {"step": "b1"}})
    codebook = Codebook("test", categories=[Category("cat", "Cat", codes=[
        Code("x_neg", "X negatief", "cat", phases=["a"], valence=-2, organisations=["SVB"]),
        Code("y_pos", "Y positief", "cat", phases=["b"], valence=2),
        Code("z_multi", "Z meerdere fasen", "cat", phases=["c", "a"], valence=-1),
        Code("w_none", "W zonder fase", "cat", phases=[], valence=-3),
    ])])
    texts = {rid: fake_text(1000, seed=i) for i, rid in enumerate(["R1", "R2", "R3", "R4"])}
    transcripts = [Transcript(rid, Path(f"{rid}.txt"), t, "0" * 64, "txt", "utf-8")
                   for rid, t in texts.items()]

    def c(rid, code, start, end, valence=None, phase=None, cid=None):
        return Coding(rid, code, start, end, coder="A", valence=valence, phase=phase, id=cid)

    codings = [
        # phase a: R1 four passages [-3, -3, -1, -1] -> mean -2, weight sqrt(4) = 2
        c("R1", "x_neg", 10, 60, valence=-3, cid=1), c("R1", "x_neg", 100, 130, valence=-3, cid=2),
        c("R1", "x_neg", 200, 260, valence=-1, cid=3), c("R1", "x_neg", 300, 330, valence=-1, cid=4),
        # R2 one passage +1 (override), weight 1
        c("R2", "x_neg", 20, 70, valence=1, cid=5),
        # R3: z_multi at 10 % of her interview -> candidate bins [a, c] -> a; default -1
        c("R3", "z_multi", 100, 150, cid=6),
        # phase b, step b1 via code_map: R1 default +2, R3 override +3
        c("R1", "y_pos", 400, 500, cid=7), c("R3", "y_pos", 400, 450, valence=3, cid=8),
        # phase c: R2 z_multi at 90 % -> c
        c("R2", "z_multi", 900, 950, cid=9),
        # no phase anywhere -> unplaced
        c("R1", "w_none", 600, 650, cid=10),
        # persona q must not leak into p
        c("R4", "x_neg", 10, 60, valence=3, cid=11),
    ]
    assignments = {"R1": "p", "R2": "p", "R3": "p", "R4": "q"}
    return journey, codebook, codings, assignments, transcripts, texts


def test_curve_matches_hand_computed_values():
    journey, codebook, codings, assignments, transcripts, _ = tiny()
    hb = compute_heartbeat(journey, codebook, codings, assignments, transcripts, persona_id="p")
    a = hb.moment("a")
    # (2 * -2 + 1 * +1 + 1 * -1) / (2 + 1 + 1) = -1.0
    assert a.score == pytest.approx(-1.0)
    assert a.level == "negatief"
    assert (a.n_respondents, a.n_passages) == (3, 6)
    assert sorted(a.evidence) == [1, 2, 3, 4, 5, 6]
    b1 = hb.moment("b", "b1")
    assert b1.score == pytest.approx(2.5) and b1.level == "positief"
    assert b1.organisations == ["gemeente"]
    assert hb.moment("c").score == pytest.approx(-1.0)
    assert hb.total == 3 and hb.study_total == 4
    assert hb.n_unplaced == 1
    assert hb.n_passages == 9
    # the phase summary of a equals its only bucket; organisations come from the codes
    assert hb.phase("a").score == pytest.approx(-1.0)
    assert "SVB" in hb.phase("a").organisations


def test_weighting_is_not_a_plain_passage_mean():
    journey, codebook, _, _, transcripts, _ = tiny()
    # R1 nine passages at -3 (weight 3), R2 one at +3 (weight 1): (3*-3 + 3) / 4 = -1.5
    codings = [Coding("R1", "x_neg", i * 10, i * 10 + 5, "A", valence=-3) for i in range(9)]
    codings.append(Coding("R2", "x_neg", 0, 5, "A", valence=3))
    hb = compute_heartbeat(journey, codebook, codings, {"R1": "p", "R2": "p"}, transcripts,
                           persona_id="p")
    assert hb.moment("a").score == pytest.approx(-1.5)
    plain_mean = (9 * -3 + 3) / 10
    assert not math.isclose(hb.moment("a").score, plain_mean)


def test_moments_without_evidence_are_none_not_zero():
    journey, codebook, codings, assignments, transcripts, _ = tiny()
    hb = compute_heartbeat(journey, codebook, codings, assignments, transcripts, persona_id="p")
    for key in (("b", None), ("b", "b2")):
        m = hb.moment(*key)
        assert m.score is None and m.desired is None
        assert m.level == NO_DATA and m.n_passages == 0
    frame = hb.to_frame()
    row = frame[(frame["fase"] == "Fase B") & (frame["stap"] == "Stap B2")].iloc[0]
    assert row["score"] is None or math.isnan(row["score"])
    assert row["niveau"] == "geen gegevens"


def test_pain_and_high_points_are_backed_by_real_passages():
    journey, codebook, codings, assignments, transcripts, texts = tiny()
    hb = compute_heartbeat(journey, codebook, codings, assignments, transcripts, persona_id="p")
    assert [k.label for k in hb.pain_points] == ["P1", "P2"]
    assert [k.moment.key for k in hb.pain_points] == [("a", None), ("c", None)]  # tie: more women
    assert [k.label for k in hb.high_points] == ["H1"]
    assert hb.high_points[0].moment.key == ("b", "b1")
    assert hb.pain_points[0].n_van_n == "3 van 3"
    assert hb.pain_points[1].n_van_n == "1 van 3"
    by_id = {c.id: c for c in codings}
    for km in hb.key_moments():
        q = km.quote
        assert q is not None
        assert q.text == trim_quote(texts[q.respondent_id][q.start:q.end])
        coding = by_id[q.coding_id]
        assert (coding.respondent_id, coding.start, coding.end) == (q.respondent_id, q.start, q.end)
        assert assignments[q.respondent_id] == "p"
        assert (q.valence < 0) == (km.kind == "pijnpunt")
    # P1 is carried by one of the strongest (-3) passages
    assert hb.pain_points[0].quote.valence == -3


def test_only_moments_beyond_the_threshold_become_key_moments():
    journey, codebook, _, _, transcripts, _ = tiny()
    codings = [Coding("R1", "x_neg", 0, 40, "A", valence=0),
               Coding("R2", "x_neg", 0, 40, "A", valence=-1),   # a: -0.5 -> negatief
               Coding("R1", "y_pos", 0, 40, "A", valence=0)]    # b1: 0 -> neutraal
    hb = compute_heartbeat(journey, codebook, codings, {"R1": "p", "R2": "p"}, transcripts,
                           persona_id="p")
    assert [k.moment.key for k in hb.pain_points] == [("a", None)]
    assert hb.high_points == []
    assert hb.moment("b", "b1").level == "neutraal"


def test_phase_by_relative_position_and_overrides():
    journey, codebook, _, _, _, _ = tiny()

    def where(start, length=1000, **kw):
        return coding_moment(journey, codebook, Coding("R1", kw.pop("code", "z_multi"),
                                                       start, start + 10, "A", **kw), length)

    assert where(100) == ("a", None)          # candidates in journey order: [a, c]
    assert where(499) == ("a", None)
    assert where(500) == ("c", None)
    assert where(950) == ("c", None)
    assert coding_moment(journey, codebook, Coding("R1", "z_multi", 950, 960, "A")) == ("a", None)
    assert where(10, phase="b") == ("b", None)                  # the coder's override wins
    assert where(10, code="y_pos") == ("b", "b1")               # step from code_map
    assert where(10, code="y_pos", phase="c") == ("c", None)    # step not in that phase
    assert where(10, code="w_none") is None
    # three candidates: equal bins over them
    codebook.code("z_multi").phases = ["a", "b", "c"]
    assert [where(s)[0] for s in (100, 400, 700)] == ["a", "b", "c"]


def test_desired_curve_from_recommendations():
    journey, codebook, codings, assignments, transcripts, _ = tiny()
    findings = [{"id": "f1", "title": "Bevinding", "codes": ["x_neg"]}]
    recs = [{"id": "r1", "text": "Doe iets", "answers": ["f1"], "desired_valence": 1,
             "kind": "quick win"},
            {"id": "r2", "text": "Doe nog iets", "answers": ["z_multi"], "kind": "quick win"}]
    hb = compute_heartbeat(journey, codebook, codings, assignments, transcripts,
                           persona_id="p", recommendations=recs, findings=findings)
    a, c, b1 = hb.moment("a"), hb.moment("c"), hb.moment("b", "b1")
    assert a.desired == pytest.approx(2.0)        # r1 (+1) and r2 (default +2) both answer a
    assert sorted(a.recommendations) == ["r1", "r2"]
    assert c.desired == pytest.approx(2.0) and c.recommendations == ["r2"]
    assert b1.desired == pytest.approx(b1.score) and b1.recommendations == []
    assert hb.moment("b", "b2").desired is None
    assert hb.has_desired and {r["id"] for r in hb.recommendations} == {"r1", "r2"}


def test_trim_quote_cuts_at_a_word_boundary():
    text = " ".join(["woord"] * 60)
    out = trim_quote(text, 160)
    # whole words left out: the ellipsis stands apart (Taalunie), no word is cut
    assert out.endswith(" \u2026") and len(out) <= 162
    assert text.startswith(out[:-2]) and out[:-2].endswith("woord")
    assert trim_quote("  kort\n citaat ") == "kort citaat"
    assert trim_quote("Ja [lacht] dat was [PERSOON-1].") == "Ja dat was [PERSOON-1]."


def test_mermaid_is_structurally_valid():
    journey, codebook, codings, assignments, transcripts, _ = tiny()
    hb = compute_heartbeat(journey, codebook, codings, assignments, transcripts, persona_id="p",
                           persona_name="Persona: P")
    text = to_mermaid(journey, hb)
    lines = text.splitlines()
    assert lines[0] == "journey"
    assert lines[1].strip().startswith("title ")
    sections = [ln.strip()[len("section "):] for ln in lines if ln.strip().startswith("section ")]
    assert sections == ["Fase A", "Fase B", "Fase C"]
    tasks = [ln for ln in lines[2:] if not ln.strip().startswith(("section", "%%"))]
    assert len(tasks) == 3                     # a, b1, c have evidence
    for ln in tasks:
        assert re.fullmatch(r"\s+[^:#;]+: [1-5]: [^:#;]+", ln), ln
    assert "Stap B1: 5: Persona P, gemeente" in text   # +2.5 -> 5; ':' removed from the name
    assert "%% Persona P: geen gegevens" not in text
    both = to_mermaid(journey, [hb, hb])
    assert both.count("section ") == 3 and "(Persona P)" in both
    assert [mermaid_score(v) for v in (-3, -1.5, -0.7, 0, 0.7, 1.5, 3)] == [1, 2, 2, 3, 4, 4, 5]


def test_read_assignments(tmp_path):
    with pytest.raises(KlantreisError, match="draai eerst: klantreis personas mijnstudie"):
        read_assignments(tmp_path / "assignments.csv", "mijnstudie")
    path = tmp_path / "assignments.csv"
    path.write_text("respondent,persona,confidence,runner_up\nR1,p,0.9,q\nR2,q,0.6,p\n",
                    encoding="utf-8")
    assert read_assignments(path) == {"R1": "p", "R2": "q"}
    path.write_text("respondent,persona\nR1,p\nR1,q\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="regel 3"):
        read_assignments(path)
    path.write_text("id,groep\nR1,p\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="kolom 'respondent' ontbreekt"):
        read_assignments(path)


# --- the commands ------------------------------------------------------------------------------

def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _study(tmp_path: Path) -> Path:
    root = tmp_path / "studie"
    _write(root / "study.yaml", """
        title: Teststudie
        commissioner: Testopdrachtgever
        target_group: Testgroep
        research_question: Werkt het?
        phases:
          define: {}
          discover: {}
          design: {}
          deliver: {}
        """)
    _write(root / "codebook.yaml", """
        name: Testcodeboek
        categories:
          - id: cat
            name: Cat
            codes:
              - {id: x_neg, name: X negatief, phases: [a], valence: -2}
              - {id: y_pos, name: Y positief, phases: [b], valence: 2}
              - {id: z_multi, name: Z, phases: [a, c], valence: -1}
              - {id: w_none, name: W, valence: -3}
        """)
    _write(root / "journeys" / "tj.yaml", """
        id: tj
        name: Testreis
        organisations: [gemeente]
        phases:
          - {id: a, name: Fase A}
          - id: b
            name: Fase B
            steps:
              - {id: b1, name: Stap B1, organisations: [gemeente]}
          - {id: c, name: Fase C}
        code_map:
          y_pos: {step: b1}
        """)
    _write(root / "findings.yaml", """
        findings:
          - {id: f1, title: Bevinding, codes: [x_neg]}
        recommendations:
          - {id: r1, text: Een testaanbeveling, audience: overheid, kind: quick win,
             answers: [f1], desired_valence: 1}
        """)
    (root / "reports").mkdir()
    return root


@pytest.fixture
def cli_study(tmp_path, monkeypatch):
    from klantreis.study import Study
    journey, codebook, codings, assignments, transcripts, texts = tiny()
    monkeypatch.setattr(Study, "transcripts", property(lambda self: transcripts))
    try:
        import klantreis.coding as coding_mod
    except ImportError:  # the coding stage is another module; stand in for it
        coding_mod = types.ModuleType("klantreis.coding")
        monkeypatch.setitem(sys.modules, "klantreis.coding", coding_mod)
    monkeypatch.setattr(coding_mod, "codings_for_analysis",
                        lambda study, **kw: (codings, "human"), raising=False)
    return _study(tmp_path), texts


def test_commands_need_assignments_first(cli_study, capsys):
    from klantreis.cli import main
    root, _ = cli_study
    assert main(["heartbeat", str(root)]) == 2
    err = capsys.readouterr().err
    assert "draai eerst: klantreis personas" in err and "assignments.csv" in err
    assert "Traceback" not in err


def test_heartbeat_and_poster_commands_write_outputs(cli_study, capsys):
    from pypdf import PdfReader

    from klantreis.cli import main
    root, texts = cli_study
    _write(root / "personas" / "assignments.csv",
           "respondent,persona,confidence,runner_up\nR1,p,0.9,q\nR2,p,0.8,q\nR3,p,0.7,q\n")
    assert main(["-q", "heartbeat", str(root), "--formats", "png", "--dpi", "40"]) == 0
    out = capsys.readouterr()
    hb_dir = root / "reports" / "heartbeats"
    assert (hb_dir / "tj_p.png").exists()
    assert (hb_dir / "tj.mmd").read_text(encoding="utf-8").startswith("journey")
    assert (hb_dir / "tj_heartbeat.csv").exists()
    assert "geschreven:" in out.out and "tj.mmd" in out.out
    assert main(["-q", "poster", str(root), "--size", "A2", "--formats", "pdf"]) == 0
    out2 = capsys.readouterr()
    pdf = root / "reports" / "posters" / "tj_p_A2.pdf"
    box = PdfReader(pdf).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((1683.78, 1190.55), abs=0.05)
    # privacy: the console never shows transcript text
    for text in texts.values():
        for chunk in (text[10:40], text[400:430]):
            assert chunk not in out.out + out.err + out2.out + out2.err
    assert main(["-q", "heartbeat", str(root), "--persona", "zz"]) == 2
    assert "persona 'zz'" in capsys.readouterr().err


# --- shared helpers: duplicates, passages, colours and names -----------------------------------

def test_two_coders_on_one_passage_count_once():
    journey, codebook, codings, assignments, transcripts, _ = tiny()
    twice = codings + [Coding(c.respondent_id, c.code, c.start, c.end, coder="B",
                              valence=c.valence, phase=c.phase) for c in codings]
    one = compute_heartbeat(journey, codebook, codings, assignments, transcripts, persona_id="p")
    two = compute_heartbeat(journey, codebook, twice, assignments, transcripts, persona_id="p")
    assert one.to_frame().equals(two.to_frame())
    assert two.n_passages == one.n_passages == 9


def test_quotes_never_slice_outside_the_transcript():
    journey, codebook, _, _, transcripts, texts = tiny()
    n = len(texts["R1"])
    bad = [Coding("R1", "x_neg", n - 5, n + 40, "A", valence=-3, quote="het eigen citaat"),
           Coding("R2", "x_neg", 0, 40, "A", valence=-3)]
    hb = compute_heartbeat(journey, codebook, bad, {"R1": "p", "R2": "p"}, transcripts,
                           persona_id="p")
    quotes = {q.respondent_id: q.text for q in hb.moment("a").quotes}
    assert quotes["R1"] == "het eigen citaat"
    assert quotes["R2"] == trim_quote(texts["R2"][0:40])


def test_heartbeats_without_persona_colours_get_distinct_ones():
    from klantreis.journeys import compute_heartbeats
    journey, codebook, codings, assignments, transcripts, _ = tiny()
    hbs = compute_heartbeats(journey, codebook, codings, assignments, transcripts)
    assert [hb.name for hb in hbs] == ["p", "q"]
    assert len({hb.color for hb in hbs}) == 2
    hbs = compute_heartbeats(journey, codebook, codings, assignments, transcripts,
                             personas=[{"id": "q", "name": "Kwee", "color": "#CC79A7"},
                                       {"id": "p", "name": "Pee", "color": "#CC79A7"}])
    assert [hb.name for hb in hbs] == ["Kwee", "Pee"]
    assert hbs[0].color == "#CC79A7" and hbs[1].color != "#CC79A7"


def test_heartbeats_for_study_takes_the_persona_stage_personas(cli_study):
    from klantreis.journeys import heartbeats_for_study
    from klantreis.models import Persona
    from klantreis.study import Study
    root, _ = cli_study
    study = Study.load(root)
    assignments = {"R1": "groep_1", "R2": "groep_1", "R3": "groep_2"}
    res = heartbeats_for_study(study, assignments=assignments)
    assert [hb.name for hb in res.heartbeats] == ["groep_1", "groep_2"]
    assert len({hb.color for hb in res.heartbeats}) == 2
    personas = [Persona("groep_2", "Groep 2", color="#E69F00"),
                Persona("groep_1", "Groep 1", color="")]
    res = heartbeats_for_study(study, assignments=assignments, personas=personas)
    assert [(hb.name, hb.color) for hb in res.heartbeats] == [
        ("Groep 2", "#E69F00"), ("Groep 1", "#0072B2")]


def test_source_note_says_mixed_and_suggestions():
    from klantreis.journeys import source_note
    assert source_note("human") == ""
    assert "machinesuggesties" in source_note("suggestions")
    assert "deels" in source_note("mixed")
