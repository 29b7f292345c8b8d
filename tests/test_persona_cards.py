"""Persona cards, the dendrogram, colours and the assignments file.

Everything is synthetic and fictional (the three-group study of test_personas)."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from klantreis import colours
from klantreis.errors import KlantreisError
from klantreis.heartbeat import assert_min_font_size, overflowing_texts
from klantreis.journeys import passage_text
from klantreis.models import Coding, Persona
from klantreis.persona_cards import card_figure, render_cards
from klantreis.personas import (ASSIGNMENTS_FILE, N_BOOTSTRAP, PersonaModel, attribute_summary,
                                build_profiles, default_k_range, edited_assignments,
                                find_personas, match_archetypes, persona_card,
                                write_assignments)
from test_personas import ARCHETYPES, MEMBERS, make_attributes, make_study


@pytest.fixture(scope="module")
def study():
    return make_study()


@pytest.fixture(scope="module")
def result(study):
    transcripts, codings, codebook = study
    return find_personas(transcripts, codings, codebook, make_attributes(), ARCHETYPES,
                         n_bootstrap=10)


# --- colours -------------------------------------------------------------------------------

def test_persona_colours_never_run_out_and_stay_distinct():
    many = colours.persona_colours(30)
    assert many[:8] == list(colours.PERSONA_CYCLE)
    assert len(set(many)) == 30
    assert colours.distinct(["#D55E00", "", "#d55e00", None]) == \
        ["#D55E00", "#0072B2", "#009E73", "#CC79A7"]
    assert len(set(colours.distinct([""] * 12))) == 12


def test_text_on_follows_contrast():
    assert colours.text_on("#F0E442") == "#000000"     # yellow: black text
    assert colours.text_on("#FFF7C2") == "#000000"     # a light tint: black text
    assert colours.text_on("#000000") == "#FFFFFF"
    assert colours.text_on("#0072B2") == "#FFFFFF"
    assert colours.contrast(colours.readable_on_white("#F0E442"), "#FFFFFF") >= 3.0


def test_archetypes_without_colour_get_distinct_palette_colours(study):
    transcripts, codings, codebook = study
    bare = [replace(a, color=c) for a, c in zip(ARCHETYPES, ["", "#0072B2", "#0072B2"])]
    res = find_personas(transcripts, codings, codebook, archetypes=bare, n_bootstrap=5)
    got = [p.color for p in res.personas]
    assert len(set(got)) == 3 and all(c in colours.PERSONA_CYCLE for c in got)
    # an archetype's own colour is kept; the others avoid it
    own = [replace(ARCHETYPES[0], color="#0072B2"), replace(ARCHETYPES[1], color="#CC79A7"),
           replace(ARCHETYPES[2], color="")]
    res = find_personas(transcripts, codings, codebook, archetypes=own, n_bootstrap=5)
    by_id = {p.id: p.color for p in res.personas}
    assert by_id["nina"] == "#CC79A7" and len(set(by_id.values())) == 3


# --- k and the bootstrap -------------------------------------------------------------------

def test_k_range_scales_with_the_number_of_respondents():
    assert default_k_range(3) == [2]
    assert default_k_range(12) == [2, 3, 4, 5, 6]
    assert default_k_range(16) == list(range(2, 9))
    assert default_k_range(100) == list(range(2, 9))


def test_k_is_the_smallest_within_one_standard_error(study):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook)
    model = PersonaModel(n_bootstrap=20).fit(prof)
    table = model.k_table_.set_index("k")
    best = table.score.idxmax()
    chosen = int(table.index[table.chosen][0])
    assert chosen == model.k_ == 3
    assert table.at[chosen, "score"] >= table.at[best, "score"] - table.at[chosen, "se"]
    assert all(table.at[k, "score"] < table.at[best, "score"] - table.at[k, "se"]
               for k in table.index if k < chosen)
    assert model.k_note_.startswith("k = 3")
    # the choice does not depend on the number of bootstrap rounds here
    for n in (10, 50):
        assert PersonaModel(n_bootstrap=n).fit(prof).k_ == 3
    assert N_BOOTSTRAP >= 50


def test_k_table_explains_a_tie(study):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook)
    model = PersonaModel(n_bootstrap=0, k_range=[2, 3, 4]).fit(prof)
    assert list(model.k_table_.k) == [2, 3, 4] and model.k_ == 3     # no bootstrap: argmax


# --- attribute summary -----------------------------------------------------------------------

def test_attribute_summary_is_general():
    frame = pd.DataFrame({
        "id": ["A", "B", "C", "D"],
        "Leeftijd": [30, 34, 41, 38],                    # capitals: still "jaar"
        "woont_alleen": [1, 0, 1, 1],                     # 0/1 numbers: yes/no
        "tolk": ["nee", "nee", "nee", "nee"],
        "duur_in_maanden": [3, 5, 8, 2],
        "hobby": ["lezen", "sport", "lezen", "muziek"],
        "persona_onderzoekers": ["x", "y", "x", "y"],
    }).set_index("id")
    rows = dict(attribute_summary(frame, ["A", "B", "C"]))
    assert rows["Leeftijd"] == "30–41 jaar (mediaan 34)"
    assert rows["Woont alleen"] == "2 van 3 ja"
    assert rows["Tolk"] == "geen tolk"
    assert rows["Duur in maanden"].startswith("3–8")
    assert rows["Hobby"] == "lezen (2), sport (1)"
    assert not any("persona" in k.lower() for k in rows)


# --- passages --------------------------------------------------------------------------------

def test_passage_text_checks_the_offsets(study):
    transcripts, _, _ = study
    t = transcripts[0]
    inside = Coding(t.respondent_id, "n1", 10, 30, "A", quote="eigen citaat")
    assert passage_text(t, inside) == t.text[10:30]
    outside = Coding(t.respondent_id, "n1", len(t.text) - 5, len(t.text) + 50, "A",
                     quote="eigen citaat")
    assert passage_text(t, outside) == "eigen citaat"
    assert passage_text(None, inside) == "eigen citaat"
    assert passage_text(t, Coding(t.respondent_id, "n1", 20, 20, "A")) == ""


# --- the dendrogram --------------------------------------------------------------------------

def test_dendrogram_uses_persona_colours_and_names(result):
    fig = result.dendrogram_figure()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for p in result.personas:
        assert p.name in texts
    line_colours = {tuple(np.round(c, 3)) for coll in ax.collections
                    for c in coll.get_edgecolors()}
    from matplotlib.colors import to_rgba
    for p in result.personas:
        assert tuple(np.round(to_rgba(p.color), 3)) in line_colours
    assert "Ward" in ax.get_title()


def test_dendrogram_only_for_ward(study):
    transcripts, codings, codebook = study
    res = find_personas(transcripts, codings, codebook, k=3, method="kmeans", n_bootstrap=3)
    with pytest.raises(KlantreisError, match="Ward"):
        res.dendrogram_figure()


# --- cards -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size,minimum", [("A5", 8.0), ("A4", 10.0)])
def test_card_text_fits_and_is_large_enough(study, result, size, minimum):
    transcripts, codings, codebook = study
    card = persona_card(result, "zora", transcripts, codings, codebook, make_attributes())
    long = replace(card, name="Zora-Annemarie van der Zuidervaart-Oosterhuizen de Tweede",
                   color="#F0E442", attributes=card.attributes + [
                       ("Een uitzonderlijk lang kenmerk zonder einde",
                        ("een waarde die maar doorgaat en doorgaat en nooit op twee regels "
                         "past omdat ze zo lang is dat geen kaart haar kan bevatten"))])
    for c in (card, long):
        fig = card_figure(c, size)
        assert overflowing_texts(fig) == []
        assert_min_font_size(fig, minimum - 0.01)
    texts = [t.get_text() for t in card_figure(long, size).findobj(
        lambda a: hasattr(a, "get_text"))]
    assert not any("Kenmerkend voor Zora-Annemarie" in t for t in texts)   # too wide: fallback
    assert "In hun woorden" in texts and "In haar woorden" not in texts


def test_cards_are_drawn_once_per_size(study, result, tmp_path, monkeypatch):
    import klantreis.persona_cards as pc
    transcripts, codings, codebook = study
    monkeypatch.setenv("KLANTREIS_WORKERS", "1")
    calls = []
    real = pc.card_figure
    monkeypatch.setattr(pc, "card_figure", lambda card, size: calls.append(size) or
                        real(card, size))
    cards = [persona_card(result, p.id, transcripts, codings, codebook)
             for p in result.personas[:2]]
    paths = render_cards(cards, tmp_path)
    assert sorted(calls) == ["A4", "A4", "A5", "A5"]
    assert sorted(p.name for p in paths) == sorted(
        f"{c.persona_id}{s}" for c in cards for s in (".pdf", ".png", "_A5.pdf"))


# --- the assignments file --------------------------------------------------------------------

def _study_dir(tmp_path):
    return SimpleNamespace(root=tmp_path)


def test_assignments_file_record_and_researchers_edits(study, result, tmp_path):
    transcripts, codings, codebook = study
    s = _study_dir(tmp_path)
    path = tmp_path / ASSIGNMENTS_FILE
    assert edited_assignments(s, result) is None                  # no file
    assert write_assignments(s, result) == path
    rows = path.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "respondent,persona,confidence,runner_up,model"
    assert edited_assignments(s, result) is None                  # the toolkit's own file
    assert edited_assignments(s) is None                          # also without the result
    # an older run of the model (other data): still the toolkit's, so rewritten
    other = find_personas(transcripts, codings, codebook, k=3, n_bootstrap=3)
    write_assignments(s, other)
    assert edited_assignments(s, result) is None
    assert write_assignments(s, result) == path
    # the researcher moves one respondent: her file, used and never overwritten
    lines = path.read_text(encoding="utf-8").splitlines()
    rid, pid = lines[1].split(",")[:2]
    new = next(p.id for p in result.personas if p.id != pid)
    lines[1] = f"{rid},{new},1.0,{pid}"
    edited = "\n".join(lines) + "\n"
    path.write_text(edited, encoding="utf-8")
    own = edited_assignments(s, result)
    assert own is not None and own[rid] == new
    assert write_assignments(s, result) is None
    assert path.read_text(encoding="utf-8") == edited
    # a hand-written file that says what the model says is not an edit
    plain = "respondent,persona\n" + "".join(
        f"{r},{p}\n" for r, p in result.model_assignments.items())
    path.write_text(plain, encoding="utf-8")
    assert edited_assignments(s, result) is None
    assert edited_assignments(s) is not None          # without the result: hers, to be safe
    # after reassigning, the written file keeps the model's choice in its record
    moved = find_personas(transcripts, codings, codebook, make_attributes(), ARCHETYPES,
                          n_bootstrap=10)
    moved.reassign({rid: new})
    path.unlink()
    write_assignments(s, moved)
    assert edited_assignments(s, moved) == {**moved.model_assignments, rid: new}


def test_read_assignments_is_importable_from_journeys(tmp_path):
    from klantreis import journeys, personas
    assert journeys.ASSIGNMENTS_FILE == personas.ASSIGNMENTS_FILE
    path = tmp_path / "a.csv"
    path.write_text("respondent,persona,confidence,runner_up,model\nR1,p,0.9,q,p\n",
                    encoding="utf-8")
    assert journeys.read_assignments(path) == personas.read_assignments(path) == {"R1": "p"}


def test_match_archetypes_has_no_soft_mapping(study):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook)
    model = PersonaModel(k=3, n_bootstrap=3).fit(prof)
    with pytest.raises(TypeError):
        match_archetypes(model, prof, ARCHETYPES, codebook, cluster_mapping="soft")
    res = match_archetypes(model, prof, [Persona("solo", "Solo", codes=["n1"], color="")],
                           codebook)
    assert len({p.color for p in res.personas}) == len(res.personas)
    assert set(res.assignments.respondent) == {r for rs in MEMBERS.values() for r in rs}
