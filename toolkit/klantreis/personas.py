"""Personas from coded interviews: profiles, clustering, archetype matching, cards.

The researchers' wall of sticky notes, made explicit and repeatable:

1. ``build_profiles``: one row per respondent; how strongly each code and category occurs,
   normalized for interview length (log(1 + passages per 1000 respondent words)), plus
   optional respondent attributes with explicit weights. Ground-truth columns (such as
   ``persona_onderzoekers``) are never features.
2. ``PersonaModel``: Ward / k-means / NMF clustering with silhouette and bootstrap stability
   (resample respondents, recluster, adjusted Rand index) per k.
3. ``match_archetypes``: clusters matched one-to-one to the study's persona archetypes
   (Hungarian assignment on profile similarity); every respondent gets a persona, a
   confidence and a runner-up from cluster membership *and* direct similarity to the
   archetype's expected profile, so archetypes also work on studies they were not made for.
   Without archetypes clusters get a descriptive label and the researcher names them
   (``result.rename``).
4. ``persona_card`` and ``nuance_table``: what the cards and the report show, every number
   traceable to codings (respondent id and offsets).

Everything is deterministic: same data and seed give the same personas.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .codebook import Codebook
from .errors import KlantreisError
from .models import Coding, Persona, Transcript
from .quotes import quote_text

GROUND_TRUTH_COLUMNS = ("persona_onderzoekers",)
_ID_COLUMNS = ("id", "respondent", "respondent_id", "respondent_nr")
METHODS = ("ward", "kmeans", "nmf")
PAIN, HIGH, NEUTRAL = "pijnpunt", "hoogtepunt", "neutraal"
NOT_MENTIONED = "niet genoemd"

# Okabe-Ito: colour-blind-safe colours for personas that bring none of their own.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000")

# Dutch labels for the usual respondent columns; others are shown with their own name.
ATTRIBUTE_LABELS = {
    "leeftijd": "Leeftijd", "kinderen": "Kinderen", "herkomst": "Herkomst",
    "taal": "Taal", "tolk": "Tolk", "woonsituatie": "Woonsituatie", "locatie": "Locatie",
    "wijze": "Wijze van interviewen", "opleiding": "Opleiding", "werk": "Werk",
}
_ATTRIBUTE_ORDER = ("leeftijd", "kinderen", "herkomst", "taal", "tolk", "woonsituatie")
# about the interview, not the person: left off persona cards
_INTERVIEW_COLUMNS = ("locatie", "wijze", "datum", "duur", "interviewer", "tijd")


# ======================================================================================
# 1. Profiles
# ======================================================================================

@dataclass
class AttributeSpec:
    """How one respondent attribute became feature columns (needed to place archetypes)."""

    name: str
    kind: str                      # numeric | binary | categorical
    columns: list[str]
    weight: float
    scale: float                   # multiplier applied after the base transform
    minimum: float = 0.0           # numeric: min-max base transform
    maximum: float = 1.0
    levels: list[str] = field(default_factory=list)            # categorical
    frequencies: dict[str, float] = field(default_factory=dict)
    pooled: list[str] = field(default_factory=list)  # rare values counted as "overig"

    def level_of(self, value: str) -> str | None:
        """The feature level a categorical value falls in (rare values: "overig")."""
        low = str(value).strip().lower()
        for lvl in self.levels:
            if lvl.lower() == low:
                return lvl
        if any(p.lower() == low for p in self.pooled):
            return OTHER_LEVEL
        return None

    def transform(self, value: Any) -> float:
        """Base transform of one numeric/binary value (before ``scale``)."""
        if self.kind == "binary":
            return float(_as_bool(value))
        span = self.maximum - self.minimum
        return (float(value) - self.minimum) / span if span else 0.0


@dataclass
class Profiles:
    """Respondent x feature matrix plus what it is made of.

    ``frame`` is what the clustering sees (scaled blocks); ``counts`` and ``intensity`` are
    the readable numbers behind it. Columns are ``code:<id>``, ``cat:<id>`` and
    ``attr:<name>`` / ``attr:<name>=<value>``.
    """

    frame: pd.DataFrame
    counts: pd.DataFrame           # respondent x code: coded passages
    intensity: pd.DataFrame        # respondent x code: log(1 + passages per 1000 words)
    words: pd.Series               # respondent words used for normalization
    groups: dict[str, str]         # feature column -> code | category | attribute
    weights: dict[str, float]      # block / attribute -> weight
    attribute_specs: dict[str, AttributeSpec] = field(default_factory=dict)
    excluded_columns: list[str] = field(default_factory=list)   # ground truth, ids
    ignored_codings: int = 0       # codings with a code that is not in the codebook
    missing_attributes: list[str] = field(default_factory=list)  # respondents without a row
    weighting: str = "log"

    @property
    def respondents(self) -> list[str]:
        return list(self.frame.index)

    def columns(self, group: str) -> list[str]:
        return [c for c, g in self.groups.items() if g == group]

    @property
    def uses_attributes(self) -> bool:
        return bool(self.attribute_specs)

    def describe(self) -> pd.DataFrame:
        """One row per feature: group, weight and how it was computed (explainability)."""
        rows = []
        for col, group in self.groups.items():
            if group == "attribute":
                name = col.split(":", 1)[1].split("=", 1)[0]
                spec = self.attribute_specs[name]
                how = {"numeric": "min-max geschaald", "binary": "ja = 1, nee = 0",
                       "categorical": "one-hot"}[spec.kind]
                weight = spec.weight
            elif group == "code":
                how, weight = "log(1 + passages per 1000 woorden)", self.weights["codes"]
            else:
                how, weight = "som van de codes in de categorie", self.weights["categories"]
            rows.append({"feature": col, "group": group, "weight": weight, "how": how})
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return (f"<p><b>Profielen</b>: {len(self.frame)} respondenten, "
                f"{len(self.columns('code'))} codes, {len(self.columns('category'))} categorieën, "
                f"{len(self.attribute_specs)} kenmerken</p>" + self.intensity.round(2)._repr_html_())


def _speech_words(t: Transcript) -> int:
    """Words the respondent speaks (falls back to the whole transcript)."""
    voice = t.respondent_segments
    if voice:
        return max(1, sum(len(s.text.split()) for s in voice))
    if t.segments:
        return max(1, t.word_count)
    return max(1, len(t.text.split()))


def _unique_codings(codings: Iterable[Coding]) -> list[Coding]:
    """One coding per (respondent, code, span): two coders on the same passage count once."""
    seen, out = set(), []
    for c in codings:
        key = (c.respondent_id, c.code, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _block_scale(block: pd.DataFrame, weight: float) -> pd.DataFrame:
    """Scale a block so the root-mean-square distance between two respondents is
    ``weight`` (total variance weight**2 / 2): a typical difference in what respondents
    talk about then weighs as much as the largest difference in an attribute of weight 1."""
    total = float(block.var(axis=0, ddof=0).sum())
    if total <= 0 or weight <= 0:
        return block * 0.0
    return block * (weight / math.sqrt(2.0 * total))


_TRUE = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
_FALSE = {"nee", "n", "no", "false", "onwaar", "0", ""}


def _as_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value):
        return bool(value)
    return str(value).strip().lower() in _TRUE


def _is_binary(series: pd.Series) -> bool:
    values = series.dropna()
    if values.empty:
        return False
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    return all(str(v).strip().lower() in _TRUE | _FALSE for v in values) and not \
        pd.api.types.is_numeric_dtype(series)


def _attribute_frame(attributes: pd.DataFrame | None) -> pd.DataFrame | None:
    if attributes is None:
        return None
    if not isinstance(attributes, pd.DataFrame):
        attributes = getattr(attributes, "frame", attributes)  # a Respondents object
    frame = attributes.copy()
    if frame.index.name not in _ID_COLUMNS:
        for col in _ID_COLUMNS:
            if col in frame.columns:
                frame = frame.set_index(col)
                break
    frame.index = frame.index.map(str)
    return frame


def excluded_attribute_columns(attributes: pd.DataFrame,
                               ground_truth: Sequence[str] = GROUND_TRUTH_COLUMNS) -> list[str]:
    """Columns that are never features: ground truth, any ``persona*`` column, id columns."""
    truth = {g.lower() for g in ground_truth}
    return [c for c in attributes.columns
            if str(c).lower() in truth or str(c).lower().startswith("persona")
            or str(c).lower() in _ID_COLUMNS]


def default_attribute_weights(attributes: pd.DataFrame | None,
                              archetypes: Sequence[Persona] | None = None,
                              total: float = 1.0,
                              ground_truth: Sequence[str] = GROUND_TRUTH_COLUMNS
                              ) -> dict[str, float]:
    """Weights when the researcher gives none.

    With archetypes: the attributes the archetypes state expectations about (the
    researchers' own idea of what matters). Otherwise every usable column. Each gets
    ``total / sqrt(n)``, so respondents who differ in every attribute are ``total`` apart:
    as far as two typical respondents are apart in their text profile.
    """
    frame = _attribute_frame(attributes)
    if frame is None or frame.empty:
        return {}
    usable = [c for c in frame.columns if c not in excluded_attribute_columns(frame, ground_truth)]
    if archetypes:
        named = {k for a in archetypes for k in a.attributes}
        chosen = [c for c in usable if c in named]
        if chosen:
            usable = chosen
    usable = [c for c in usable if frame[c].nunique(dropna=True) > 1
              and not (not pd.api.types.is_numeric_dtype(frame[c])
                       and frame[c].nunique() == len(frame))]  # free text / ids
    if not usable:
        return {}
    w = total / math.sqrt(len(usable))
    return {c: w for c in usable}


def build_profiles(transcripts: Sequence[Transcript], codings: Sequence[Coding],
                   codebook: Codebook, attributes: pd.DataFrame | None = None,
                   attribute_weights: Mapping[str, float] | None = None, *,
                   code_weight: float = 1.0, category_weight: float = 0.5,
                   weighting: str = "log", min_level_count: int = 2,
                   ground_truth: Sequence[str] = GROUND_TRUTH_COLUMNS) -> Profiles:
    """Respondent x feature profiles from transcripts and codings.

    Code intensity is ``log(1 + passages per 1000 respondent words)`` (``weighting="log"``)
    or that times an idf factor (``"tfidf"``: codes everyone has weigh less). Weights say
    how much each part counts in the distances: the code block is scaled so that two
    typical respondents are ``code_weight`` apart (root-mean-square), the category block
    likewise with ``category_weight``, and an attribute so that the two most different
    respondents are its weight apart. Attributes (a frame indexed by respondent id) are
    used only when given, with ``attribute_weights`` (column -> weight; default: every
    usable column, all of them together as far apart as a typical text difference).
    Categorical values held by a single respondent are pooled as "overig"
    (``min_level_count``). Ground-truth columns are always dropped.
    """
    if weighting not in ("log", "tfidf"):
        raise KlantreisError(f"onbekende weging '{weighting}' (kies log of tfidf)")
    respondents = sorted({t.respondent_id for t in transcripts})
    if not respondents:
        raise KlantreisError("geen transcripten: persona's hebben respondenten nodig")
    words = pd.Series({t.respondent_id: _speech_words(t) for t in transcripts},
                      dtype=float).reindex(respondents)
    code_ids = codebook.code_ids()
    known = set(code_ids)
    counts = pd.DataFrame(0, index=respondents, columns=code_ids, dtype=float)
    ignored = 0
    for c in _unique_codings(codings):
        if c.code not in known or c.respondent_id not in counts.index:
            ignored += 1
            continue
        counts.at[c.respondent_id, c.code] += 1
    rate = counts.div(words, axis=0) * 1000.0
    intensity = np.log1p(rate)
    if weighting == "tfidf":
        df = (counts > 0).sum(axis=0)
        idf = np.log((1 + len(respondents)) / (1 + df)) + 1.0
        intensity = intensity * idf
    codes_block = intensity.copy()
    codes_block.columns = [f"code:{c}" for c in code_ids]
    cat_counts = pd.DataFrame({cat.id: counts[[c.id for c in cat.codes]].sum(axis=1)
                               for cat in codebook.categories if cat.codes},
                              index=respondents)
    cats_block = np.log1p(cat_counts.div(words, axis=0) * 1000.0)
    cats_block.columns = [f"cat:{c}" for c in cats_block.columns]
    blocks = [_block_scale(codes_block, code_weight)]
    groups = {c: "code" for c in codes_block.columns}
    if category_weight > 0 and not cats_block.empty:
        blocks.append(_block_scale(cats_block, category_weight))
        groups.update({c: "category" for c in cats_block.columns})
    weights = {"codes": code_weight, "categories": category_weight}

    specs: dict[str, AttributeSpec] = {}
    excluded: list[str] = []
    missing: list[str] = []
    frame = _attribute_frame(attributes)
    if frame is not None and not frame.empty:
        excluded = excluded_attribute_columns(frame, ground_truth)
        if attribute_weights is None:
            attribute_weights = default_attribute_weights(frame, ground_truth=ground_truth)
        missing = [r for r in respondents if r not in frame.index]
        frame = frame.reindex(respondents)
        for name, weight in attribute_weights.items():
            if name in excluded or weight <= 0:
                continue  # ground truth is never a feature, whatever the weights say
            if name not in frame.columns:
                raise KlantreisError(f"kenmerk '{name}' staat niet in de respondententabel "
                                     f"(kolommen: {', '.join(map(str, frame.columns))})")
            block, spec = _attribute_block(frame[name], name, float(weight), min_level_count)
            if spec is None:
                continue  # constant column: carries no information
            blocks.append(block)
            groups.update({c: "attribute" for c in block.columns})
            specs[name] = spec
            weights[f"attr:{name}"] = float(weight)
    features = pd.concat(blocks, axis=1)
    features.index.name = "respondent"
    return Profiles(frame=features, counts=counts, intensity=intensity, words=words,
                    groups=groups, weights=weights, attribute_specs=specs,
                    excluded_columns=excluded, ignored_codings=ignored,
                    missing_attributes=missing, weighting=weighting)


OTHER_LEVEL = "overig"


def _attribute_block(series: pd.Series, name: str, weight: float, min_level_count: int = 2
                     ) -> tuple[pd.DataFrame, AttributeSpec | None]:
    """Feature columns for one attribute, scaled so two respondents who differ as much as
    possible in it are ``weight`` apart (range scaling: a rare "ja" is not blown up the way
    variance scaling would)."""
    if _is_binary(series):
        base = series.map(lambda v: np.nan if pd.isna(v) else float(_as_bool(v)))
        base = base.astype(float).fillna(float(base.astype(float).mean()))
        spec = AttributeSpec(name, "binary", [f"attr:{name}"], weight, weight)
        block = base.to_frame(f"attr:{name}")
    elif pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        lo, hi = float(values.min()), float(values.max())
        spec = AttributeSpec(name, "numeric", [f"attr:{name}"], weight, weight, lo, hi)
        base = values.map(lambda v: spec.transform(v) if not pd.isna(v) else np.nan)
        block = base.fillna(base.mean()).to_frame(f"attr:{name}")
    else:
        text = series.map(lambda v: None if pd.isna(v) else str(v).strip() or None)
        counts = text.value_counts()
        # a value only one respondent has says nothing about groups: pool those as "overig"
        rare = {v for v, n in counts.items() if n < min_level_count}
        if len(rare) > 1:
            text = text.map(lambda v: OTHER_LEVEL if v in rare else v)
        else:
            rare = set()
        levels = sorted({v for v in text if v})
        cols = [f"attr:{name}={lvl}" for lvl in levels]
        block = pd.DataFrame({c: (text == lvl).astype(float) for c, lvl in zip(cols, levels)},
                             index=series.index)
        freq = text.value_counts(normalize=True)
        # two different levels differ in two columns: 1/sqrt(2) makes that distance `weight`
        spec = AttributeSpec(name, "categorical", cols, weight, weight / math.sqrt(2),
                             levels=levels, frequencies={k: float(v) for k, v in freq.items()},
                             pooled=sorted(rare))
    if float(block.var(axis=0, ddof=0).sum()) <= 0:
        return block, None
    return block * spec.scale, spec


# ======================================================================================
# 2. Clustering
# ======================================================================================

def _canonical(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0.. in order of first appearance (stable across runs)."""
    mapping: dict[int, int] = {}
    out = np.empty(len(labels), dtype=int)
    for i, lab in enumerate(labels):
        out[i] = mapping.setdefault(int(lab), len(mapping))
    return out


def _cluster(X: np.ndarray, k: int, method: str, seed: int, n_init: int = 10) -> np.ndarray:
    if method == "ward":
        from scipy.cluster.hierarchy import fcluster, linkage
        if len(X) < 2:
            return np.zeros(len(X), dtype=int)
        Z = linkage(X, method="ward")
        return _canonical(fcluster(Z, t=k, criterion="maxclust"))
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):  # tiny matrices: threads only cost time
        if method == "kmeans":
            from sklearn.cluster import KMeans
            km = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
            return _canonical(km.fit_predict(X))
        if method == "nmf":
            import warnings

            from sklearn.decomposition import NMF
            from sklearn.exceptions import ConvergenceWarning
            shifted = X - X.min(axis=0, keepdims=True)  # NMF needs non-negative input
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                W = NMF(n_components=k, init="nndsvda", random_state=seed,
                        max_iter=1000).fit_transform(shifted)
            return _canonical(W.argmax(axis=1))
    raise KlantreisError(f"onbekende methode '{method}' (kies uit {', '.join(METHODS)})")


