"""Axial and selective coding: which codes and categories go together, and which category
could carry the story.

Co-occurrence is counted at two levels:

- **passage**: two codings co-occur when they overlap (share at least one character) in
  the same transcript, as in ATLAS.ti's co-occurrence table. ``count`` is the number of
  overlapping coding pairs; ``c_coefficient`` = n12 / (n1 + n2 - n12) with n1, n2 the
  number of codings of each code (ATLAS.ti's c-index; it can exceed 1 when one long coding
  overlaps several of the other code, which ATLAS.ti flags too). ``jaccard`` uses passages:
  overlapping codings are merged into one passage, and
  jaccard = |passages with both| / |passages with either|.
- **respondent**: two codes co-occur when the same respondent has both;
  ``count`` = respondents with both, ``jaccard`` = both / either (this equals the
  c-coefficient at this level, so ``c_coefficient`` is the same figure).

The category network has one node per category (coverage: respondents and codings) and
two kinds of edges: co-occurrence between categories at passage level (weight) and the
codebook's paradigm relations (typed: oorzaak, context, strategie, ...). Centralities are
computed on the co-occurrence edges only: they are what the data say; the relations are
what the researchers say, and both are shown side by side.
"""
from __future__ import annotations

import itertools
import math
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from .codebook import Codebook
from .errors import KlantreisError
from .fileio import write_atomic
from .models import Coding

LEVELS = ("passage", "respondent")
COOCCURRENCE = "co-occurrence"


# --- co-occurrence -----------------------------------------------------------------------------

