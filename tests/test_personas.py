"""Personas: profiles, clustering, archetype matching, cards and the nuance table.

Every study here is synthetic and obviously fictional: respondents T01..T12, placeholder
names, three groups of respondents that talk about different (made-up) codes.
"""
from __future__ import annotations

import csv
import random

import numpy as np
import pandas as pd
import pytest

from klantreis.codebook import Codebook
from klantreis.errors import KlantreisError
from klantreis.models import Category, Code, Coding, Persona, Segment, Transcript
from klantreis.personas import (NOT_MENTIONED, PersonaModel, build_profiles, code_contrast,
                                find_personas, match_archetypes, nuance_table, persona_card)

GROUPS = {"noord": ["n1", "n2", "n3"], "oost": ["o1", "o2", "o3"], "zuid": ["z1", "z2", "z3"]}
VALENCE = {"n1": -2, "n2": -1, "n3": 1, "o1": 2, "o2": -3, "o3": 1, "z1": -2, "z2": -1,
           "z3": 2, "s1": 2, "x1": 0}
MEMBERS = {"noord": ["T01", "T04", "T07", "T10"], "oost": ["T02", "T05", "T08", "T11"],
           "zuid": ["T03", "T06", "T09", "T12"]}
GROUP_OF = {r: g for g, rs in MEMBERS.items() for r in rs}


def make_codebook() -> Codebook:
    cats = []
    for g, codes in GROUPS.items():
        cats.append(Category(id=f"cat_{g}", name=f"Thema {g}", codes=[
            Code(id=c, name=f"Testcode {c.upper()}", category=f"cat_{g}", valence=VALENCE[c])
            for c in codes]))
    cats.append(Category(id="cat_s", name="Gedeeld", codes=[
        Code(id="s1", name="Testcode gedeeld", category="cat_s", valence=2),
        Code(id="x1", name="Testcode nooit gebruikt", category="cat_s", valence=0)]))
    return Codebook(name="Fictief testcodeboek", categories=cats)


def make_transcript(rid: str, n_turns: int, words_per_turn: int = 12) -> Transcript:
    """Alternating I:/R: turns of placeholder text; segments carry exact offsets."""
    text = f"Interview {rid}\n\n"
    segments = []
    for i in range(n_turns):
        label, role = ("I", "interviewer") if i % 2 == 0 else ("R", "respondent")
        body = " ".join(f"woord{j}" for j in range(words_per_turn - 4))
        speech = f"Dit is beurt {i} van [PERSOON-1] {body}."
        prefix = f"{label}: "
        start = len(text) + len(prefix)
        text += prefix + speech + "\n\n"
        segments.append(Segment(respondent_id=rid, index=i, speaker=label, role=role,
                                start=start, end=start + len(speech), text=speech,
                                line=text.count("\n", 0, start) + 1))
    return Transcript(respondent_id=rid, path=None, text=text, sha256="0" * 64, format="txt",
                      encoding="utf-8", segments=segments)


def make_study(seed: int = 7, noise: bool = True):
    """12 respondents in three groups; each codes its own group's codes 2-4 times."""
    rng = random.Random(seed)
    codebook = make_codebook()
    transcripts, codings = [], []
    for rid in sorted(GROUP_OF):
        t = make_transcript(rid, rng.randint(40, 70))
        transcripts.append(t)
        resp = t.respondent_segments
        codes = [c for c in GROUPS[GROUP_OF[rid]] for _ in range(rng.randint(2, 4))] + ["s1"]
        if noise and rid in ("T01", "T06", "T11"):  # one stray code in each group
            other = [g for g in GROUPS if g != GROUP_OF[rid]]
            codes.append(GROUPS[rng.choice(other)][rng.randint(0, 2)])
        for i, code in enumerate(codes):
            seg = resp[(i * 3) % len(resp)]
            codings.append(Coding(respondent_id=rid, code=code, start=seg.start, end=seg.end,
                                  coder="A", quote=seg.text))
    return transcripts, codings, codebook