def _silhouette(X: np.ndarray, labels: np.ndarray) -> float | None:
    from sklearn.metrics import silhouette_score
    n_labels = len(set(labels.tolist()))
    if n_labels < 2 or n_labels >= len(X):
        return None
    return float(silhouette_score(X, labels))


class PersonaModel:
    """Cluster respondent profiles into k groups (scikit-learn style).

    ``k=None`` chooses k with ``propose_k`` (silhouette and bootstrap stability together).
    After ``fit``: ``labels_`` (respondent -> cluster 0..k-1), ``k_``, ``silhouette_``
    (k -> score for every k looked at), ``stability_`` (mean bootstrap ARI at ``k_``),
    ``centroids_`` and ``k_table_`` (per k: silhouette, stability).
    """

    def __init__(self, k: int | None = None, method: str = "ward", seed: int = 0,
                 n_bootstrap: int = 100, k_range: Iterable[int] = range(2, 7)):
        if method not in METHODS:
            raise KlantreisError(f"onbekende methode '{method}' (kies uit {', '.join(METHODS)})")
        if k is not None and k < 1:
            raise KlantreisError("k moet minstens 1 zijn")
        self.k = k
        self.method = method
        self.seed = seed
        self.n_bootstrap = n_bootstrap
        self.k_range = list(k_range)
        self.silhouette_: dict[int, float | None] = {}
        self.stability_by_k_: dict[int, float | None] = {}
        self.k_table_: pd.DataFrame | None = None
        self.profiles_: Profiles | None = None

    # --- fitting ------------------------------------------------------------------------
    def fit(self, profiles: Profiles) -> "PersonaModel":
        self.profiles_ = profiles
        X = profiles.frame.to_numpy(dtype=float)
        n = len(X)
        if self.k is None:
            k = self.propose_k(self.k_range, profiles)
        else:
            k = self.k
        if k > n:
            raise KlantreisError(f"k = {k} is groter dan het aantal respondenten ({n})")
        labels = _cluster(X, k, self.method, self.seed)
        self.labels_ = pd.Series(labels, index=profiles.frame.index, name="cluster")
        self.k_ = int(len(set(labels.tolist())))
        if k not in self.silhouette_:
            self.silhouette_[k] = _silhouette(X, labels)
        if k not in self.stability_by_k_:
            self.stability_by_k_[k] = self._stability(X, k, labels)
        self.silhouette_score_ = self.silhouette_[k]
        self.stability_ = self.stability_by_k_[k]
        self.centroids_ = profiles.frame.groupby(self.labels_).mean()
        return self

    def fit_predict(self, profiles: Profiles) -> pd.Series:
        return self.fit(profiles).labels_

    def propose_k(self, k_range: Iterable[int] = range(2, 7),
                  profiles: Profiles | None = None) -> int:
        """Best k by (silhouette + bootstrap stability) / 2; ties go to the smaller k.

        The per-k figures stay in ``k_table_`` so the researcher sees why."""
        profiles = profiles or self.profiles_
        if profiles is None:
            raise KlantreisError("propose_k heeft profielen nodig (roep eerst fit aan)")
        X = profiles.frame.to_numpy(dtype=float)
        rows = []
        for k in k_range:
            if not 2 <= k <= len(X) - 1:
                continue
            labels = _cluster(X, k, self.method, self.seed)
            sil = _silhouette(X, labels)
            stab = self._stability(X, k, labels)
            self.silhouette_[k], self.stability_by_k_[k] = sil, stab
            score = np.nanmean([np.nan if sil is None else sil, np.nan if stab is None else stab])
            rows.append({"k": k, "silhouette": sil, "stability": stab, "score": score})
        if not rows:
            self.k_table_ = pd.DataFrame(columns=["k", "silhouette", "stability", "score"])
            return 1
        table = pd.DataFrame(rows)
        self.k_table_ = table
        best = table.sort_values(["score", "k"], ascending=[False, True], kind="mergesort")
        return int(best.iloc[0]["k"])

    def _stability(self, X: np.ndarray, k: int, labels: np.ndarray) -> float | None:
        """Mean adjusted Rand index between the full clustering and clusterings of
        bootstrap samples (respondents drawn with replacement), on the drawn respondents."""
        from sklearn.metrics import adjusted_rand_score
        n = len(X)
        if self.n_bootstrap <= 0 or n < 3 or k < 2:
            return None
        rng = np.random.default_rng(self.seed)
        scores = []
        for b in range(self.n_bootstrap):
            idx = rng.choice(n, size=n, replace=True)
            uniq, first = np.unique(idx, return_index=True)
            if len(uniq) <= k:
                continue
            boot = _cluster(X[idx], k, self.method, self.seed + b + 1, n_init=3)
            scores.append(adjusted_rand_score(labels[uniq], boot[first]))
        return float(np.mean(scores)) if scores else None

    # --- pictures -----------------------------------------------------------------------
    def dendrogram_figure(self, ax=None):
        """Ward dendrogram of the respondents (matplotlib Figure), clusters at ``k_``."""
        from matplotlib.figure import Figure
        from scipy.cluster.hierarchy import dendrogram, linkage
        if self.profiles_ is None:
            raise KlantreisError("roep eerst fit aan")
        X = self.profiles_.frame.to_numpy(dtype=float)
        Z = linkage(X, method="ward")
        if ax is None:  # a bare Figure: no pyplot state, works with any backend
            fig = Figure(figsize=(7.5, 4.2), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        k = getattr(self, "k_", None) or 1
        # cut between the merge that leaves k clusters and the one that leaves k - 1
        threshold = (Z[-k, 2] + Z[-(k - 1), 2]) / 2 if 1 < k <= len(Z) else 0
        dendrogram(Z, labels=list(self.profiles_.frame.index), ax=ax,
                   color_threshold=threshold if k > 1 else 0,
                   above_threshold_color="#555555", leaf_font_size=9)
        if k > 1:
            ax.axhline(threshold, color="#555555", linestyle="--", linewidth=0.8)
            ax.text(ax.get_xlim()[1], threshold, f" k = {k}", va="bottom", ha="right",
                    fontsize=9)
        ax.set_title("Respondenten geclusterd (Ward)", fontsize=11)
        ax.set_ylabel("afstand (Ward)", fontsize=9)
        ax.set_xlabel("respondent", fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return fig


# ======================================================================================
# 3. Matching clusters to archetypes; respondent assignment
# ======================================================================================

@dataclass
class PersonaResult:
    """Personas with their respondents and the evidence for every assignment."""

    personas: list[Persona]
    assignments: pd.DataFrame          # respondent, persona, confidence, runner_up, cluster
    stability: float | None            # mean bootstrap ARI of the clustering
    silhouette: float | None
    method: str
    k: int
    probabilities: pd.DataFrame = field(default_factory=pd.DataFrame)  # respondent x persona
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)       # long: per component
    cluster_personas: dict[int, str] = field(default_factory=dict)     # cluster -> persona id
    match_scores: pd.DataFrame | None = None   # cluster x archetype similarity
    labels: dict[str, str] = field(default_factory=dict)   # persona id -> descriptive label
    k_table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    profiles: Profiles | None = field(default=None, repr=False)
    seed: int = 0
    model: "PersonaModel | None" = field(default=None, repr=False)

    def dendrogram_figure(self, ax=None):
        """The Ward dendrogram of the clustering behind these personas."""
        if self.model is None:
            raise KlantreisError("geen model bij dit resultaat")
        return self.model.dendrogram_figure(ax)

    def persona(self, persona_id: str) -> Persona:
        for p in self.personas:
            if p.id == persona_id:
                return p
        raise KlantreisError(f"persona '{persona_id}' bestaat niet "
                             f"(wel: {', '.join(p.id for p in self.personas)})")

    def counts(self) -> pd.Series:
        """Respondents per persona, in persona order."""
        return pd.Series({p.id: len(p.respondents) for p in self.personas}, name="respondenten")

    def rename(self, cluster: int | str, name: str, persona_id: str | None = None) -> Persona:
        """Give a persona (by cluster number or persona id) the researcher's name.

        The id becomes ``persona_id`` or a slug of the name; assignments follow."""
        if isinstance(cluster, (int, np.integer)):
            if int(cluster) not in self.cluster_personas:
                raise KlantreisError(f"cluster {cluster} bestaat niet "
                                     f"(0 t/m {len(self.cluster_personas) - 1})")
            old = self.cluster_personas[int(cluster)]
        else:
            old = self.persona(str(cluster)).id
        new = persona_id or _slug(name)
        if new != old and any(p.id == new for p in self.personas):
            raise KlantreisError(f"persona-id '{new}' bestaat al; kies een andere naam of id")
        persona = self.persona(old)
        persona.name, persona.id = name, new
        for col in ("persona", "runner_up"):
            self.assignments[col] = self.assignments[col].replace({old: new})
        if old in self.probabilities.columns:
            self.probabilities = self.probabilities.rename(columns={old: new})
        if not self.evidence.empty:
            self.evidence["persona"] = self.evidence["persona"].replace({old: new})
        self.cluster_personas = {c: (new if p == old else p) for c, p in
                                 self.cluster_personas.items()}
        if old in self.labels:
            self.labels[new] = self.labels.pop(old)
        return persona

    def reassign(self, assignments: Mapping[str, str], *, note: str = "") -> list[str]:
        """The researcher's own decision wins: move respondents to the persona she chose.

        ``assignments``: respondent -> persona id (e.g. a hand-edited assignments.csv).
        Confidence becomes 1.0 for a moved respondent (a decision, not an estimate) and the
        model's choice becomes the runner-up. Returns the respondents that moved."""
        known = {p.id for p in self.personas}
        unknown = sorted({pid for pid in assignments.values() if pid not in known})
        if unknown:
            raise KlantreisError(f"onbekende persona '{unknown[0]}' in de toewijzing "
                                 f"(bekend: {', '.join(sorted(known))})")
        moved = []
        frame = self.assignments.set_index("respondent")
        for rid, pid in assignments.items():
            if rid not in frame.index or frame.at[rid, "persona"] == pid:
                continue
            frame.at[rid, "runner_up"] = frame.at[rid, "persona"]
            frame.at[rid, "persona"] = pid
            frame.at[rid, "confidence"] = 1.0
            moved.append(rid)
        self.assignments = frame.reset_index()
        for p in self.personas:
            p.respondents = sorted(self.assignments.loc[self.assignments.persona == p.id,
                                                        "respondent"])
        if moved:
            self.notes.append(note or f"{len(moved)} respondent(en) handmatig toegewezen door "
                                      f"de onderzoekers: {', '.join(sorted(moved))}")
        return sorted(moved)

    def to_csv(self, path: str | Path) -> Path:
        """Write ``respondent,persona,confidence,runner_up`` (personas/assignments.csv)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        out = self.assignments[["respondent", "persona", "confidence", "runner_up"]].copy()
        out["confidence"] = out["confidence"].round(3)
        out.to_csv(path, index=False, lineterminator="\n")
        return path

    def summary(self) -> str:
        """A few lines for the terminal: counts and quality figures, no transcript text."""
        lines = [f"Persona's ({self.method}, k = {self.k}):"]
        for p in self.personas:
            conf = self.assignments.loc[self.assignments.persona == p.id, "confidence"]
            mean = f", gem. zekerheid {_nl(conf.mean(), 2)}" if len(conf) else ""
            lines.append(f"  {p.name:<20} {len(p.respondents):>3} respondenten{mean}")
        stab = "n.v.t." if self.stability is None else _nl(self.stability, 2)
        sil = "n.v.t." if self.silhouette is None else _nl(self.silhouette, 2)
        lines.append(f"  stabiliteit (bootstrap-ARI) {stab}; silhouet {sil}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><span style='color:{html.escape(p.color)}'>&#9632;</span> "
            f"{html.escape(p.name)}</td><td>{len(p.respondents)}</td>"
            f"<td>{html.escape(', '.join(p.respondents))}</td></tr>" for p in self.personas)
        stab = "n.v.t." if self.stability is None else _nl(self.stability, 2)
        return (f"<p><b>Persona's</b> ({html.escape(self.method)}, k = {self.k}, "
                f"stabiliteit {stab})</p><table><tr><th>persona</th><th>n</th>"
                f"<th>respondenten</th></tr>{rows}</table>")


# --- the assignments file: written by the toolkit, or decided by the researcher ------------

ASSIGNMENTS_FILE = Path("personas") / "assignments.csv"
_WRITTEN_HASH = Path(".klantreis") / "assignments.sha256"


def _sha256(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edited_assignments(study) -> dict[str, str] | None:
    """The researcher's own ``personas/assignments.csv`` when she edited (or wrote) it: the
    file differs from what the toolkit last wrote there. ``None`` when the toolkit's file
    is untouched or there is none."""
    path = study.root / ASSIGNMENTS_FILE
    if not path.exists():
        return None
    marker = study.root / _WRITTEN_HASH
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == _sha256(path):
        return None
    from .journeys import read_assignments
    return read_assignments(path)


def write_assignments(study, result: "PersonaResult") -> Path | None:
    """Write ``personas/assignments.csv`` unless the researcher edited it (her decisions are
    never overwritten; delete the file to go back to the model's assignment)."""
    if edited_assignments(study) is not None:
        return None
    path = result.to_csv(study.root / ASSIGNMENTS_FILE)
    marker = study.root / _WRITTEN_HASH
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(_sha256(path), encoding="utf-8")
    return path


def _slug(name: str) -> str:
    import unicodedata
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "persona"


def _nl(value: float, digits: int = 1) -> str:
    """Dutch decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(a @ b / (na * nb))


def _fuzzy_membership(d2: np.ndarray) -> np.ndarray:
    """Fuzzy c-means membership (m = 2) from squared distances to the centroids."""
    out = np.zeros_like(d2, dtype=float)
    for i, row in enumerate(d2):
        zero = row <= 1e-12
        if zero.any():
            out[i, zero] = 1.0 / zero.sum()
        else:
            inv = 1.0 / row
            out[i] = inv / inv.sum()
    return out


def _softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    z = values / max(temperature, 1e-9)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# "niet Nederland", "buiten Nederland", "geen Nederland", "!Nederland", "anders dan ..."
_NEGATION = re.compile(r"^\s*(?:!|niet[\s-]+|geen\s+|buiten\s+|anders\s+dan\s+|not\s+|non-?)"
                       r"(.+)$", re.I)
_RANGE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*[-–]\s*(\d+(?:[.,]\d+)?)\s*$")
_BOUND = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*(\d+(?:[.,]\d+)?)\s*$")


def _expected_numeric(spec: AttributeSpec, value: Any) -> float | None:
    """Archetype expectation (number, [lo, hi], "lo-hi", "<x", ">=x") -> base value."""
    def num(v):
        return float(str(v).replace(",", "."))
    try:
        if isinstance(value, (list, tuple)) and len(value) == 2:
            lo, hi = num(value[0]), num(value[1])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            lo = hi = float(value)
        elif isinstance(value, str) and _RANGE.match(value):
            m = _RANGE.match(value)
            lo, hi = num(m.group(1)), num(m.group(2))
        elif isinstance(value, str) and _BOUND.match(value):
            m = _BOUND.match(value)
            bound = num(m.group(2))
            if m.group(1) in ("<", "<=", "≤"):
                lo, hi = spec.minimum, bound
            else:
                lo, hi = bound, spec.maximum
        else:
            lo = hi = num(value)
    except (TypeError, ValueError):
        return None
    return spec.transform((lo + hi) / 2.0)


def _expected_levels(spec: AttributeSpec, value: Any) -> dict[str, float] | None:
    """Archetype expectation for a categorical attribute -> expected one-hot (sums to 1).

    A value, a list of values, or a negation ("buiten Nederland", "niet X", "!X"): the
    allowed levels share the expectation in proportion to how often they occur."""
    wanted = value if isinstance(value, (list, tuple)) else [value]
    allowed: set[str] = set()
    negated: set[str] = set()
    for w in wanted:
        text = str(w).strip()
        level = spec.level_of(text)
        m = _NEGATION.match(text)
        if level is None and m and spec.level_of(m.group(1)) is not None:
            negated.add(spec.level_of(m.group(1)))
        elif level is not None:
            allowed.add(level)
    if not allowed and negated:
        allowed = set(spec.levels) - negated
    if not allowed:
        return None
    total = sum(spec.frequencies.get(lvl, 0.0) for lvl in allowed) or len(allowed)
    return {lvl: (spec.frequencies.get(lvl, 0.0) or 1.0) / total for lvl in allowed}


def archetype_profiles(archetypes: Sequence[Persona], profiles: Profiles,
                       notes: list[str] | None = None) -> pd.DataFrame:
    """The profile each archetype leads us to expect, in the profile's feature space.

    Its characteristic codes at the level a respondent who has the code typically shows;
    the codes characteristic of the *other* archetypes absent; every other code average
    (no opinion); attribute expectations (when attributes are used) in their columns.
    """
    X = profiles.frame
    mean = X.mean(axis=0)
    code_cols = profiles.columns("code")
    present = profiles.counts.rename(columns=lambda c: f"code:{c}") > 0
    levels = {}
    for col in code_cols:
        values = X.loc[present[col], col]
        levels[col] = float(values.mean()) if len(values) else np.nan
    fallback = float(np.nanmedian(list(levels.values()))) if any(
        not np.isnan(v) for v in levels.values()) else 1.0
    levels = {c: (fallback if np.isnan(v) else v) for c, v in levels.items()}
    claimed = {f"code:{c}" for a in archetypes for c in a.codes}
    rows = {}
    for a in archetypes:
        expected = mean.copy()
        own = {f"code:{c}" for c in a.codes}
        missing_codes = [c for c in a.codes if f"code:{c}" not in X.columns]
        if missing_codes and notes is not None:
            notes.append(f"archetype {a.id}: {len(missing_codes)} code(s) niet in het codeboek")
        for col in claimed:
            if col in X.columns:
                expected[col] = levels[col] if col in own else 0.0
        for name, value in (a.attributes or {}).items():
            spec = profiles.attribute_specs.get(name)
            if spec is None:
                continue
            if spec.kind in ("numeric", "binary"):
                base = (_expected_numeric(spec, value) if spec.kind == "numeric"
                        else float(_as_bool(value)))
                if base is None:
                    if notes is not None:
                        notes.append(f"archetype {a.id}: verwachting voor '{name}' is geen getal")
                    continue
                expected[spec.columns[0]] = base * spec.scale
            else:
                onehot = _expected_levels(spec, value)
                if onehot is None:
                    if notes is not None:
                        notes.append(f"archetype {a.id}: waarde voor '{name}' komt niet voor "
                                     f"in de respondententabel; genegeerd")
                    continue
                for lvl, col in zip(spec.levels, spec.columns):
                    expected[col] = onehot.get(lvl, 0.0) * spec.scale
        rows[a.id] = expected
    return pd.DataFrame(rows).T.reindex(columns=X.columns).fillna(0.0)


def archetype_origin(archetypes: Sequence[Persona], profiles: Profiles,
                     notes: list[str] | None = None) -> pd.Series:
    """Where similarity to archetypes is measured from: the mean of the archetypes'
    expected profiles (with one archetype: the mean respondent).

    Measuring from the archetypes' own centre rather than from the sample's mean keeps
    an assignment from depending on who else was interviewed: in a study with only
    Tessa-like women they still lean towards Tessa."""
    if len(archetypes) < 2:
        return profiles.frame.mean(axis=0)
    return archetype_profiles(archetypes, profiles, notes).mean(axis=0)


def archetype_vectors(archetypes: Sequence[Persona], profiles: Profiles,
                      notes: list[str] | None = None) -> pd.DataFrame:
    """Each archetype as a direction in profile space: its expected profile minus
    ``archetype_origin`` (so similarity means "leans the same way", not "talks a lot")."""
    expected = archetype_profiles(archetypes, profiles, notes)
    if len(archetypes) < 2:
        return expected - profiles.frame.mean(axis=0)
    return expected - expected.mean(axis=0)


def _distinguishing_codes(profiles: Profiles, members: Sequence[str], codebook: Codebook,
                          top: int = 3) -> list[str]:
    """Codes most over-represented in ``members`` (presence log-odds, then intensity)."""
    stats = code_contrast(profiles.counts, members, profiles.intensity)
    stats = stats[(stats.log_odds > 0) & (stats.respondents > 0)]
    return list(stats.head(top).index)


def code_contrast(counts: pd.DataFrame, members: Sequence[str],
                  intensity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per code: respondents and passages in the group, presence rate in and outside,
    lift and smoothed log-odds (+0.5) against the other respondents; sorted by log-odds."""
    members = [m for m in members if m in counts.index]
    inside = counts.loc[members]
    outside = counts.drop(index=members)
    n_in, n_out = len(inside), len(outside)
    has_in = (inside > 0).sum(axis=0)
    has_out = (outside > 0).sum(axis=0)
    rate_in = (has_in + 0.5) / (n_in + 1.0)
    rate_out = (has_out + 0.5) / (n_out + 1.0)
    log_odds = np.log(rate_in / (1 - rate_in)) - np.log(rate_out / (1 - rate_out))
    frame = pd.DataFrame({
        "respondents": has_in, "group_size": n_in, "passages": inside.sum(axis=0),
        "rate_in": has_in / max(n_in, 1), "rate_out": has_out / max(n_out, 1),
        "lift": rate_in / rate_out, "log_odds": log_odds,
    })
    if intensity is not None:
        frame["intensity_diff"] = (intensity.loc[members].mean(axis=0)
                                   - intensity.drop(index=members).mean(axis=0)
                                   if n_out else intensity.loc[members].mean(axis=0))
    else:
        frame["intensity_diff"] = 0.0
    frame["order"] = range(len(frame))  # codebook order breaks the last ties
    frame = frame.sort_values(["log_odds", "intensity_diff", "order"],
                              ascending=[False, False, True], kind="mergesort")
    return frame.drop(columns="order")


def match_archetypes(model: PersonaModel, profiles: Profiles,
                     archetypes: Sequence[Persona] | None, codebook: Codebook, *,
                     cluster_weight: float = 0.5, temperature: float = 0.2,
                     cluster_mapping: str = "hungarian") -> PersonaResult:
    """Turn clusters into personas and assign every respondent.

    With archetypes: clusters are matched one-to-one to archetypes by the Hungarian
    algorithm on the cosine similarity between each cluster centroid and each archetype
    vector (both measured from ``archetype_origin``). Clusters left over get a descriptive
    label; archetypes left over get no cluster (noted).

    Each respondent's persona combines two views, so that an archetype still works when
    the clusters are weak (a new study, machine suggestions, no attributes):
    ``cluster_weight`` x soft cluster membership (fuzzy c-means: ~ 1 / squared distance to
    each centroid) passed on to the cluster's persona (``cluster_mapping="hungarian"``) or
    spread over the personas by the centroid's similarity (``"soft"``), plus
    (1 - ``cluster_weight``) x direct similarity (softmax over the cosine between the
    respondent and each persona vector, ``temperature``). Confidence is the winner's share;
    runner-up is the second persona.
    """
    from scipy.optimize import linear_sum_assignment
    if cluster_mapping not in ("hungarian", "soft"):
        raise KlantreisError("cluster_mapping moet 'hungarian' of 'soft' zijn")
    if not hasattr(model, "labels_"):
        model.fit(profiles)
    if list(model.labels_.index) != list(profiles.frame.index):
        raise KlantreisError("het model is op andere profielen gefit dan meegegeven")
    archetypes = list(archetypes or [])
    notes: list[str] = []
    X = profiles.frame
    mean = X.mean(axis=0)
    labels = model.labels_.to_numpy()
    clusters = sorted(set(labels.tolist()))
    centroids = X.groupby(model.labels_).mean().reindex(clusters)

    persona_of: dict[int, Persona] = {}
    vectors: dict[str, np.ndarray] = {}     # persona -> direction
    origins: dict[str, np.ndarray] = {}     # persona -> where the direction starts
    supports: dict[str, np.ndarray] = {}    # persona -> columns compared
    match_scores = None
    descriptive: dict[str, str] = {}
    if archetypes:
        A = archetype_vectors(archetypes, profiles, notes)
        origin = archetype_origin(archetypes, profiles).to_numpy()
        support = (A.abs() > 1e-12).any(axis=0).to_numpy()
        if not support.any():
            notes.append("de archetypes noemen geen codes of kenmerken uit de profielen")
            support = np.ones(X.shape[1], dtype=bool)
        Cd = centroids.to_numpy() - origin
        S = np.array([[_cosine(Cd[i, support], A.iloc[j].to_numpy()[support])
                       for j in range(len(archetypes))] for i in range(len(clusters))])
        match_scores = pd.DataFrame(S, index=clusters, columns=[a.id for a in archetypes])
        rows, cols = linear_sum_assignment(-S)
        for r, c in zip(rows, cols):
            a = archetypes[c]
            persona_of[clusters[r]] = replace(a, attributes=dict(a.attributes),
                                              codes=list(a.codes), needs=list(a.needs),
                                              goals=list(a.goals), respondents=[])
        for j, a in enumerate(archetypes):
            vectors[a.id] = A.iloc[j].to_numpy()
            origins[a.id] = origin
            supports[a.id] = support
        unmatched = [a for j, a in enumerate(archetypes) if j not in set(cols.tolist())]
        if unmatched:
            notes.append(f"geen cluster voor archetype(s): {', '.join(a.id for a in unmatched)}"
                         f" (k = {len(clusters)} < {len(archetypes)} archetypes)")
    used_colors = {p.color for p in persona_of.values()}
    palette = [c for c in OKABE_ITO if c not in used_colors]
    for i, c in enumerate(clusters):
        if c in persona_of:
            continue
        members = list(model.labels_.index[labels == c])
        top = _distinguishing_codes(profiles, members, codebook)
        names = [_code_name(codebook, t) for t in top]
        label = " · ".join(names) if names else "geen onderscheidende codes"
        pid = f"groep_{c + 1}"
        while pid in {p.id for p in persona_of.values()}:
            pid += "b"
        persona_of[c] = Persona(id=pid, name=f"Groep {c + 1}", description=f"Kenmerkend: {label}",
                                codes=top, color=palette[len(descriptive) % len(palette)]
                                if palette else OKABE_ITO[i % len(OKABE_ITO)])
        descriptive[pid] = label
        vectors[pid] = (centroids.loc[c] - mean).to_numpy()
        origins[pid] = mean.to_numpy()
        supports[pid] = np.ones(X.shape[1], dtype=bool)

    order = [persona_of[c] for c in clusters]
    if archetypes:  # archetype order first (as the researchers wrote them), then groups
        rank = {a.id: i for i, a in enumerate(archetypes)}
        order.sort(key=lambda p: (rank.get(p.id, len(rank)), p.id))
    pids = [p.id for p in order]

    # soft cluster membership as in fuzzy c-means (m = 2): u_ic ~ 1 / d_ic^2. A respondent
    # far from every centroid gets an even spread instead of a confident pick.
    Xn = X.to_numpy()
    d2 = ((Xn[:, None, :] - centroids.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    member = _fuzzy_membership(d2)
    to_persona = np.zeros((len(clusters), len(pids)))   # cluster -> persona share
    for ci, c in enumerate(clusters):
        to_persona[ci, pids.index(persona_of[c].id)] = 1.0
    if cluster_mapping == "soft" and match_scores is not None:
        for ci, c in enumerate(clusters):
            if persona_of[c].id in descriptive:
                continue
            row = np.array([match_scores.loc[c, p] if p in match_scores.columns else -1.0
                            for p in pids])
            to_persona[ci] = _softmax(row[None, :], temperature)[0]
    M = member @ to_persona
    sims = np.column_stack([[_cosine((Xn[i] - origins[p])[supports[p]], vectors[p][supports[p]])
                             for i in range(len(Xn))] for p in pids])
    direct = _softmax(sims, temperature)
    P = cluster_weight * M + (1.0 - cluster_weight) * direct
    probs = pd.DataFrame(P, index=X.index, columns=pids)

    best = P.argmax(axis=1)
    runner = np.argsort(-P, axis=1, kind="stable")[:, 1] if len(pids) > 1 else best
    assignments = pd.DataFrame({
        "respondent": list(X.index),
        "persona": [pids[b] for b in best],
        "confidence": P[np.arange(len(P)), best],
        "runner_up": [pids[r] if len(pids) > 1 else "" for r in runner],
        "cluster": labels,
    })
    for p in order:
        p.respondents = list(assignments.loc[assignments.persona == p.id, "respondent"])
    evidence = pd.DataFrame([
        {"respondent": r, "persona": p, "cluster_membership": M[i, j],
         "similarity": sims[i, j], "probability": P[i, j]}
        for i, r in enumerate(X.index) for j, p in enumerate(pids)])
    moved = int((assignments.cluster.map(lambda c: persona_of[c].id) != assignments.persona).sum())
    if moved:
        notes.append(f"{moved} respondent(en) staan bij een andere persona dan hun cluster "
                     f"(directe gelijkenis woog zwaarder)")
    return PersonaResult(
        personas=order, assignments=assignments, stability=model.stability_,
        silhouette=model.silhouette_score_, method=model.method, k=model.k_,
        probabilities=probs, evidence=evidence,
        cluster_personas={c: persona_of[c].id for c in clusters}, match_scores=match_scores,
        labels=descriptive, k_table=model.k_table_, notes=notes, profiles=profiles,
        seed=model.seed, model=model)


def find_personas(transcripts: Sequence[Transcript], codings: Sequence[Coding],
                  codebook: Codebook, attributes: pd.DataFrame | None = None,
                  archetypes: Sequence[Persona] | None = None, *, k: int | None = None,
                  method: str = "ward", seed: int = 0, n_bootstrap: int = 100,
                  attribute_weights: Mapping[str, float] | None = None,
                  cluster_weight: float = 0.5) -> PersonaResult:
    """The whole stage in one call: profiles -> model -> personas.

    With archetypes and no ``k``, k is the number of archetypes (the researchers already
    decided how many personas there are); attribute weights default to the attributes the
    archetypes mention."""
    if attributes is not None and attribute_weights is None:
        attribute_weights = default_attribute_weights(attributes, archetypes)
    profiles = build_profiles(transcripts, codings, codebook, attributes, attribute_weights)
    if k is None and archetypes:
        k = min(len(archetypes), len(profiles.frame))
    coded = profiles.counts.sum(axis=1) > 0
    if not coded.any():
        raise KlantreisError("geen enkele respondent heeft coderingen (ook geen "
                             "codeersuggesties): er is niets om persona's uit af te leiden")
    model = PersonaModel(k=k, method=method, seed=seed, n_bootstrap=n_bootstrap).fit(profiles)
    result = match_archetypes(model, profiles, archetypes, codebook,
                              cluster_weight=cluster_weight)
    uncoded = sorted(coded.index[~coded])
    if uncoded:
        basis = "alleen op hun kenmerken" if profiles.uses_attributes else "zonder gegevens"
        result.notes.append(f"{len(uncoded)} respondent(en) zonder coderingen, toegewezen "
                            f"{basis}: {', '.join(uncoded)}")
        if not profiles.uses_attributes:       # nothing to go on: say so, do not pretend
            mask = result.assignments.respondent.isin(uncoded)
            result.assignments.loc[mask, "confidence"] = 0.0
    return result


def _code_name(codebook: Codebook, code_id: str) -> str:
    try:
        return codebook.code(code_id).name
    except KeyError:
        return code_id


def _code_valence(codebook: Codebook, code_id: str) -> int:
    try:
        return codebook.code(code_id).valence
    except KeyError:
        return 0


def effective_valence(coding: Coding, codebook: Codebook) -> int:
    """The coding's own valence when the coder set one, else the code's default."""
    return coding.valence if coding.valence is not None else _code_valence(codebook, coding.code)


def valence_label(value: float) -> str:
    return PAIN if value < 0 else HIGH if value > 0 else NEUTRAL


# ======================================================================================
# 4. Persona cards and the nuance table
# ======================================================================================

@dataclass
class CodeStat:
    """A code as evidence for a persona: "3 van 5 respondenten, 7 passages"."""

    code: str
    name: str
    category: str
    valence: float                 # mean effective valence of the persona's codings
    respondents: int
    group_size: int
    passages: int
    lift: float = 1.0
    log_odds: float = 0.0
    rate_out: float | None = None  # share of the other respondents coded with it

    @property
    def evidence(self) -> str:
        p = "passage" if self.passages == 1 else "passages"
        r = "respondent" if self.group_size == 1 else "respondenten"
        return f"{self.respondents} van {self.group_size} {r}, {self.passages} {p}"

    @property
    def kind(self) -> str:
        return valence_label(self.valence)


@dataclass
class Quote:
    """A representative passage; ``transcript.text[start:end]`` is where it comes from."""

    text: str
    respondent: str
    start: int
    end: int
    code: str
    line: int | None = None

    @property
    def source(self) -> str:
        return f"{self.respondent}, regel {self.line}" if self.line else self.respondent


@dataclass
class PersonaCard:
    persona_id: str
    name: str
    description: str
    n_respondents: int
    n_total: int
    color: str = "#0072B2"
    attributes: list[tuple[str, str]] = field(default_factory=list)   # (label, summary)
    needs: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    pain_points: list[CodeStat] = field(default_factory=list)
    high_points: list[CodeStat] = field(default_factory=list)
    characteristic: list[CodeStat] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    respondents: list[str] = field(default_factory=list)
    label: str = ""                   # descriptive label (clusters without archetype)
    basis: str = ""                   # footer: what the persona rests on

    @property
    def count_label(self) -> str:
        return f"{self.n_respondents} van {self.n_total}"

    def _repr_html_(self) -> str:
        e = html.escape
        color = e(self.color)

        def items(values, empty="nog niet ingevuld"):
            if not values:
                return f"<li><i>{e(empty)}</i></li>"
            return "".join(f"<li>{v}</li>" for v in values)

        attrs = "".join(f"<tr><td style='padding-right:1em'><b>{e(k)}</b></td><td>{e(v)}</td></tr>"
                        for k, v in self.attributes)
        pains = [f"&#9660; {e(s.name)} <small>({e(s.evidence)})</small>" for s in self.pain_points]
        highs = [f"&#9650; {e(s.name)} <small>({e(s.evidence)})</small>" for s in self.high_points]
        chars = [f"{e(s.name)} <small>(lift {e(_nl(s.lift))}&times;, {e(s.evidence)})</small>"
                 for s in self.characteristic]
        quotes = "".join(f"<blockquote style='margin:.4em 0;font-style:italic'>"
                         f"&ldquo;{e(q.text)}&rdquo; <small>({e(q.source)})</small>"
                         f"</blockquote>" for q in self.quotes)
        return (
            f"<div style='border:2px solid {color};border-radius:6px;max-width:760px;"
            f"font-family:sans-serif'>"
            f"<div style='background:{color};color:{_text_on(self.color)};padding:8px 12px'>"
            f"<b style='font-size:1.4em'>{e(self.name)}</b> &nbsp; "
            f"<span>{e(self.count_label)} respondenten</span><br>{e(self.description)}</div>"
            f"<div style='padding:8px 12px'><table>{attrs}</table>"
            f"<div style='display:flex;gap:2em'><div><b>Behoeften</b><ul>{items(map(e, self.needs))}"
            f"</ul><b>Doelen</b><ul>{items(map(e, self.goals))}</ul></div>"
            f"<div><b>Pijnpunten</b><ul>{items(pains, 'geen')}</ul><b>Hoogtepunten</b>"
            f"<ul>{items(highs, 'geen')}</ul></div></div>"
            f"<b>Kenmerkende codes</b><ul>{items(chars, 'geen')}</ul>{quotes}</div></div>")


def _text_on(color: str) -> str:
    """Black or white text, whichever contrasts more with ``color`` (WCAG luminance)."""
    try:
        from matplotlib.colors import to_rgb
        rgb = to_rgb(color)
    except ValueError:
        return "#000000"
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#FFFFFF"


def attribute_summary(attributes: pd.DataFrame | None, members: Sequence[str],
                      ground_truth: Sequence[str] = GROUND_TRUTH_COLUMNS,
                      limit: int = 6) -> list[tuple[str, str]]:
    """Readable summary of the members' attributes (whatever columns exist, in a sensible
    order): age range, children, origin, interpreter ... Ground truth is never shown."""
    frame = _attribute_frame(attributes)
    if frame is None or frame.empty:
        return []
    rows = frame.reindex([m for m in members if m in frame.index])
    if rows.empty:
        return []
    skip = set(excluded_attribute_columns(frame, ground_truth))
    skip |= {c for c in frame.columns if str(c).lower() in _INTERVIEW_COLUMNS}
    cols = [c for c in _ATTRIBUTE_ORDER if c in frame.columns and c not in skip]
    cols += [c for c in frame.columns if c not in cols and c not in skip]
    out = []
    for col in cols[:limit]:
        series = rows[col].dropna()
        if series.empty:
            continue
        label = ATTRIBUTE_LABELS.get(str(col).lower(), str(col).replace("_", " ").capitalize())
        n = len(rows)
        if _is_binary(frame[col]):
            yes = int(series.map(_as_bool).sum())
            text = f"{yes} van {n} ja" if col != "tolk" else (
                "geen tolk" if yes == 0 else f"{yes} van {n} met tolk")
        elif pd.api.types.is_numeric_dtype(frame[col]):
            lo, hi = series.min(), series.max()
            fmt = (lambda v: str(int(v))) if float(lo).is_integer() and float(hi).is_integer() \
                else (lambda v: _nl(v))
            unit = " jaar" if str(col).lower() == "leeftijd" else ""
            span = fmt(lo) if lo == hi else f"{fmt(lo)}–{fmt(hi)}"
            text = f"{span}{unit} (mediaan {fmt(series.median()) if float(series.median()).is_integer() else _nl(series.median())})" \
                if n > 2 and lo != hi else f"{span}{unit}"
        else:
            counts = series.astype(str).value_counts()
            counts = counts.sort_index(kind="mergesort").sort_values(ascending=False,
                                                                      kind="mergesort")
            if counts.max() == 1:  # all different: just name them
                parts = list(counts.index[:4])
                rest = len(counts) - 4
            else:
                parts = [f"{v} ({c})" for v, c in counts.head(3).items()]
                rest = len(counts) - 3
            if rest > 0:
                parts.append(f"en {rest} {'andere' if rest > 1 else 'andere'}")
            text = ", ".join(parts[:-1]) + " " + parts[-1] if rest > 0 else ", ".join(parts)
        out.append((label, text))
    return out


def _persona_codings(codings: Sequence[Coding], members: Sequence[str]) -> list[Coding]:
    members = set(members)
    return [c for c in _unique_codings(codings) if c.respondent_id in members]


def code_stats(codings: Sequence[Coding], members: Sequence[str], codebook: Codebook,
               code_ids: Iterable[str] | None = None) -> dict[str, CodeStat]:
    """Evidence per code within a group of respondents (valence: coding overrides code)."""
    wanted = set(code_ids) if code_ids is not None else None
    by_code: dict[str, list[Coding]] = {}
    for c in _persona_codings(codings, members):
        if wanted is None or c.code in wanted:
            by_code.setdefault(c.code, []).append(c)
    out = {}
    for code, items in by_code.items():
        try:
            cat = codebook.code(code).category
        except KeyError:
            cat = ""
        out[code] = CodeStat(
            code=code, name=_code_name(codebook, code), category=cat,
            valence=float(np.mean([effective_valence(c, codebook) for c in items])),
            respondents=len({c.respondent_id for c in items}), group_size=len(members),
            passages=len(items))
    return out




def persona_card(result: PersonaResult, persona_id: str, transcripts: Sequence[Transcript],
                 codings: Sequence[Coding], codebook: Codebook,
                 attributes: pd.DataFrame | None = None, *, n_quotes: int = 3,
                 n_points: int = 5) -> PersonaCard:
    """Everything a persona card shows, from the result and the codings.

    Pain and high points: the persona's codes with negative / positive mean valence,
    ranked by respondents then passages. Characteristic codes: lift and log-odds of being
    coded against the other personas. Quotes: coded passages whose codes lean most
    towards the persona's centre, from respondents close to it, one per respondent."""
    persona = result.persona(persona_id)
    members = list(persona.respondents)
    n_total = len(result.assignments)
    stats = code_stats(codings, members, codebook)

    def rank(s: CodeStat):
        return (-s.respondents, -s.passages * abs(s.valence), s.code)

    pains = sorted((s for s in stats.values() if s.valence < 0), key=rank)[:n_points]
    highs = sorted((s for s in stats.values() if s.valence > 0), key=rank)[:n_points]

    counts = _respondent_counts(result, codings, codebook)
    characteristic: list[CodeStat] = []
    if members:
        contrast = code_contrast(counts, members)
        for code, row in contrast.iterrows():
            if len(characteristic) >= n_points:
                break
            # over-represented, and shared by at least two members (one is an anecdote)
            if row.log_odds <= 0 or row.respondents < min(2, len(members)) \
                    or row.rate_in <= row.rate_out:
                continue
            s = stats.get(code)
            if s is None:
                continue
            characteristic.append(replace(s, lift=float(row.lift), log_odds=float(row.log_odds),
                                          rate_out=float(row.rate_out)))

    quotes = _representative_quotes(result, persona, transcripts, codings, codebook,
                                    counts, n_quotes)
    description = persona.description.strip().splitlines()[0] if persona.description else ""
    return PersonaCard(
        persona_id=persona.id, name=persona.name, description=description,
        n_respondents=len(members), n_total=n_total, color=persona.color,
        attributes=attribute_summary(attributes, members), needs=list(persona.needs),
        goals=list(persona.goals), pain_points=pains, high_points=highs,
        characteristic=characteristic, quotes=quotes, respondents=members,
        label=result.labels.get(persona.id, ""), basis=_basis(result))


def _basis(result: PersonaResult) -> str:
    method = {"ward": "Ward-clustering", "kmeans": "k-means", "nmf": "NMF"}.get(
        result.method, result.method)
    text = f"Op basis van {len(result.assignments)} interviews; {method}"
    if result.stability is not None:
        text += f", stabiliteit {_nl(result.stability, 2)}"
    return text


def _respondent_counts(result: PersonaResult, codings: Sequence[Coding],
                       codebook: Codebook) -> pd.DataFrame:
    if result.profiles is not None:
        return result.profiles.counts
    respondents = list(result.assignments.respondent)
    counts = pd.DataFrame(0, index=respondents, columns=codebook.code_ids(), dtype=float)
    for c in _unique_codings(codings):
        if c.respondent_id in counts.index and c.code in counts.columns:
            counts.at[c.respondent_id, c.code] += 1
    return counts


def _representative_quotes(result: PersonaResult, persona: Persona,
                           transcripts: Sequence[Transcript], codings: Sequence[Coding],
                           codebook: Codebook, counts: pd.DataFrame, n: int) -> list[Quote]:
    members = list(persona.respondents)
    if not members or n <= 0:
        return []
    texts = {t.respondent_id: t for t in transcripts}
    contrast = code_contrast(counts, members)
    lean = contrast.log_odds.clip(lower=0)
    lean = lean / lean.max() if lean.max() > 0 else lean
    # closeness of each member to the persona: the assignment probability
    closeness = {}
    if persona.id in result.probabilities.columns:
        closeness = result.probabilities[persona.id].to_dict()
    candidates = []
    for c in _persona_codings(codings, members):
        t = texts.get(c.respondent_id)
        raw = t.text[c.start:c.end] if t is not None and 0 <= c.start < c.end <= len(t.text) \
            else c.quote
        text = quote_text(raw or "", 220)
        if len(text) < 25:
            continue
        length_fit = 1.0 if 50 <= len(text) <= 200 else 0.7
        score = (float(lean.get(c.code, 0.0)) + 0.5 * float(closeness.get(c.respondent_id, 0.0))
                 ) * length_fit
        line = t.line_of(c.start) if t is not None else None
        candidates.append((-score, c.respondent_id, c.start,
                           Quote(text=text, respondent=c.respondent_id, start=c.start,
                                 end=c.end, code=c.code, line=line)))
    candidates.sort(key=lambda x: x[:3])
    chosen: list[Quote] = []
    used_resp: set[str] = set()
    used_code: set[str] = set()
    for relax in (False, True):  # first one per respondent and code, then fill up
        for _, resp, _, q in candidates:
            if len(chosen) >= n:
                break
            if q in chosen:
                continue
            if not relax and (resp in used_resp or q.code in used_code):
                continue
            if relax and any(q.start < o.end and o.start < q.end and o.respondent == resp
                             for o in chosen):
                continue
            chosen.append(q)
            used_resp.add(resp)
            used_code.add(q.code)
    return chosen


def _theme_fields(theme: Any) -> tuple[str, str, list[str]]:
    if isinstance(theme, Mapping):
        return str(theme.get("id", "")), str(theme.get("name", theme.get("id", ""))), \
            list(theme.get("codes", []))
    return str(getattr(theme, "id", "")), str(getattr(theme, "name", getattr(theme, "id", ""))), \
        list(getattr(theme, "codes", []))


def nuance_records(result: PersonaResult, codings: Sequence[Coding], codebook: Codebook,
                   themes: Sequence[Any], top: int = 2) -> pd.DataFrame:
    """Long form of the nuance table: one row per theme x persona x dominant code
    (a persona that never mentions a theme gets one row with code ``None``)."""
    rows = []
    for theme in themes:
        tid, tname, codes = _theme_fields(theme)
        for p in result.personas:
            stats = code_stats(codings, p.respondents, codebook, codes)
            ranked = sorted(stats.values(), key=lambda s: (-s.respondents, -s.passages, s.code))
            if not ranked:
                rows.append({"theme": tid, "theme_name": tname, "persona": p.id,
                             "persona_name": p.name, "code": None, "code_name": None,
                             "valence": None, "kind": NOT_MENTIONED, "respondents": 0,
                             "group_size": len(p.respondents), "passages": 0})
                continue
            for s in ranked[:top]:
                rows.append({"theme": tid, "theme_name": tname, "persona": p.id,
                             "persona_name": p.name, "code": s.code, "code_name": s.name,
                             "valence": round(s.valence, 2), "kind": s.kind,
                             "respondents": s.respondents, "group_size": s.group_size,
                             "passages": s.passages})
    return pd.DataFrame(rows)


def nuance_table(result: PersonaResult, codings: Sequence[Coding], codebook: Codebook,
                 themes: Sequence[Any], top: int = 2) -> pd.DataFrame:
    """Theme x persona: what each persona experiences in that theme.

    A cell lists the dominant codes with valence and evidence, e.g.
    ``Wachten op therapie (pijnpunt): 3 van 5 respondenten, 7 passages``; a theme the
    persona's respondents never mention says ``niet genoemd``. Index: theme names;
    columns: persona names; ``.attrs["theme_ids"]`` / ``["persona_ids"]`` keep the ids."""
    long = nuance_records(result, codings, codebook, themes, top)
    names = [p.name for p in result.personas]
    theme_names = [_theme_fields(t)[1] for t in themes]
    table = pd.DataFrame(NOT_MENTIONED, index=theme_names, columns=names, dtype=object)
    if not long.empty:
        for (tname, pname), grp in long.groupby(["theme_name", "persona_name"], sort=False):
            if grp.code.isna().all():
                continue
            table.at[tname, pname] = "; ".join(
                f"{r.code_name} ({r.kind}): {r.respondents} van {r.group_size} respondenten, "
                f"{r.passages} {'passage' if r.passages == 1 else 'passages'}"
                for r in grp.itertuples())
    table.index.name = "thema"
    table.attrs["theme_ids"] = [_theme_fields(t)[0] for t in themes]
    table.attrs["persona_ids"] = [p.id for p in result.personas]
    return table


__all__ = [
    "Profiles", "AttributeSpec", "build_profiles", "default_attribute_weights",
    "PersonaModel", "PersonaResult", "match_archetypes", "find_personas",
    "archetype_vectors", "code_contrast", "PersonaCard", "CodeStat", "Quote", "persona_card",
    "attribute_summary", "code_stats", "nuance_table", "nuance_records", "effective_valence",
    "GROUND_TRUTH_COLUMNS", "NOT_MENTIONED", "OKABE_ITO",
]