def natural_key(text: str) -> list:
    """Sort key that puts R2 before R10 (digits compared as numbers, letters without case);
    the order of ``transcripts.transcript_files``."""
    return [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", text)]


def passages(codings: Iterable[Coding]) -> list[list[Coding]]:
    """Group codings into passages: chains of overlapping codings in one transcript."""
    out: list[list[Coding]] = []
    by_rid: dict[str, list[Coding]] = defaultdict(list)
    for c in codings:
        by_rid[c.respondent_id].append(c)
    for rid in sorted(by_rid):
        group, end = [], -1
        for c in sorted(by_rid[rid], key=lambda c: (c.start, c.end)):
            if group and c.start >= end:
                out.append(group)
                group, end = [], -1
            group.append(c)
            end = max(end, c.end)
        if group:
            out.append(group)
    return out


def _overlapping_pairs(codings: list[Coding]) -> Iterable[tuple[Coding, Coding]]:
    """Every pair of overlapping codings (sweep per transcript; no all-pairs scan)."""
    for group in passages(codings):
        group = sorted(group, key=lambda c: c.start)
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if b.start >= a.end:
                    break
                yield a, b


class CoOccurrence:
    """Code x code co-occurrence (counts, Jaccard, c-coefficient) at one level.

    >>> co = CoOccurrence(level="passage").fit(codings)
    >>> co.counts_, co.jaccard_, co.c_coefficient_    # square DataFrames (code x code)
    >>> co.pairs_                                      # long form, strongest first

    ``key`` maps a code to the item counted (e.g. its category) so the same class gives
    category co-occurrence. The diagonal of ``counts_`` holds n per item (codings or
    respondents).
    """

    def __init__(self, level: str = "passage", items: Sequence[str] | None = None,
                 key=None):
        if level not in LEVELS:
            raise KlantreisError(f"onbekend niveau '{level}' (kies uit {', '.join(LEVELS)})")
        self.level = level
        self.items = list(items) if items is not None else None
        self.key = key

    def _item(self, c: Coding) -> str:
        return self.key(c.code) if self.key else c.code

    def fit(self, codings: Iterable[Coding]) -> "CoOccurrence":
        codings = list(codings)
        items = self.items or sorted({self._item(c) for c in codings})
        index = {it: i for i, it in enumerate(items)}
        k = len(items)
        counts = np.zeros((k, k))
        coeff = np.zeros((k, k))
        jacc = np.zeros((k, k))
        if self.level == "respondent":
            has: dict[str, set[str]] = defaultdict(set)
            for c in codings:
                if self._item(c) in index:
                    has[self._item(c)].add(c.respondent_id)
            for a, b in itertools.product(items, repeat=2):
                counts[index[a], index[b]] = len(has[a] & has[b])
            n = np.diag(counts).copy()
            union = n[:, None] + n[None, :] - counts
            jacc = np.divide(counts, union, out=np.zeros_like(counts), where=union > 0)
            coeff = jacc.copy()
        else:
            mine = [c for c in codings if self._item(c) in index]
            n = np.zeros(k)
            for c in mine:
                n[index[self._item(c)]] += 1
            for a, b in _overlapping_pairs(mine):
                ia, ib = index[self._item(a)], index[self._item(b)]
                if ia == ib:
                    continue  # a code overlapping itself is not a co-occurrence
                counts[ia, ib] += 1
                counts[ib, ia] += 1
            np.fill_diagonal(counts, n)
            off = counts.copy()
            np.fill_diagonal(off, 0)
            denom = n[:, None] + n[None, :] - off
            coeff = np.divide(off, denom, out=np.zeros_like(off), where=denom > 0)
            np.fill_diagonal(coeff, (n > 0).astype(float))
            # Jaccard over passages (merged overlapping codings)
            sets: list[set[int]] = [set() for _ in range(k)]
            for p, group in enumerate(passages(mine)):
                for c in group:
                    sets[index[self._item(c)]].add(p)
            for i, j in itertools.product(range(k), repeat=2):
                union_ij = len(sets[i] | sets[j])
                jacc[i, j] = len(sets[i] & sets[j]) / union_ij if union_ij else 0.0
        self.items_ = items
        self.counts_ = pd.DataFrame(counts.astype(int), index=items, columns=items)
        self.jaccard_ = pd.DataFrame(jacc, index=items, columns=items)
        self.c_coefficient_ = pd.DataFrame(coeff, index=items, columns=items)
        rows = []
        for i, j in itertools.combinations(range(k), 2):
            if counts[i, j] > 0:
                rows.append({"a": items[i], "b": items[j], "count": int(counts[i, j]),
                             "jaccard": jacc[i, j], "c_coefficient": coeff[i, j]})
        self.pairs_ = pd.DataFrame(rows, columns=["a", "b", "count", "jaccard",
                                                  "c_coefficient"])
        if rows:
            self.pairs_ = self.pairs_.sort_values(["count", "jaccard", "a", "b"],
                                                  ascending=[False, False, True, True],
                                                  ignore_index=True)
        return self


def cooccurrence(codings: Iterable[Coding], level: str = "passage") -> CoOccurrence:
    return CoOccurrence(level=level).fit(codings)


def code_respondent_matrix(codings: Iterable[Coding], codebook: Codebook | None = None,
                           respondents: Sequence[str] | None = None,
                           value: str = "count") -> pd.DataFrame:
    """Codes (rows, codebook order) x respondents (columns): number of codings, or 0/1
    with ``value="presence"``. Codes nobody used stay in as zero rows when a codebook is
    given (an empty row is a finding too)."""
    if value not in ("count", "presence"):
        raise KlantreisError("value moet 'count' of 'presence' zijn")
    codings = list(codings)
    codes = codebook.code_ids() if codebook else sorted({c.code for c in codings})
    extra = sorted({c.code for c in codings} - set(codes))
    codes = list(codes) + extra
    resp = list(respondents) if respondents is not None else sorted(
        {c.respondent_id for c in codings}, key=natural_key)
    frame = pd.DataFrame(0, index=pd.Index(codes, name="code"),
                         columns=pd.Index(resp, name="respondent"), dtype=int)
    for c in codings:
        if c.respondent_id in frame.columns:
            frame.loc[c.code, c.respondent_id] += 1
    if value == "presence":
        frame = (frame > 0).astype(int)
    return frame


# --- the axial analysis ------------------------------------------------------------------------

@dataclass
class CoreCategoryCandidates:
    """Selective coding: candidate core categories next to the researchers' choice."""

    table: pd.DataFrame               # one row per category, best candidate first
    core_category: str | None         # the codebook's chosen core category
    storyline: str                    # the codebook's storyline memo
    chosen_rank: int | None = None    # where the chosen core category ends up (1 = top)

    @property
    def top(self) -> str | None:
        return None if self.table.empty else str(self.table.iloc[0]["category"])


class AxialAnalysis:
    """Co-occurrence, the code x respondent matrix and the category network.

    >>> ax = AxialAnalysis(study.codebook).fit(codings)
    >>> ax.matrix_                     # code x respondent (counts)
    >>> ax.passage_.pairs_.head()      # strongest code pairs in passages
    >>> ax.network_                    # networkx.MultiDiGraph of categories
    >>> ax.to_excel("reports/axiaal.xlsx"); ax.plot_network("reports/categorieen.png")
    >>> ax.core_category_candidates().table

    A coding whose code is not in the codebook is an error, unless ``unknown_codes="keep"``
    (an export of every coding ever made, e.g. of a code since removed from the codebook):
    such codes then get rows and co-occurrence entries after the codebook's codes, but no
    category.
    """

    def __init__(self, codebook: Codebook, respondents: Sequence[str] | None = None, *,
                 unknown_codes: str = "error"):
        if unknown_codes not in ("error", "keep"):
            raise KlantreisError("unknown_codes moet 'error' of 'keep' zijn")
        self.codebook = codebook
        self.respondents = list(respondents) if respondents is not None else None
        self.unknown_codes = unknown_codes

    def fit(self, codings: Iterable[Coding]) -> "AxialAnalysis":
        codings = list(codings)
        known = set(self.codebook.code_ids())
        unknown = sorted({c.code for c in codings} - known)
        if unknown and self.unknown_codes == "error":
            raise KlantreisError(f"{len(unknown)} code(s) staan niet in het codeboek: "
                                 f"{', '.join(unknown)}", self.codebook.path)
        self.codings_ = codings
        resp = self.respondents or sorted({c.respondent_id for c in codings}, key=natural_key)
        self.respondents_ = resp
        codes = self.codebook.code_ids() + unknown
        self.matrix_ = code_respondent_matrix(codings, self.codebook, resp)
        self.passage_ = CoOccurrence("passage", codes).fit(codings)
        self.respondent_ = CoOccurrence("respondent", codes).fit(codings)
        cat_of = {c.id: c.category for c in self.codebook.codes}
        cats = [c.id for c in self.codebook.categories]
        self.category_passage_ = CoOccurrence("passage", cats, key=cat_of.get).fit(codings)
        self.category_respondent_ = CoOccurrence("respondent", cats,
                                                 key=cat_of.get).fit(codings)
        self.network_ = self._network(codings, cat_of)
        return self

    # --- the category network -----------------------------------------------------------------
    def _network(self, codings: list[Coding], cat_of: dict[str, str]) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph(name=self.codebook.name)
        n_resp = max(len(self.respondents_), 1)
        by_cat_resp: dict[str, set[str]] = defaultdict(set)
        by_cat_n: dict[str, int] = defaultdict(int)
        for c in codings:
            if c.respondent_id in self.respondents_ and c.code in cat_of:
                by_cat_resp[cat_of[c.code]].add(c.respondent_id)
                by_cat_n[cat_of[c.code]] += 1
        for cat in self.codebook.categories:
            g.add_node(cat.id, label=cat.name, color=cat.color,
                       respondents=len(by_cat_resp[cat.id]),
                       coverage=len(by_cat_resp[cat.id]) / n_resp,
                       codings=by_cat_n[cat.id], codes=len(cat.codes),
                       core=cat.id == self.codebook.core_category)
        for row in self.category_passage_.pairs_.itertuples(index=False):
            g.add_edge(row.a, row.b, kind=COOCCURRENCE, weight=float(row.count),
                       jaccard=float(row.jaccard), c_coefficient=float(row.c_coefficient),
                       note="")
        for rel in self.codebook.relations:
            g.add_edge(rel.source, rel.target, kind=rel.kind, weight=1.0, jaccard=0.0,
                       c_coefficient=0.0, note=rel.note)
        return g

    def cooccurrence_graph(self) -> nx.Graph:
        """Undirected weighted category graph of the co-occurrence edges only."""
        g = nx.Graph()
        g.add_nodes_from(self.network_.nodes(data=True))
        for a, b, data in self.network_.edges(data=True):
            if data["kind"] == COOCCURRENCE:
                g.add_edge(a, b, weight=data["weight"], distance=1.0 / data["weight"])
        return g

    def centrality(self) -> pd.DataFrame:
        """Degree, strength, eigenvector and betweenness centrality per category."""
        g = self.cooccurrence_graph()
        nodes = list(g.nodes)
        degree = nx.degree_centrality(g) if len(nodes) > 1 else {n: 0.0 for n in nodes}
        strength = dict(g.degree(weight="weight"))
        eigen = _eigenvector(g)
        between = nx.betweenness_centrality(g, weight="distance") if len(nodes) > 2 \
            else {n: 0.0 for n in nodes}
        rel_count: dict[str, int] = defaultdict(int)
        for rel in self.codebook.relations:
            rel_count[rel.source] += 1
            rel_count[rel.target] += 1
        rows = []
        for n in nodes:
            d = g.nodes[n]
            rows.append({"category": n, "name": d["label"], "respondents": d["respondents"],
                         "coverage": d["coverage"], "codings": d["codings"],
                         "degree": degree[n], "strength": float(strength[n]),
                         "eigenvector": eigen[n], "betweenness": between[n],
                         "relations": rel_count[n]})
        return pd.DataFrame(rows, columns=["category", "name", "respondents", "coverage",
                                           "codings", "degree", "strength", "eigenvector",
                                           "betweenness", "relations"])

    def core_category_candidates(self, measures: Sequence[str] = ("coverage", "strength",
                                                                  "eigenvector", "betweenness")
                                 ) -> CoreCategoryCandidates:
        """Rank categories as core-category candidates: mean rank over ``measures``
        (1 = highest); ties share the better rank. The codebook's choice is marked."""
        table = self.centrality()
        if table.empty:
            return CoreCategoryCandidates(table, self.codebook.core_category,
                                          self.codebook.storyline)
        ranks = pd.DataFrame({m: table[m].rank(ascending=False, method="min")
                              for m in measures})
        table["score"] = 1.0 / ranks.mean(axis=1)     # higher is better
        table["rank"] = table["score"].rank(ascending=False, method="min").astype(int)
        table["chosen"] = table["category"] == self.codebook.core_category
        table = table.sort_values(["rank", "coverage", "category"],
                                  ascending=[True, False, True], ignore_index=True)
        chosen = table.index[table["chosen"]]
        chosen_rank = int(table.loc[chosen[0], "rank"]) if len(chosen) else None
        return CoreCategoryCandidates(table, self.codebook.core_category,
                                      self.codebook.storyline, chosen_rank)

    # --- output -------------------------------------------------------------------------------
    def to_excel(self, path: str | Path) -> Path:
        """One workbook: matrix, code pairs (passage, respondent), categories, relations."""
        path = Path(path)
        cand = self.core_category_candidates().table
        matrix = self.matrix_.copy()
        matrix.insert(0, "naam", [self.codebook.name_of(c) for c in matrix.index])
        sheets = {
            "code x respondent": matrix,
            "samen in passage": self.passage_.pairs_,
            "samen bij respondent": self.respondent_.pairs_,
            "categorieen": cand,
            "relaties": pd.DataFrame(
                [{"van": r.source, "naar": r.target, "soort": r.kind, "toelichting": r.note}
                 for r in self.codebook.relations],
                columns=["van", "naar", "soort", "toelichting"]),
        }
        def write(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                for name, frame in sheets.items():
                    frame.to_excel(xw, sheet_name=name, index=(name == "code x respondent"))
        return write_atomic(path, write)

    def _export_graph(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for n, d in self.network_.nodes(data=True):
            g.add_node(n, **{k: (int(v) if isinstance(v, bool) else v) for k, v in d.items()})
        for a, b, d in self.network_.edges(data=True):
            g.add_edge(a, b, **d)
        return g

    def to_graphml(self, path: str | Path) -> Path:
        return self._write_graph(path, nx.write_graphml)

    def to_gexf(self, path: str | Path) -> Path:
        return self._write_graph(path, nx.write_gexf)

    def _write_graph(self, path, writer) -> Path:
        return write_atomic(path, lambda tmp: writer(self._export_graph(), tmp))

    def plot_network(self, path: str | Path | None = None):
        """Draw the category network: node size = coverage, grey lines = co-occurrence
        (width = weight), coloured arrows = the codebook's relations (labelled)."""
        import matplotlib
        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        g = self.network_
        # a circle keeps every label readable (about ten categories); the codebook order
        # puts related categories next to each other
        pos = nx.circular_layout(list(g.nodes)) if len(g) else {}
        fig, ax = plt.subplots(figsize=(11, 8))
        co_edges = [(a, b, d) for a, b, d in g.edges(data=True) if d["kind"] == COOCCURRENCE]
        max_w = max([d["weight"] for _, _, d in co_edges] + [1.0])
        nx.draw_networkx_edges(g, pos, ax=ax, edgelist=[(a, b) for a, b, _ in co_edges],
                               width=[0.5 + 6 * d["weight"] / max_w for _, _, d in co_edges],
                               edge_color="#BBBBBB", alpha=0.7, arrows=False)
        rel_edges = [(a, b, d) for a, b, d in g.edges(data=True) if d["kind"] != COOCCURRENCE]
        nx.draw_networkx_edges(g, pos, ax=ax, edgelist=[(a, b) for a, b, _ in rel_edges],
                               edge_color="#333333", style="dashed", arrows=True,
                               arrowsize=14, connectionstyle="arc3,rad=0.12",
                               node_size=[600 + 2400 * g.nodes[n]["coverage"] for n in g])
        nx.draw_networkx_edge_labels(
            g, pos, ax=ax, font_size=7, font_color="#333333",
            edge_labels={(a, b): d["kind"] for a, b, d in rel_edges},
            connectionstyle="arc3,rad=0.12")
        nodes = list(g.nodes)
        nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=nodes,
                               node_size=[600 + 2400 * g.nodes[n]["coverage"] for n in nodes],
                               node_color=[g.nodes[n]["color"] for n in nodes],
                               edgecolors=["#000000" if g.nodes[n]["core"] else "#FFFFFF"
                                           for n in nodes],
                               linewidths=[3 if g.nodes[n]["core"] else 1 for n in nodes])
        # labels outside the circle, pointing away from the centre: never on a coloured
        # node (dark text on blue or black is unreadable) and clear of the edges
        for n in nodes:
            x, y = pos[n]
            ha = "left" if x > 0.15 else "right" if x < -0.15 else "center"
            va = "bottom" if y > 0.15 else "top" if y < -0.15 else "center"
            ax.text(x * 1.16, y * 1.16, _wrap(g.nodes[n]["label"], 22), ha=ha, va=va,
                    fontsize=11, fontweight="bold" if g.nodes[n]["core"] else "normal",
                    color="#222222", zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9, "pad": 2})
        ax.set_xlim(-1.75, 1.75)
        ax.set_ylim(-1.35, 1.5)
        ax.set_title("Categorieën: samen voorkomen in passages (grijs) en relaties uit het "
                     "codeboek (pijlen)\nGrootte = aandeel respondenten; dikke rand = "
                     "kerncategorie", fontsize=11)
        ax.axis("off")
        fig.tight_layout()
        if path is None:
            return fig
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=150)
        except OSError as exc:
            raise KlantreisError(f"kan niet schrijven ({exc.strerror})", path) from None
        finally:
            plt.close(fig)
        return path