def make_attributes() -> pd.DataFrame:
    ages = {"noord": 40, "oost": 27, "zuid": 19}
    rows = []
    for i, rid in enumerate(sorted(GROUP_OF)):
        g = GROUP_OF[rid]
        rows.append({"id": rid, "leeftijd": ages[g] + (int(rid[1:]) // 3) % 3, "kinderen": 1 + i % 2,
                     "herkomst": "Verweg" if g == "oost" else "Testland",
                     "tolk": g == "oost" and i % 2 == 0,
                     # deliberately *not* the real grouping: must never be used
                     "persona_onderzoekers": ["alfa", "beta", "gamma"][i % 3]})
    return pd.DataFrame(rows).set_index("id")


ARCHETYPES = [  # order differs from the cluster order on purpose
    Persona(id="zora", name="Zora", codes=["z1", "z2", "z3"], needs=["Rust"], goals=["Eigen huis"],
            attributes={"leeftijd": [18, 21]}, color="#CC79A7"),
    Persona(id="nina", name="Nina", codes=["n1", "n2"], attributes={"leeftijd": [35, 50],
            "herkomst": "Testland"}, color="#0072B2"),
    Persona(id="olga", name="Olga", codes=["o1", "o2", "o3"],
            attributes={"herkomst": "niet Testland", "tolk": "ja"}, color="#E69F00"),
]


@pytest.fixture(scope="module")
def study():
    return make_study()


def persona_groups(result) -> dict[str, set[str]]:
    return {p.id: set(p.respondents) for p in result.personas}


# --- profiles ----------------------------------------------------------------------------

def test_profiles_normalize_for_interview_length():
    codebook = make_codebook()
    short, long_ = make_transcript("T01", 20), make_transcript("T02", 40)
    double = make_transcript("T03", 40)
    codings = []
    for t, n in ((short, 2), (long_, 2), (double, 4)):
        for seg in t.respondent_segments[:n]:
            codings.append(Coding(t.respondent_id, "n1", seg.start, seg.end, "A"))
    prof = build_profiles([short, long_, double], codings, codebook)
    assert list(prof.counts["n1"]) == [2, 2, 4]
    # same count in twice the words -> lower intensity; twice the count -> same intensity
    assert prof.intensity.at["T01", "n1"] > prof.intensity.at["T02", "n1"]
    assert prof.intensity.at["T01", "n1"] == pytest.approx(prof.intensity.at["T03", "n1"])
    rate = 2 / prof.words["T01"] * 1000
    assert prof.intensity.at["T01", "n1"] == pytest.approx(np.log1p(rate))
    # normalization counts the respondent's own words, not the interviewer's
    assert prof.words["T01"] == sum(len(s.text.split()) for s in short.respondent_segments)
    assert set(prof.groups.values()) == {"code", "category"}


def test_duplicate_codings_and_unknown_codes(study):
    transcripts, codings, codebook = study
    extra = [Coding(c.respondent_id, c.code, c.start, c.end, "B") for c in codings[:5]]
    extra.append(Coding("T01", "bestaat_niet", 0, 5, "A"))
    base = build_profiles(transcripts, codings, codebook)
    more = build_profiles(transcripts, codings + extra, codebook)
    pd.testing.assert_frame_equal(base.frame, more.frame)  # a second coder counts once
    assert more.ignored_codings == 1


def test_text_only_profiles_without_attributes(study):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook, attributes=None)
    assert not prof.uses_attributes
    assert not any(c.startswith("attr:") for c in prof.frame.columns)
    result = find_personas(transcripts, codings, codebook, archetypes=ARCHETYPES,
                           n_bootstrap=10)
    assert persona_groups(result) == {"nina": set(MEMBERS["noord"]),
                                      "olga": set(MEMBERS["oost"]),
                                      "zora": set(MEMBERS["zuid"])}


def test_ground_truth_column_is_never_a_feature(study):
    transcripts, codings, codebook = study
    attrs = make_attributes()
    weights = {"leeftijd": 0.5, "herkomst": 0.5, "persona_onderzoekers": 5.0}
    prof = build_profiles(transcripts, codings, codebook, attrs, weights)
    assert not any("persona" in c for c in prof.frame.columns)
    assert "persona_onderzoekers" in prof.excluded_columns
    default = build_profiles(transcripts, codings, codebook, attrs)
    assert not any("persona" in c for c in default.frame.columns)
    assert any(c.startswith("attr:leeftijd") for c in default.frame.columns)
    # scrambling the ground truth changes nothing
    scrambled = attrs.copy()
    scrambled["persona_onderzoekers"] = ["x"] * len(attrs)
    pd.testing.assert_frame_equal(
        default.frame, build_profiles(transcripts, codings, codebook, scrambled).frame)


