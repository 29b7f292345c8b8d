"""Axial coding: co-occurrence (counts, Jaccard, c-coefficient), the code x respondent
matrix, the category network with its exports, and core-category candidates."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from klantreis.axial import (AxialAnalysis, CoOccurrence, code_respondent_matrix,
                             core_category_candidates, passages)
from klantreis.codebook import Codebook
from klantreis.errors import KlantreisError
from klantreis.models import Category, Code, Coding, Relation


@pytest.fixture
def book() -> Codebook:
    def code(cid, cat):
        return Code(id=cid, name=cid.replace("_", " ").title(), category=cat)
    return Codebook(
        name="Fictief codeboek",
        categories=[
            Category("geld", "Geld", color="#0072B2", codes=[code("a", "geld"), code("b", "geld")]),
            Category("wonen", "Wonen", color="#D55E00", codes=[code("c", "wonen")]),
            Category("kern", "Kern", color="#009E73", codes=[code("d", "kern")]),
            Category("leeg", "Leeg", color="#999999", codes=[code("e", "leeg")]),
        ],
        core_category="kern", storyline="Een fictieve verhaallijn.",
        relations=[Relation("geld", "wonen", "oorzaak", "fictief"),
                   Relation("wonen", "kern", "gevolg")],
    )


def C(rid, code, start, end):
    return Coding(rid, code, start, end, "A")


@pytest.fixture
def codings() -> list[Coding]:
    return [
        # R1: a [0,10) overlaps b [5,15) and c [8,12); d [50,60) alone; a again [100,110)
        C("R1", "a", 0, 10), C("R1", "b", 5, 15), C("R1", "c", 8, 12),
        C("R1", "d", 50, 60), C("R1", "a", 100, 110),
        # R2: a and c touch but do not overlap (end is exclusive); b overlaps d
        C("R2", "a", 0, 10), C("R2", "c", 10, 20), C("R2", "b", 30, 40), C("R2", "d", 35, 45),
        # R3: only c
        C("R3", "c", 0, 5),
    ]


def test_passages_merge_overlapping_codings(codings):
    groups = passages(codings)
    spans = [(g[0].respondent_id, min(c.start for c in g), max(c.end for c in g))
             for g in groups]
    assert spans == [("R1", 0, 15), ("R1", 50, 60), ("R1", 100, 110), ("R2", 0, 10),
                     ("R2", 10, 20), ("R2", 30, 45), ("R3", 0, 5)]


def test_passage_cooccurrence_counts_and_coefficients(codings):
    co = CoOccurrence("passage").fit(codings)
    counts = co.counts_
    # n per code on the diagonal: a=3, b=2, c=3, d=2
    assert [counts.loc[k, k] for k in "abcd"] == [3, 2, 3, 2]
    assert counts.loc["a", "b"] == 1 and counts.loc["b", "a"] == 1
    assert counts.loc["a", "c"] == 1          # R2's a and c only touch
    assert counts.loc["b", "c"] == 1 and counts.loc["b", "d"] == 1
    assert counts.loc["a", "d"] == 0
    # ATLAS.ti c = n12 / (n1 + n2 - n12)
    assert co.c_coefficient_.loc["a", "b"] == pytest.approx(1 / (3 + 2 - 1))
    assert co.c_coefficient_.loc["b", "d"] == pytest.approx(1 / (2 + 2 - 1))
    # Jaccard over the 7 passages: a in {p0, p2, p3}, c in {p0, p4, p6} -> 1/5
    assert co.jaccard_.loc["a", "c"] == pytest.approx(1 / 5)
    top = co.pairs_.iloc[0]
    assert top["count"] == 1 and set(co.pairs_.columns) >= {"a", "b", "jaccard"}


def test_respondent_cooccurrence(codings):
    co = CoOccurrence("respondent").fit(codings)
    # a: R1 R2; c: R1 R2 R3 -> both 2, either 3
    assert co.counts_.loc["a", "c"] == 2
    assert co.jaccard_.loc["a", "c"] == pytest.approx(2 / 3)
    assert co.c_coefficient_.loc["a", "c"] == pytest.approx(2 / 3)
    assert co.counts_.loc["c", "c"] == 3


def test_code_respondent_matrix_keeps_unused_codes(book, codings):
    m = code_respondent_matrix(codings, book)
    assert list(m.index) == ["a", "b", "c", "d", "e"]
    assert list(m.columns) == ["R1", "R2", "R3"]
    assert m.loc["a", "R1"] == 2 and m.loc["e"].sum() == 0
    p = code_respondent_matrix(codings, book, value="presence")
    assert p.loc["a", "R1"] == 1 and p.values.max() == 1


def test_category_network_nodes_edges_and_exports(book, codings, tmp_path):
    ax = AxialAnalysis(book).fit(codings)
    g = ax.network_
    assert set(g.nodes) == {"geld", "wonen", "kern", "leeg"}
    assert g.nodes["geld"]["respondents"] == 2
    assert g.nodes["wonen"]["coverage"] == pytest.approx(1.0)
    assert g.nodes["leeg"]["codings"] == 0
    kinds = {(a, b, d["kind"]) for a, b, d in g.edges(data=True)}
    assert ("geld", "wonen", "oorzaak") in kinds and ("wonen", "kern", "gevolg") in kinds
    co = {(a, b): d["weight"] for a, b, d in g.edges(data=True) if d["kind"] == "co-occurrence"}
    # geld-wonen: R1 a~c, R1 b~c; geld-kern: R2 b~d
    assert co[("geld", "wonen")] == 2 and co[("geld", "kern")] == 1
    for writer, suffix in ((ax.to_graphml, "graphml"), (ax.to_gexf, "gexf")):
        path = writer(tmp_path / f"net.{suffix}")
        back = nx.read_graphml(path) if suffix == "graphml" else nx.read_gexf(path)
        assert back.number_of_nodes() == 4 and back.number_of_edges() == g.number_of_edges()
    xlsx = ax.to_excel(tmp_path / "axiaal.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"code x respondent", "samen in passage", "categorieen", "relaties"} <= set(sheets)
    assert len(sheets["code x respondent"]) == 5
    png = ax.plot_network(tmp_path / "netwerk.png")
    assert png.stat().st_size > 10_000


def test_core_category_candidates(book, codings):
    result = core_category_candidates(codings, book)
    table = result.table
    assert result.core_category == "kern" and result.storyline.startswith("Een fictieve")
    assert list(table.columns[:3]) == ["category", "name", "respondents"]
    # geld co-occurs with both others and reaches 2 respondents: the strongest candidate
    assert result.top == "geld"
    assert table.iloc[-1]["category"] == "leeg"
    assert bool(table.set_index("category").loc["kern", "chosen"]) is True
    assert result.chosen_rank == int(table.set_index("category").loc["kern", "rank"])
    central = AxialAnalysis(book).fit(codings).centrality().set_index("category")
    assert central.loc["geld", "betweenness"] > central.loc["kern", "betweenness"]
    assert central.loc["leeg", "eigenvector"] == 0.0


def test_unknown_code_is_a_klantreis_error(book):
    with pytest.raises(KlantreisError, match="niet in het codeboek"):
        AxialAnalysis(book).fit([C("R1", "zz", 0, 3)])


def test_empty_codings_do_not_crash(book):
    ax = AxialAnalysis(book).fit([])
    assert ax.matrix_.shape == (5, 0)
    assert ax.core_category_candidates().table["coverage"].sum() == 0


def test_unknown_codes_can_be_kept_after_the_codebooks_codes(book, codings):
    extra = codings + [C("R2", "weg", 31, 33)]            # overlaps b and d in R2
    with pytest.raises(KlantreisError, match="niet in het codeboek"):
        AxialAnalysis(book).fit(extra)
    ax = AxialAnalysis(book, unknown_codes="keep").fit(extra)
    assert list(ax.matrix_.index) == ["a", "b", "c", "d", "e", "weg"]
    assert ax.matrix_.loc["weg", "R2"] == 1
    assert ("b", "weg") in {(r.a, r.b) for r in ax.passage_.pairs_.itertuples()}
    same = AxialAnalysis(book).fit(codings)
    assert ax.network_.nodes(data=True) == same.network_.nodes(data=True), \
        "a code without category adds nothing to the category network"
    with pytest.raises(KlantreisError):
        AxialAnalysis(book, unknown_codes="ignore")


def test_natural_key_orders_respondents_like_the_interview_folder():
    from klantreis.axial import natural_key
    assert sorted(["R10", "r2", "R1", "R02b"], key=natural_key) == ["R1", "r2", "R02b", "R10"]