def _wrap(text: str, width: int = 16) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) or text


def _eigenvector(g: nx.Graph) -> dict[str, float]:
    """Weighted eigenvector centrality; categories without co-occurrence get 0."""
    out = {n: 0.0 for n in g.nodes}
    linked = g.subgraph([n for n in g.nodes if g.degree(n) > 0])
    if linked.number_of_edges() == 0:
        return out
    try:
        with warnings.catch_warnings():  # scipy warns on tiny graphs and falls back itself
            warnings.simplefilter("ignore", RuntimeWarning)
            out.update(nx.eigenvector_centrality_numpy(linked, weight="weight"))
    except (nx.NetworkXException, ValueError, np.linalg.LinAlgError, TypeError, RuntimeError):
        try:
            out.update(nx.eigenvector_centrality(linked, weight="weight", max_iter=2000))
        except nx.NetworkXException:
            pass
    return {n: (0.0 if math.isnan(v) or abs(v) < 1e-9 else abs(float(v)))
            for n, v in out.items()}


def core_category_candidates(codings: Iterable[Coding], codebook: Codebook,
                             respondents: Sequence[str] | None = None
                             ) -> CoreCategoryCandidates:
    """Selective coding helper: ``AxialAnalysis(codebook).fit(codings)`` ranked."""
    return AxialAnalysis(codebook, respondents).fit(codings).core_category_candidates()


__all__ = ["AxialAnalysis", "CoOccurrence", "CoreCategoryCandidates", "cooccurrence",
           "code_respondent_matrix", "core_category_candidates", "passages", "natural_key",
           "LEVELS"]