def test_attribute_weights_scale_blocks(study):
    transcripts, codings, codebook = study
    attrs = make_attributes()
    attrs.loc["T01", "herkomst"] = "Eenmaalland"  # a value only one respondent has
    attrs.loc["T02", "herkomst"] = "Anderland"
    prof = build_profiles(transcripts, codings, codebook, attrs,
                          {"leeftijd": 0.5, "tolk": 0.25, "herkomst": 1.0})
    X = prof.frame
    # text: two typical respondents are `weight` apart (root-mean-square distance)
    diffs = X[prof.columns("code")].to_numpy()
    rms = np.sqrt(np.mean([((a - b) ** 2).sum() for a in diffs for b in diffs]))
    assert rms == pytest.approx(1.0)
    assert X[prof.columns("category")].var(ddof=0).sum() == pytest.approx(0.25 / 2)
    # attributes: the two most different respondents are `weight` apart
    assert X["attr:leeftijd"].max() - X["attr:leeftijd"].min() == pytest.approx(0.5)
    assert set(X["attr:tolk"].round(6)) == {0.0, 0.25}
    assert prof.attribute_specs["tolk"].kind == "binary"
    herkomst = [c for c in X.columns if c.startswith("attr:herkomst=")]
    assert sorted(herkomst) == ["attr:herkomst=Testland", "attr:herkomst=Verweg",
                                "attr:herkomst=overig"]  # singletons pooled
    t01, t03 = X.loc["T01", herkomst], X.loc["T03", herkomst]
    assert np.sqrt(((t01 - t03) ** 2).sum()) == pytest.approx(1.0)
    assert prof.attribute_specs["herkomst"].level_of("Anderland") == "overig"
    with pytest.raises(KlantreisError, match="opleiding"):
        build_profiles(transcripts, codings, codebook, attrs, {"opleiding": 1.0})


# --- clustering --------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["ward", "kmeans", "nmf"])
def test_model_finds_the_groups(study, method):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook)
    model = PersonaModel(k=3, method=method, seed=1, n_bootstrap=10).fit(prof)
    assert model.k_ == 3
    found = {frozenset(model.labels_.index[model.labels_ == c]) for c in range(3)}
    assert found == {frozenset(m) for m in MEMBERS.values()}
    assert model.stability_ is not None and model.stability_ > 0.5


def test_propose_k_reports_silhouette_and_stability(study):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook)
    model = PersonaModel(k=None, n_bootstrap=20).fit(prof)
    assert model.k_ == 3
    table = model.k_table_
    assert list(table.k) == [2, 3, 4, 5, 6]
    assert table.set_index("k").loc[3, "silhouette"] == max(table.silhouette)
    assert set(model.silhouette_) >= {2, 3, 4, 5, 6}
    fig = model.dendrogram_figure()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert sorted(labels) == sorted(GROUP_OF)


def test_same_data_and_seed_give_the_same_personas(study):
    transcripts, codings, codebook = study
    attrs = make_attributes()
    runs = []
    for shuffle in (False, True):
        t, c = list(transcripts), list(codings)
        if shuffle:  # input order must not matter
            random.Random(3).shuffle(t)
            random.Random(4).shuffle(c)
        runs.append(find_personas(t, c, codebook, attrs, ARCHETYPES, method="kmeans", seed=5,
                                  n_bootstrap=15))
    a, b = runs
    pd.testing.assert_frame_equal(a.assignments, b.assignments)
    pd.testing.assert_frame_equal(a.probabilities, b.probabilities)
    assert a.stability == b.stability


# --- archetypes --------------------------------------------------------------------------

