"""Intercoder agreement: hand-computed kappa/alpha, NVivo's character kappa, Krippendorff's
textbook example, the degenerate cases and the CLI."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from klantreis.agreement import (IntercoderAgreement, cohen_kappa, kappa_from_counts,
                                 krippendorff_alpha, percent_agreement)
from klantreis.errors import KlantreisError
from klantreis.models import Coding, Segment, Transcript


def make_transcript(rid: str, turns: list[tuple[str, str]]) -> Transcript:
    """A transcript built from (role, speech) turns, 'I: ...' / 'R: ...' lines."""
    text, segments = "", []
    for i, (role, speech) in enumerate(turns):
        label = "I" if role == "interviewer" else "R"
        if text:
            text += "\n\n"
        line = text.count("\n") + 1
        text += f"{label}: "
        start = len(text)
        text += speech
        segments.append(Segment(rid, i, label, role, start, len(text), speech, line))
    return Transcript(rid, Path(f"{rid}.txt"), text, "0" * 64, "txt", "utf-8",
                      segments=segments)


def code_turn(t: Transcript, index: int, code: str, coder: str) -> Coding:
    s = t.segments[index]
    return Coding(t.respondent_id, code, s.start, s.end, coder)


@pytest.fixture
def interview() -> Transcript:
    turns = []
    for i in range(10):
        turns.append(("interviewer", f"Vraag nummer {i}?"))
        turns.append(("respondent", f"Antwoord nummer {i} over het fictieve onderwerp."))
    return make_transcript("T01", turns)


def test_kappa_from_counts_hand_computed():
    # Po = 0.7, Pe = 0.5*0.6 + 0.5*0.4 = 0.5 -> kappa = 0.4
    assert kappa_from_counts(20, 5, 10, 15) == pytest.approx(0.4)
    assert kappa_from_counts(5, 0, 0, 5) == pytest.approx(1.0)
    assert kappa_from_counts(0, 5, 5, 0) == pytest.approx(-1.0)
    assert math.isnan(kappa_from_counts(0, 0, 0, 0))


def test_cohen_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    b[:120] = a[:120]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert percent_agreement([1, 0, 1, 1], [1, 1, 1, 0]) == pytest.approx(0.5)


def test_krippendorff_2011_nominal_example_with_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C:
    # 4 observers, 12 units, missing values; nominal alpha = 0.743
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha(data) == pytest.approx(0.743, abs=5e-4)
    # nan works as missing too
    as_float = [[math.nan if v is None else float(v) for v in row] for row in data]
    assert krippendorff_alpha(as_float) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_two_coders_binary_hand_computed():
    # units (A,B): (1,1) (0,0) (1,0) (0,0); coincidences o00=4, o01=o10=1, o11=2, n=8
    # alpha = 1 - (n-1) * 2 / (n^2 - (5^2 + 3^2)) = 1 - 14/30
    data = [[1, 0, 1, 0], [1, 0, 0, 0]]
    assert krippendorff_alpha(data) == pytest.approx(1 - 14 / 30)


def test_alpha_without_variation_is_undefined_and_perfect_alpha_is_one():
    assert math.isnan(krippendorff_alpha([[1, 1, 1], [1, 1, 1]]))
    assert krippendorff_alpha([[1, 0, 1], [1, 0, 1]]) == pytest.approx(1.0)


def test_nvivo_character_kappa_hand_computed():
    # one source of 100 characters; A codes [0, 40), B codes [20, 60)
    t = Transcript("T02", Path("T02.txt"), "x" * 100, "0" * 64, "txt", "utf-8")
    codings = [Coding("T02", "k", 0, 40, "A"), Coding("T02", "k", 20, 60, "B")]
    ag = IntercoderAgreement(unit="character").fit(codings, [t])
    # Po = (20 + 40) / 100 = 0.6; Pe = 0.4*0.4 + 0.6*0.6 = 0.52; kappa = 0.08 / 0.48
    assert ag.kappa_ == pytest.approx(0.08 / 0.48)
    assert ag.percent_agreement_ == pytest.approx(0.6)
    row = ag.per_source_.iloc[0]
    assert (row.respondent, row.code) == ("T02", "k")
    assert row.kappa == pytest.approx(0.08 / 0.48)
    # the disagreements are the two stretches [0, 20) (A only) and [40, 60) (B only)
    spans = [(d.start, d.end, d.coded_by, d.not_coded_by) for d in ag.disagreements_]
    assert spans == [(0, 20, ("A",), ("B",)), (40, 60, ("B",), ("A",))]


def test_segment_unit_hand_computed(interview):
    t = interview
    resp = [s.index for s in t.respondent_segments]   # 10 respondent turns
    codings = [code_turn(t, i, "k", "A") for i in resp[:4]]
    codings += [code_turn(t, i, "k", "B") for i in resp[2:6]]
    ag = IntercoderAgreement(unit="segment").fit(codings, [t])
    # n11 = 2, n10 = 2, n01 = 2, n00 = 4: Po = 0.6, Pe = 0.4*0.4 + 0.6*0.6 = 0.52
    assert ag.kappa_ == pytest.approx(0.08 / 0.48)
    assert ag.percent_agreement_ == pytest.approx(0.6)
    row = ag.per_code_.set_index("code").loc["k"]
    assert (row.units, row.gecodeerd_A, row.gecodeerd_B) == (10, 4, 4)
    assert len(ag.disagreements_) == 4
    first = ag.disagreements_[0]
    seg = t.segments[resp[0]]
    assert (first.start, first.end, first.segment) == (seg.start, seg.end, resp[0])
    assert first.line == t.line_of(seg.start)
    assert first.coded_by == ("A",) and first.not_coded_by == ("B",)


def test_segment_unit_partial_overlap_counts_and_interviewer_turns_are_no_units(interview):
    t = interview
    seg = t.respondent_segments[0]
    q = t.segments[0]  # an interviewer question
    codings = [
        Coding("T01", "k", seg.start + 3, seg.start + 10, "A"),   # a few words of the turn
        Coding("T01", "k", seg.start, seg.end, "B"),
        Coding("T01", "k", q.start, q.end, "A"),                  # interviewer only
    ]
    ag = IntercoderAgreement().fit(codings, [t])
    assert ag.kappa_ == pytest.approx(1.0)
    assert ag.disagreements_ == []
    assert ag.ignored_ == 1


def test_perfect_agreement_and_no_variation(interview):
    t = interview
    resp = [s.index for s in t.respondent_segments]
    same = [code_turn(t, i, "k", k) for i in resp[:3] for k in ("A", "B")]
    ag = IntercoderAgreement().fit(same, [t])
    assert (ag.kappa_, ag.alpha_, ag.percent_agreement_) == pytest.approx((1.0, 1.0, 1.0))
    # both coders coded every respondent turn: no variation -> kappa 1 (NVivo), alpha nan
    every = [code_turn(t, i, "k", k) for i in resp for k in ("A", "B")]
    ag = IntercoderAgreement().fit(every, [t])
    assert ag.kappa_ == 1.0 and math.isnan(ag.alpha_)


def test_codes_per_code_and_pooled_overall(interview):
    t = interview
    resp = [s.index for s in t.respondent_segments]
    codings = [code_turn(t, resp[0], "x", "A"), code_turn(t, resp[0], "x", "B"),
               code_turn(t, resp[1], "y", "A"), code_turn(t, resp[2], "y", "B")]
    ag = IntercoderAgreement().fit(codings, [t])
    per = ag.per_code_.set_index("code")
    assert per.loc["x", "kappa"] == pytest.approx(1.0)
    # y: n11=0, n10=1, n01=1, n00=8 -> Po=.8, Pe=.1*.1+.9*.9=.82 -> kappa=-0.02/0.18
    assert per.loc["y", "kappa"] == pytest.approx(-0.02 / 0.18)
    # pooled over 20 decisions: n11=1, n10=1, n01=1, n00=17
    assert ag.kappa_ == pytest.approx(kappa_from_counts(1, 1, 1, 17))
    assert ag.mean_kappa_ == pytest.approx((1.0 - 0.02 / 0.18) / 2)


def test_respondent_coded_by_one_coder_is_missing_not_empty(interview):
    other = make_transcript("T09", [("respondent", "Een fictief antwoord."),
                                    ("respondent", "Nog een fictief antwoord.")])
    t = interview
    resp = [s.index for s in t.respondent_segments]
    codings = [code_turn(t, resp[0], "k", "A"), code_turn(t, resp[0], "k", "B"),
               code_turn(other, 0, "k", "A")]   # B never coded T09
    ag = IntercoderAgreement().fit(codings, [t, other])
    assert ag.respondents_ == ["T01"]
    assert ag.kappa_ == pytest.approx(1.0)


def test_three_coders_alpha_and_mean_pairwise_kappa(interview):
    t = interview
    resp = [s.index for s in t.respondent_segments]
    codings = [code_turn(t, i, "k", "A") for i in resp[:4]]
    codings += [code_turn(t, i, "k", "B") for i in resp[:4]]
    codings += [code_turn(t, i, "k", "C") for i in resp[2:6]]
    ag = IntercoderAgreement().fit(codings, [t])
    assert ag.coders_ == ["A", "B", "C"]
    k_ac = kappa_from_counts(2, 2, 2, 4)
    assert ag.kappa_ == pytest.approx((1.0 + k_ac + k_ac) / 3)
    matrix = [[int(i in resp[:4]) for i in resp], [int(i in resp[:4]) for i in resp],
              [int(i in resp[2:6]) for i in resp]]
    assert ag.alpha_ == pytest.approx(krippendorff_alpha(matrix))


def test_user_mistakes_are_klantreis_errors(interview):
    t = interview
    one = [code_turn(t, 1, "k", "A")]
    with pytest.raises(KlantreisError, match="twee codeurs"):
        IntercoderAgreement().fit(one, [t])
    with pytest.raises(KlantreisError, match="eenheid"):
        IntercoderAgreement(unit="woord")
    with pytest.raises(KlantreisError, match="geen transcript"):
        IntercoderAgreement().fit(one + [Coding("T77", "k", 0, 5, "B")], [t])


def test_csv_has_offsets_and_no_text_unless_asked(interview, tmp_path):
    t = interview
    resp = [s.index for s in t.respondent_segments]
    codings = [code_turn(t, resp[0], "k", "A"), code_turn(t, resp[1], "k", "B")]
    ag = IntercoderAgreement().fit(codings, [t])
    path = ag.to_csv(tmp_path / "out" / "verschillen.csv")
    body = path.read_text(encoding="utf-8")
    assert body.splitlines()[0].startswith("respondent_id,code,start,end,line")
    assert len(body.splitlines()) == 3
    assert "Antwoord" not in body
    assert "Antwoord nummer 0" in ag.to_csv(tmp_path / "q.csv", quotes=True).read_text()


# --- CLI --------------------------------------------------------------------------------------

def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def study_dir(tmp_path) -> Path:
    from klantreis import init_study
    root = init_study(tmp_path / "studie")
    _write(root / "interviews" / "R01.txt", """
        I: Hoe ging het met het fictieve geld?

        R: Ik wachtte zes weken op de fictieve uitkering.

        I: En daarna?

        R: Daarna kwam de fictieve toeslag eindelijk.

        I: Nog iets?

        R: Nee, verder niets bijzonders.
        """)
    _write(root / "codings" / "A" / "R01.yaml", """
        coder: A
        respondent: R01
        codings:
          - code: wachten_op_uitkering
            quote: "Ik wachtte zes weken op de fictieve uitkering."
          - code: wachten_op_toeslagen
            quote: "Daarna kwam de fictieve toeslag eindelijk."
        """)
    _write(root / "codings" / "B" / "R01.yaml", """
        coder: B
        respondent: R01
        codings:
          - code: wachten_op_uitkering
            quote: "zes weken op de fictieve uitkering"
        """)
    return root


def test_cli_agreement_prints_figures_and_writes_csv(study_dir, capsys):
    from klantreis.cli import main
    out_csv = study_dir / "reports" / "verschillen.csv"
    assert main(["agreement", str(study_dir), "--out", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "kappa" in out and "alpha" in out and "Procentuele overeenstemming" in out
    assert "Verschillen om te bespreken: 1" in out
    assert "wachten op de fictieve" not in out    # the terminal is a log: no quotes
    lines = out_csv.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "wachten_op_toeslagen" in lines[1] and ",A," in lines[1]


def test_cli_unknown_coder_is_a_clear_error(study_dir, capsys):
    from klantreis.cli import main
    assert main(["agreement", str(study_dir), "--coders", "A", "Z"]) != 0
    err = capsys.readouterr().err
    assert "codeur 'Z'" in err and "Traceback" not in err
