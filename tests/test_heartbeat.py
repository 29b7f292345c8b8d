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


# --- review fixes: subtitles, labels, legend, posters, parallel ---------------------------------

def _texts(fig):
    from klantreis.heartbeat import text_artists
    return [t.get_text() for t in text_artists(fig)]


def test_mixed_codings_are_said_on_heartbeat_and_poster(data):
    from dataclasses import replace
    journey, codebook, hbs, personas = data
    hb = replace(hbs[0], source="mixed")
    assert any("deels op basis van machinesuggesties" in t
               for t in _texts(build_heartbeat_figure(hb, journey)))
    assert any("deels op basis van machinesuggesties" in t
               for t in _texts(build_poster(personas[0], hb, journey)))
    fig = plot_comparison([hb, replace(hbs[1], source="mixed")], journey)
    assert any("machinesuggesties" in t for t in _texts(fig))


def test_no_data_label_is_never_broken_inside_a_word():
    journey, _, hbs, _ = study_data(with_gap=True)
    for width in (9.5, 5.0, 3.5):
        fig = build_heartbeat_figure(hbs[0], journey, figsize=(width, 6.7))
        labels = [t for t in _texts(fig) if "gege" in t and "gestippeld" not in t]
        assert all(t.replace("\n", " ") == "geen gegevens" for t in labels)
        assert overflowing_texts(fig) == []


def test_comparison_legend_with_many_long_names_fits():
    from dataclasses import replace
    journey, _, hbs, _ = study_data()
    many = [replace(hbs[i % 2], persona=f"p{i}", color="",
                    persona_name=f"Een fictieve persona met een lange naam {i}")
            for i in range(10)]
    fig = plot_comparison(many, journey)
    assert overflowing_texts(fig) == []
    legend = fig.axes[0].get_legend()
    assert legend._ncols >= 2
    labels = [t.get_text() for t in legend.get_texts()]
    assert len(set(labels)) == len(labels)            # cut labels stay distinguishable
    # the legend sits above the curve, not on it
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    curve = next(ax for ax in fig.axes if ax.get_lines())
    assert legend.get_window_extent(renderer).y0 >= curve.get_window_extent(renderer).y1 - 1


def test_poster_faces_headers_and_phase_levels():
    from klantreis.colours import text_on
    from klantreis.posters import FACE
    journey, codebook, hbs, personas = study_data()
    long_names = Journey(journey.id, journey.name, phases=[
        Phase(p.id, p.name + " met een naam die in het paneel zeker over twee regels loopt",
              steps=p.steps) for p in journey.phases],
        organisations=journey.organisations, code_map=journey.code_map)
    hb = compute_heartbeats(long_names, codebook, [], {"R01": "a"}, personas=personas)[0]
    card = {"name": "Anna", "description": "Fictief.", "needs": [], "goals": [],
            "color": "#F0E442"}
    fig = build_poster(card, hbs[0], journey, code_names={c.id: c.name for c in codebook.codes})
    texts = _texts(fig)
    assert FACE["neutraal"] == "\U0001F610"
    faces = [t[0] for t in texts if t[:1] in set(FACE.values())]
    assert faces
    # phase headers: dark text on light colours, white on dark ones
    header = [t for t in fig.findobj(lambda a: hasattr(a, "get_text"))
              if t.get_text() == journey.phases[0].name and t.get_fontweight() == "bold"]
    assert header and all(t.get_color() == text_on(hbs[0].color) for t in header[:1])
    # every phase level is shown, even when the names wrap
    fig = build_poster(card, hb, long_names)
    levels = [t for t in (x.replace("\n", " ") for x in _texts(fig))
              if t.endswith(": geen gegevens") and "over twee regels loopt" in t]
    assert len(levels) == len(long_names.phases)
    assert overflowing_texts(fig) == []
    assert_min_font_size(fig, 9.0)


def test_neutral_quotes_get_the_neutral_face():
    journey, codebook, _, personas = study_data()
    codings = [Coding("R01", "steun", 0, 60, "A", valence=0, id=1)]
    text = "Het was gewoon een dag zoals alle andere dagen in de opvang, niet meer."
    transcripts = [Transcript("R01", Path("R01.txt"), text + " " * 10, "0" * 64, "txt",
                              "utf-8")]
    hb = compute_heartbeats(journey, codebook, codings, {"R01": "a"}, transcripts,
                            personas=personas)[0]
    fig = build_poster(personas[0], hb, journey)
    assert any(t.startswith("\U0001F610 \u201c") for t in _texts(fig))
    assert not any(t.startswith("\u2639 \u201cHet was gewoon") for t in _texts(fig))


def test_pool_is_sized_by_workers_not_by_jobs(monkeypatch):
    from klantreis import parallel
    monkeypatch.setenv("KLANTREIS_WORKERS", "2")
    try:
        assert parallel.run_all([(abs, (-1,), {}), (abs, (-2,), {})]) == [1, 2]
        pool = parallel._pool
        assert parallel.run_all([(abs, (-i,), {}) for i in range(5)]) == list(range(5))
        assert parallel._pool is pool
        assert parallel.run_all([(abs, (-3,), {}), (abs, (-4,), {}), (abs, (-5,), {})]) == \
            [3, 4, 5]
        assert parallel._pool is pool
    finally:
        parallel.shutdown()