def test_hungarian_matching_picks_the_right_archetype(study):
    transcripts, codings, codebook = study
    prof = build_profiles(transcripts, codings, codebook)
    model = PersonaModel(k=3, n_bootstrap=10).fit(prof)
    result = match_archetypes(model, prof, ARCHETYPES, codebook)
    assert [p.id for p in result.personas] == ["zora", "nina", "olga"]  # the researchers' order
    for cluster, pid in result.cluster_personas.items():
        members = set(model.labels_.index[model.labels_ == cluster])
        expected = {"nina": "noord", "olga": "oost", "zora": "zuid"}[pid]
        assert members == set(MEMBERS[expected])
    scores = result.match_scores
    for cluster, pid in result.cluster_personas.items():
        assert scores.loc[cluster].idxmax() == pid
    a = result.assignments.set_index("respondent")
    assert set(a.columns) >= {"persona", "confidence", "runner_up"}
    assert (a.persona != a.runner_up).all()
    assert ((a.confidence > 1 / 3) & (a.confidence <= 1)).all()
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)
    # the archetype objects passed in are not modified
    assert all(not p.respondents for p in ARCHETYPES)


def test_archetype_attributes_decide_when_text_is_silent():
    """Two respondents whose text says nothing: their attributes place them."""
    transcripts, codings, codebook = make_study()
    silent = [make_transcript("T13", 40), make_transcript("T14", 40)]
    attrs = make_attributes()
    attrs.loc["T13"] = {"leeftijd": 18, "kinderen": 1, "herkomst": "Testland", "tolk": False,
                        "persona_onderzoekers": "alfa"}
    attrs.loc["T14"] = {"leeftijd": 45, "kinderen": 2, "herkomst": "Testland", "tolk": False,
                        "persona_onderzoekers": "alfa"}
    result = find_personas(transcripts + silent, codings, codebook, attrs, ARCHETYPES,
                           n_bootstrap=5)
    a = result.assignments.set_index("respondent").persona
    assert a["T13"] == "zora" and a["T14"] == "nina"


def test_without_archetypes_clusters_get_descriptive_labels(study, tmp_path):
    transcripts, codings, codebook = study
    result = find_personas(transcripts, codings, codebook, k=3, n_bootstrap=10)
    assert sorted(p.id for p in result.personas) == ["groep_1", "groep_2", "groep_3"]
    for p in result.personas:
        group = GROUP_OF[p.respondents[0]]
        assert set(p.respondents) == set(MEMBERS[group])
        # the label names the group's own codes, not the shared one
        assert set(p.codes) <= set(GROUPS[group]) and p.codes
        assert all(f"Testcode {c.upper()}" in result.labels[p.id] for c in p.codes)
    colors = [p.color for p in result.personas]
    assert len(set(colors)) == 3
    cluster = next(c for c, pid in result.cluster_personas.items()
                   if set(result.persona(pid).respondents) == set(MEMBERS["zuid"]))
    result.rename(cluster, "Zelfbedachte Naam")
    assert "zelfbedachte_naam" in set(result.assignments.persona)
    assert result.persona("zelfbedachte_naam").name == "Zelfbedachte Naam"
    assert "zelfbedachte_naam" in result.probabilities.columns
    with pytest.raises(KlantreisError):
        result.rename(99, "Bestaat niet")
    path = result.to_csv(tmp_path / "personas" / "assignments.csv")
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["respondent", "persona", "confidence", "runner_up"]
    assert len(rows) == 13
    assert {r[1] for r in rows[1:]} == {p.id for p in result.personas}


# --- cards and nuance --------------------------------------------------------------------

@pytest.fixture(scope="module")
def result_with_attrs(study):
    transcripts, codings, codebook = study
    return find_personas(transcripts, codings, codebook, make_attributes(), ARCHETYPES,
                         n_bootstrap=10)


