"""Heartbeat figures and journey map posters: marks, page sizes, font sizes, no overflow."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klantreis.codebook import Codebook
from klantreis.heartbeat import (Sheet, TextFitter, _place_boxes, assert_min_font_size,
                                 build_heartbeat_figure, layout_slots, min_font_size, new_figure,
                                 overflowing_texts, plot_comparison, plot_heartbeat)
from klantreis.journeys import compute_heartbeats
from klantreis.models import Category, Code, Coding, Journey, Persona, Phase, Step, Transcript
from klantreis.posters import PersonaCardLike, build_poster, render_poster

SENTENCES = [
    "Ik heb weken gewacht op een antwoord van het loket en niemand kon zeggen hoe lang nog.",
    "De begeleider in de opvang heeft alles met mij doorgenomen, daar was ik heel blij mee.",
    "Elke keer opnieuw mijn verhaal vertellen aan een ander loket, dat put je helemaal uit.",
    "Eindelijk een eigen voordeur, dat voelde als een nieuw begin voor mij en de kinderen.",
    "De brieven bleven maar komen en ik begreep er eerlijk gezegd helemaal niets van.",
]


def study_data(with_gap: bool = False):
    """Four phases (one without evidence when ``with_gap``), two personas, fictional text."""
    journey = Journey("reis", "Testklantreis met een vrij lange naam voor de titelregel", phases=[
        Phase("voor", "Voor de opvang"),
        Phase("in", "Instroom", steps=[Step("aanvraag", "Uitkering aanvragen", ["gemeente"]),
                                       Step("toeslag", "Toeslagen regelen",
                                            ["Belastingdienst", "SVB"])]),
        Phase("verblijf", "Verblijf in de opvang"),
        Phase("na", "Na de opvang"),
    ], organisations=["gemeente", "Belastingdienst", "SVB", "opvang", "schuldhulpverlening"],
        code_map={"wachten": {"step": "aanvraag"}, "partner": {"step": "toeslag"}})
    codes = [Code("melding", "Melding", "c", phases=["voor"], valence=-1),
             Code("wachten", "Wachten op geld", "c", phases=["in"], valence=-2,
                  organisations=["gemeente"]),
             Code("partner", "Toeslag via partner", "c", phases=["in"], valence=-3),
             Code("steun", "Steun in de opvang", "c", phases=["verblijf"], valence=2,
                  organisations=["opvang"]),
             Code("eigen", "Eigen plek", "c", phases=["na"], valence=3),
             Code("brieven", "Brieven", "c", phases=["na"], valence=-2,
                  organisations=["schuldhulpverlening"])]
    codebook = Codebook("test", categories=[Category("c", "C", codes=codes)])
    transcripts, codings, assignments = [], [], {}
    plan = ["melding", "wachten", "partner", "steun", "eigen", "brieven"]
    if with_gap:
        plan.remove("steun")
    for r in range(1, 7):
        rid = f"R{r:02d}"
        assignments[rid] = "a" if r <= 3 else "b"
        parts, pos = [], 0
        for k, code in enumerate(plan):
            sentence = SENTENCES[(r + k) % len(SENTENCES)]
            lead = f"I: Vraag {k}?\n\nR: Nou. "
            parts.append(lead + sentence + "\n\n")
            start = pos + len(lead)
            codings.append(Coding(rid, code, start, start + len(sentence), "A",
                                  valence=None if r % 2 else max(-3, min(3, 1 - k % 3)),
                                  id=len(codings) + 1))
            pos += len(parts[-1])
        transcripts.append(Transcript(rid, Path(f"{rid}.txt"), "".join(parts), "0" * 64,
                                      "txt", "utf-8"))
    personas = [Persona("a", "Anna", "Een fictieve persona.", needs=["Overzicht"],
                        goals=["Rust"], color="#0072B2"),
                {"id": "b", "name": "Bea", "color": "#D55E00", "description": "Fictief.",
                 "needs": [], "goals": []}]
    recs = [{"id": "r1", "text": "Regel het in één keer bij instroom.", "answers": ["wachten"],
             "desired_valence": 1, "kind": "quick win"}]
    hbs = compute_heartbeats(journey, codebook, codings, assignments, transcripts,
                             personas=personas, recommendations=recs)
    return journey, codebook, hbs, personas


@pytest.fixture(scope="module")
def data():
    return study_data()


def _lines_with_marker(fig, marker):
    return [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_marker() == marker
            and ln.get_xdata().size]


def test_heartbeat_marks_pain_and_high_points_with_shapes_and_labels(data):
    journey, _, hbs, _ = data
    hb = hbs[0]
    assert hb.pain_points and hb.high_points
    fig = build_heartbeat_figure(hb, journey)
    assert len(_lines_with_marker(fig, "v")) == len(hb.pain_points)
    assert len(_lines_with_marker(fig, "^")) == len(hb.high_points)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    for km in hb.key_moments():
        assert km.label in texts                                # P1 next to its triangle
        assert any(km.quote.text[:30] in t.replace("\n", " ") for t in texts)  # its quote
    # the desired curve (a recommendation answers 'wachten') is drawn dashed
    dashed = [ln for ax in fig.axes for ln in ax.get_lines()
              if ln.get_linestyle() in ("--", "-.", ":") or ln.get_linestyle().startswith("(")]
    assert hb.has_desired and dashed
    assert overflowing_texts(fig) == []
    assert min_font_size(fig) >= 7.5


def test_missing_phase_is_marked_not_invented():
    journey, _, hbs, _ = study_data(with_gap=True)
    hb = hbs[0]
    assert hb.phase("verblijf").score is None
    layout = layout_slots(journey, [hb])
    gap = [s for s in layout.slots if s.phase == "verblijf"]
    assert len(gap) == 1 and gap[0].label == ""
    fig = build_heartbeat_figure(hb, journey)
    texts = [t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.texts]
    assert "geen gegevens" in texts
    assert overflowing_texts(fig) == []


def test_outputs_and_png_resolution(data, tmp_path):
    from PIL import Image
    journey, _, hbs, _ = data
    written = plot_heartbeat(hbs[0], journey, tmp_path / "hb", formats=("png", "svg"), dpi=100)
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert Image.open(written[0]).size == (950, 670)      # 9.5 x 6.7 inch at the dpi asked
    assert written[1].read_text(encoding="utf-8").lstrip().startswith("<?xml")
    only = plot_heartbeat(hbs[0], journey, tmp_path / "een.pdf")
    assert only == [tmp_path / "een.pdf"] and only[0].read_bytes()[:4] == b"%PDF"
    fig = plot_comparison(hbs, journey)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["Anna (n = 3)", "Bea (n = 3)"]
    styles = {str(ln.get_linestyle()) for ln in fig.axes[-1].get_lines() if ln.get_lw() > 2}
    assert len(styles) >= 2                                 # not colour alone


def test_plot_into_an_existing_axes(data):
    journey, _, hbs, _ = data
    fig = new_figure(6, 3)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    assert plot_heartbeat(hbs[0], journey, ax) is ax
    assert _lines_with_marker(fig, "v")


@pytest.mark.parametrize("size,expected,minimum", [("A3", (1190.55, 841.89), 9.0),
                                                  ("A2", (1683.78, 1190.55), 9.0 * 2 ** 0.5)])
def test_poster_page_size_fonts_and_fit(data, tmp_path, size, expected, minimum):
    from pypdf import PdfReader
    journey, codebook, hbs, personas = data
    names = {c.id: c.name for c in codebook.codes}
    fig = build_poster(personas[0], hbs[0], journey, size, code_names=names)
    assert_min_font_size(fig, minimum - 0.01)
    assert overflowing_texts(fig) == []
    written = render_poster(personas[0], hbs[0], journey, tmp_path / f"poster_{size}",
                            size, formats=("pdf",))
    box = PdfReader(written[0]).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(expected, abs=0.05)


def test_poster_with_long_texts_wraps_and_never_overflows(data):
    journey, codebook, hbs, _ = data
    long = ("Een uitzonderlijk lange beschrijving van een fictieve persona die maar doorgaat "
            "en doorgaat, met samenstellingen als schuldhulpverleningstraject en "
            "woningcorporatiewachtlijst, ") * 6
    card = {"name": "Persona met een buitengewoon lange naam die niet op een regel past",
            "description": long, "needs": [long[:200]] * 5, "goals": ["Rust"] * 8,
            "quote": long[:300]}
    fig = build_poster(card, hbs[1], journey, "A3")
    assert overflowing_texts(fig) == []
    assert_min_font_size(fig, 9.0)


def test_font_size_helper_can_fail():
    fig = new_figure(4, 3)
    fig.text(0.1, 0.5, "te klein", fontsize=6)
    assert min_font_size(fig) == 6
    with pytest.raises(AssertionError, match="kleiner dan 9"):
        assert_min_font_size(fig, 9)


def test_overflow_helper_detects_text_outside_its_box():
    sheet = Sheet(4, 3)
    t = sheet.ax.text(10, 100, "een tekst die veel te breed is voor zijn vak", fontsize=10)
    t._klantreis_box = sheet.box(10, 90, 60, 120)
    assert overflowing_texts(sheet.fig) == [t]


def test_fitter_wraps_within_width_and_respects_hyphen_hints():
    fitter = TextFitter(new_figure(4, 3))
    text = "Een zin met verschillende woorden die over meerdere regels moet lopen " * 3
    for line in fitter.wrap(text, 120, 9):
        assert fitter.width(line, 9) <= 120
    lines = fitter.wrap("Contact\u00admomenten", 60, 10, break_words=False)
    assert lines == ["Contact-", "momenten"]
    assert fitter.wrap("\u25bc\u00a0Pijnpunten", 500, 10) == ["\u25bc\u00a0Pijnpunten"]
    fitted, size, cut = fitter.fit(text, 80, 30, 10, 9)
    assert cut and fitted.endswith("\u2026") and size == 9


def test_persona_protocol_accepts_persona_objects_and_dicts():
    assert isinstance(Persona("x", "X"), PersonaCardLike)
    assert not isinstance({"name": "X"}, PersonaCardLike)   # dicts are read by key instead


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 500), st.floats(10, 120)), min_size=1, max_size=4))
def test_quote_boxes_never_overlap(boxes):
    targets = [t for t, _ in boxes]
    widths = [w for _, w in boxes]
    gap = 8.0
    right = max(500.0, sum(widths) + gap * len(widths))
    xs = _place_boxes(targets, widths, 0.0, right, gap)
    spans = sorted(zip(xs, widths))
    for (x0, w0), (x1, _) in zip(spans, spans[1:]):
        assert x0 + w0 + gap <= x1 + 1e-6
    assert all(x >= -1e-6 and x + w <= right + 1e-6 for x, w in spans)