def test_persona_card_contents(study, result_with_attrs):
    transcripts, codings, codebook = study
    # a coder overrides the valence of one high point into a pain point
    zuid = MEMBERS["zuid"]
    override = [Coding(c.respondent_id, c.code, c.start, c.end, c.coder, valence=-3)
                if c.code == "z3" else c for c in codings]
    card = persona_card(result_with_attrs, "zora", transcripts, override, codebook,
                        make_attributes())
    assert card.count_label == "4 van 12"
    assert card.name == "Zora" and card.needs == ["Rust"]
    pains = {s.code for s in card.pain_points}
    highs = {s.code for s in card.high_points}
    assert {"z1", "z2", "z3"} <= pains and "s1" in highs and "z3" not in highs
    z1 = next(s for s in card.pain_points if s.code == "z1")
    assert z1.evidence.startswith("4 van 4 respondenten")
    assert {s.code for s in card.characteristic} <= {"z1", "z2", "z3"}
    assert all(s.lift > 1 for s in card.characteristic)
    labels = dict(card.attributes)
    assert labels["Leeftijd"].startswith("19–21 jaar")
    assert "persona" not in " ".join(labels).lower()
    assert 2 <= len(card.quotes) <= 4
    texts = {t.respondent_id: t for t in transcripts}
    for q in card.quotes:
        assert q.respondent in zuid
        assert q.text in " ".join(texts[q.respondent].text[q.start:q.end].split())
    assert len({q.respondent for q in card.quotes}) == len(card.quotes)
    assert "Zora" in card._repr_html_()


def test_code_contrast_log_odds():
    counts = pd.DataFrame({"a": [1, 1, 0, 0], "b": [0, 0, 1, 1]}, index=["T1", "T2", "T3", "T4"])
    frame = code_contrast(counts, ["T1", "T2"])
    assert list(frame.index) == ["a", "b"]
    assert frame.loc["a", "log_odds"] == pytest.approx(-frame.loc["b", "log_odds"])
    assert frame.loc["a", "lift"] > 1 > frame.loc["b", "lift"]


def test_nuance_table_says_not_mentioned(study, result_with_attrs):
    transcripts, codings, codebook = study
    themes = [{"id": "thema_noord", "name": "Noordelijke zaken", "codes": ["n1", "n2"]},
              {"id": "nooit", "name": "Nooit besproken", "codes": ["x1"]},
              {"id": "gedeeld", "name": "Gedeeld", "codes": ["s1"]}]
    table = nuance_table(result_with_attrs, codings, codebook, themes)
    assert list(table.columns) == ["Zora", "Nina", "Olga"]
    assert (table.loc["Nooit besproken"] == NOT_MENTIONED).all()
    nina = table.at["Noordelijke zaken", "Nina"]
    assert "Testcode N1 (pijnpunt): 4 van 4 respondenten" in nina
    assert table.at["Gedeeld", "Olga"].startswith("Testcode gedeeld (hoogtepunt): 4 van 4")
    # noise codings may mention a theme once; never invented when absent
    for persona in ("Zora", "Olga"):
        cell = table.at["Noordelijke zaken", persona]
        members = result_with_attrs.persona(persona.lower()).respondents
        coded = any(c.code in ("n1", "n2") and c.respondent_id in members for c in codings)
        assert (cell != NOT_MENTIONED) == coded


@pytest.mark.parametrize("size,expected", [("A4", (595.3, 841.9)), ("A5", (419.5, 595.3))])
def test_card_pdf_page_size(study, result_with_attrs, tmp_path, size, expected):
    from pypdf import PdfReader

    from klantreis.persona_cards import render_card
    transcripts, codings, codebook = study
    card = persona_card(result_with_attrs, "olga", transcripts, codings, codebook,
                        make_attributes())
    path = render_card(card, tmp_path / f"olga_{size}.pdf", size=size)
    box = PdfReader(path).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(expected, abs=0.5)


def test_card_png_and_bad_suffix(study, result_with_attrs, tmp_path):
    from matplotlib.image import imread

    from klantreis.persona_cards import render_card
    transcripts, codings, codebook = study
    card = persona_card(result_with_attrs, "nina", transcripts, codings, codebook)
    png = render_card(card, tmp_path / "nina.png", size="A5", dpi=200)
    h, w = imread(png).shape[:2]
    assert (w, h) == pytest.approx((1165, 1654), abs=2)  # 148 x 210 mm at 200 dpi
    with pytest.raises(KlantreisError):
        render_card(card, tmp_path / "nina.jpg")
