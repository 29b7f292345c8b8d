"""Personas from coded interviews: profiles, clustering, archetype matching, cards.

The researchers' wall of sticky notes, made explicit and repeatable:

1. ``build_profiles``: one row per respondent; how strongly each code and category occurs,
   normalized for interview length (log(1 + passages per 1000 respondent words)), plus
   optional respondent attributes with explicit weights. Ground-truth columns (such as
   ``persona_onderzoekers``) are never features.
2. ``PersonaModel``: Ward / k-means / NMF clustering with silhouette and bootstrap stability
   (resample respondents, recluster, adjusted Rand index) per k; without archetypes k is
   the smallest whose score is within one (paired) standard error of the best, over
   2 .. ``default_k_range(n)``, with ``N_BOOTSTRAP`` rounds everywhere.
3. ``match_archetypes``: clusters matched one-to-one to the study's persona archetypes
   (Hungarian assignment on profile similarity); every respondent gets a persona, a
   confidence and a runner-up from cluster membership *and* direct similarity to the
   archetype's expected profile, so archetypes also work on studies they were not made for.
   Without archetypes clusters get a descriptive label and the researcher names them
   (``result.rename``).
4. ``persona_card`` and ``nuance_table``: what the cards and the report show, every number
   traceable to codings (respondent id and offsets).
5. ``write_assignments`` / ``edited_assignments``: ``personas/assignments.csv``, whose
   ``model`` column records what the toolkit wrote, so that a researcher's edit is found
   (and followed, never overwritten) without any file outside the study's inputs.

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
from .colours import PERSONA_CYCLE, distinct, text_on
from .errors import KlantreisError, SchemaError
from .journeys import passage_text, unique_codings
from .models import Coding, Persona, Transcript
from .quotes import quote_text

GROUND_TRUTH_COLUMNS = ("persona_onderzoekers",)
_ID_COLUMNS = ("id", "respondent", "respondent_id", "respondent_nr")
METHODS = ("ward", "kmeans", "nmf")
PAIN, HIGH, NEUTRAL = "pijnpunt", "hoogtepunt", "neutraal"
NOT_MENTIONED = "niet genoemd"
# Bootstrap rounds for the stability of a clustering: one number for the CLI, the pipeline
# and the report, so that they show the same personas and the same stability.
N_BOOTSTRAP = 100
MAX_K = 8                  # more personas than this is no longer a persona set

# Okabe-Ito (klantreis.colours): colours for personas that bring none of their own.
OKABE_ITO = PERSONA_CYCLE


@dataclass(frozen=True)
class AttributePhrase:
    """How a respondent column reads on a persona card."""

    label: str
    unit: str = ""             # numbers: "19–21 jaar"
    yes: str = "ja"            # yes/no columns: "2 van 4 met tolk"
    none: str = ""             # ... and when nobody has it: "geen tolk"


# Phrasing for common respondent columns (lower-case names); any other column is shown
# with its own name, numbers without a unit, yes/no columns as "2 van 4 ja".
ATTRIBUTE_PHRASES = {
    "leeftijd": AttributePhrase("Leeftijd", unit="jaar"),
    "age": AttributePhrase("Leeftijd", unit="jaar"),
    "kinderen": AttributePhrase("Kinderen", yes="met kinderen", none="geen kinderen"),
    "herkomst": AttributePhrase("Herkomst"),
    "taal": AttributePhrase("Taal"),
    "tolk": AttributePhrase("Tolk", yes="met tolk", none="geen tolk"),
    "woonsituatie": AttributePhrase("Woonsituatie"),
    "opleiding": AttributePhrase("Opleiding"),
    "werk": AttributePhrase("Werk", yes="met werk", none="geen werk"),
    "inkomen": AttributePhrase("Inkomen", unit="euro"),
    "duur_verblijf": AttributePhrase("Duur verblijf", unit="maanden"),
    "locatie": AttributePhrase("Locatie"),
    "wijze": AttributePhrase("Wijze van interviewen"),
}
# Dutch labels for the usual respondent columns (kept for callers of the old table)
ATTRIBUTE_LABELS = {k: v.label for k, v in ATTRIBUTE_PHRASES.items()}
# shown first on a card when present (who she is before how she lives)
_ATTRIBUTE_ORDER = ("leeftijd", "age", "kinderen", "herkomst", "taal", "tolk", "woonsituatie")
# about the interview, not the person: left off persona cards
_INTERVIEW_COLUMNS = ("locatie", "wijze", "datum", "duur", "interviewer", "tijd")


def attribute_phrase(column: Any) -> AttributePhrase:
    """The card phrasing of a respondent column (its own name when the table lacks it)."""
    key = str(column).strip().lower()
    found = ATTRIBUTE_PHRASES.get(key)
    if found is not None:
        return found
    unit = ""
    for suffix, u in (("_jaar", "jaar"), ("_jaren", "jaar"), ("_maanden", "maanden"),
                      ("_weken", "weken"), ("_euro", "euro")):
        if key.endswith(suffix):
            unit = u
    return AttributePhrase(str(column).replace("_", " ").strip().capitalize(), unit=unit)


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


def count_codes(codings: Iterable[Coding], respondents: Sequence[str],
                code_ids: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """Respondent x code: coded passages (two coders on one passage count once), and how
    many codings were left out (a code or respondent that is not in the table)."""
    counts = pd.DataFrame(0, index=list(respondents), columns=list(code_ids), dtype=float)
    rows = {r: i for i, r in enumerate(counts.index)}
    cols = {c: j for j, c in enumerate(counts.columns)}
    values = counts.to_numpy(copy=True)
    ignored = 0
    for c in unique_codings(codings):
        i, j = rows.get(c.respondent_id), cols.get(c.code)
        if i is None or j is None:
            ignored += 1
            continue
        values[i, j] += 1
    return pd.DataFrame(values, index=counts.index, columns=counts.columns), ignored


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
    """Yes/no: booleans, ja/nee-like words, or numbers that are only 0 and 1."""
    values = series.dropna()
    if values.empty:
        return False
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    if pd.api.types.is_numeric_dtype(series):
        return set(values.astype(float).unique()) <= {0.0, 1.0}
    return all(str(v).strip().lower() in _TRUE | _FALSE for v in values)


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
    counts, ignored = count_codes(codings, respondents, code_ids)
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


def default_k_range(n: int) -> list[int]:
    """The k looked at for ``n`` respondents: 2 up to half of them (a persona stands for at
    least two respondents on average), at most ``MAX_K`` and at most n - 1 (silhouette)."""
    top = min(MAX_K, n - 1, max(2, n // 2))
    return list(range(2, top + 1))


class PersonaModel:
    """Cluster respondent profiles into k groups (scikit-learn style).

    ``k=None`` chooses k with ``propose_k`` (silhouette and bootstrap stability together)
    over ``k_range`` (default ``default_k_range(n)``). After ``fit``: ``labels_``
    (respondent -> cluster 0..k-1), ``k_``, ``silhouette_`` (k -> score for every k looked
    at), ``stability_`` (mean bootstrap ARI at ``k_``), ``centroids_`` and ``k_table_``
    (per k: silhouette, stability, score, standard error against the best k).
    """

    def __init__(self, k: int | None = None, method: str = "ward", seed: int = 0,
                 n_bootstrap: int = N_BOOTSTRAP, k_range: Iterable[int] | None = None):
        if method not in METHODS:
            raise KlantreisError(f"onbekende methode '{method}' (kies uit {', '.join(METHODS)})")
        if k is not None and k < 1:
            raise KlantreisError("k moet minstens 1 zijn")
        self.k = k
        self.method = method
        self.seed = seed
        self.n_bootstrap = n_bootstrap
        self.k_range = None if k_range is None else list(k_range)
        self.silhouette_: dict[int, float | None] = {}
        self.stability_by_k_: dict[int, float | None] = {}
        self.k_table_: pd.DataFrame | None = None
        self.k_note_: str = ""
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
            self.stability_by_k_[k] = _mean_or_none(self._bootstrap_aris(X, k, labels))
        self.silhouette_score_ = self.silhouette_[k]
        self.stability_ = self.stability_by_k_[k]
        self.centroids_ = profiles.frame.groupby(self.labels_).mean()
        return self

    def propose_k(self, k_range: Iterable[int] | None = None,
                  profiles: Profiles | None = None) -> int:
        """The smallest k whose score is within one standard error of the best score.

        Score: (silhouette + bootstrap stability) / 2. Every k is judged on the same
        bootstrap samples, so the noise of a comparison is the standard error of the
        per-sample difference with the best k (paired). A k that is better only by Monte
        Carlo noise does not win: the choice no longer flips with ``n_bootstrap`` when two
        k are equally good, and between equals the simpler persona set wins. The per-k
        figures stay in ``k_table_`` and the reason in ``k_note_``."""
        profiles = profiles or self.profiles_
        if profiles is None:
            raise KlantreisError("propose_k heeft profielen nodig (roep eerst fit aan)")
        X = profiles.frame.to_numpy(dtype=float)
        ks = default_k_range(len(X)) if k_range is None else list(k_range)
        rows, aris = [], {}
        for k in ks:
            if not 2 <= k <= len(X) - 1:
                continue
            labels = _cluster(X, k, self.method, self.seed)
            sil = _silhouette(X, labels)
            aris[k] = self._bootstrap_aris(X, k, labels)
            stab = _mean_or_none(aris[k])
            self.silhouette_[k], self.stability_by_k_[k] = sil, stab
            parts = [v for v in (sil, stab) if v is not None]
            score = float(np.mean(parts)) if parts else np.nan
            rows.append({"k": k, "silhouette": sil, "stability": stab, "score": score})
        columns = ["k", "silhouette", "stability", "score", "se", "chosen"]
        table = pd.DataFrame(rows, columns=columns[:4])
        scored = table.dropna(subset=["score"])
        if scored.empty:
            self.k_table_ = pd.DataFrame(columns=columns)
            self.k_note_ = ""
            return 1
        best = int(scored.sort_values(["score", "k"], ascending=[False, True],
                                      kind="mergesort").iloc[0]["k"])
        best_score = float(scored.set_index("k").at[best, "score"])
        ses = []
        for k in table.k:
            # both halves of the score are averaged: the difference in stability counts half
            ses.append(_paired_se(aris[k], aris[best]) / 2 if k != best else 0.0)
        table["se"] = ses
        within = table.score >= best_score - table.se - 1e-12
        chosen = int(table.loc[within, "k"].min())
        table["chosen"] = table.k == chosen
        self.k_table_ = table
        if chosen != best:
            self.k_note_ = (f"k = {chosen} gekozen: de score ligt binnen één standaardfout van "
                            f"die van k = {best} ({_nl(table.set_index('k').at[chosen, 'score'], 3)}"
                            f" tegen {_nl(best_score, 3)}); bij gelijke kwaliteit het kleinste "
                            f"aantal persona's")
        else:
            self.k_note_ = f"k = {chosen} gekozen op silhouet en stabiliteit"
        return chosen

    def _bootstrap_aris(self, X: np.ndarray, k: int, labels: np.ndarray) -> np.ndarray:
        """Adjusted Rand index between the full clustering and the clustering of each
        bootstrap sample (respondents drawn with replacement), on the drawn respondents;
        NaN for a sample with too few distinct respondents. The samples depend only on the
        seed, so every k sees the same ones."""
        from sklearn.metrics import adjusted_rand_score
        n = len(X)
        if self.n_bootstrap <= 0 or n < 3 or k < 2:
            return np.array([], dtype=float)
        rng = np.random.default_rng(self.seed)
        scores = np.full(self.n_bootstrap, np.nan)
        for b in range(self.n_bootstrap):
            idx = rng.choice(n, size=n, replace=True)
            uniq, first = np.unique(idx, return_index=True)
            if len(uniq) <= k:
                continue
            boot = _cluster(X[idx], k, self.method, self.seed + b + 1, n_init=3)
            scores[b] = adjusted_rand_score(labels[uniq], boot[first])
        return scores

    # --- pictures -----------------------------------------------------------------------
    def dendrogram_figure(self, ax=None, *, names: Mapping[int, str] | None = None,
                          colours: Mapping[int, str] | None = None, note: str = ""):
        """The Ward tree of the respondents cut into the ``k_`` clusters (a Figure).

        Each cluster's branches are drawn in its colour and the cluster is labelled with
        its name (``names`` / ``colours``: cluster -> persona name / colour; by default
        "Cluster 1" ... in the Okabe-Ito order). ``note`` goes under the tree. Only for
        Ward: k-means and NMF do not make a tree, and a Ward tree next to their clusters
        would show groups they did not find."""
        from scipy.cluster.hierarchy import dendrogram, linkage

        from .colours import GREY, persona_colour, readable_on_white
        from .heartbeat import TextFitter, new_figure, rc_context
        if self.profiles_ is None or not hasattr(self, "labels_"):
            raise KlantreisError("roep eerst fit aan")
        if self.method != "ward":
            raise KlantreisError(f"een dendrogram hoort bij Ward-clustering; deze clusters "
                                 f"komen uit {self.method}")
        X = self.profiles_.frame.to_numpy(dtype=float)
        ids = list(self.profiles_.frame.index)
        n = len(X)
        if n < 2:
            raise KlantreisError("een dendrogram heeft minstens twee respondenten nodig")
        Z = linkage(X, method="ward")
        labels = self.labels_.to_numpy()
        clusters = sorted(set(labels.tolist()))
        names = {c: (names or {}).get(c) or f"Cluster {c + 1}" for c in clusters}
        colours = {c: (colours or {}).get(c) or persona_colour(i)
                   for i, c in enumerate(clusters)}
        # the cluster of every node of the tree (None: the node joins clusters)
        node_cluster: dict[int, int | None] = {i: int(labels[i]) for i in range(n)}
        node_height: dict[int, float] = {i: 0.0 for i in range(n)}
        for i, (a, b, height, _) in enumerate(Z):
            ca, cb = node_cluster[int(a)], node_cluster[int(b)]
            node_cluster[n + i] = ca if ca is not None and ca == cb else None
            node_height[n + i] = float(height)
        roots = {}
        for node, c in node_cluster.items():       # highest node of each cluster
            if c is not None and (c not in roots or node_height[node] >= node_height[roots[c]]):
                roots[c] = node

        def link_colour(node: int) -> str:
            c = node_cluster.get(node)
            return colours[c] if c is not None else GREY

        with rc_context():
            if ax is None:
                fig = new_figure(7.5, 4.4)
                fig.set_layout_engine("constrained")
                ax = fig.add_subplot()
            else:
                fig = ax.figure
            k = len(clusters)
            tree = dendrogram(Z, labels=ids, ax=ax, link_color_func=link_colour,
                              leaf_font_size=9)
            order = tree["ivl"]
            for t in ax.get_xticklabels():
                rid = t.get_text()
                if rid in ids:
                    t.set_color(readable_on_white(colours[int(labels[ids.index(rid)])], 4.5))
            top = float(Z[:, 2].max()) if len(Z) else 1.0
            if 1 < k <= len(Z):
                threshold = (Z[-k, 2] + Z[-(k - 1), 2]) / 2
                ax.axhline(threshold, color=GREY, linestyle="--", linewidth=0.8)
            # names over their clusters; a name that would overlap another goes up a row
            fig.draw_without_rendering()
            fitter = TextFitter(new_figure(1, 1))          # widths only: any figure will do
            pt_per_x = ax.get_window_extent().width / max(ax.get_xlim()[1] - ax.get_xlim()[0],
                                                          1e-9) * 72.0 / fig.dpi
            taken: list[list[tuple[float, float]]] = []
            lift = 0.0
            for c in sorted(clusters, key=lambda c: min(order.index(ids[i]) for i in range(n)
                                                         if labels[i] == c)):
                xs = [5.0 + 10.0 * order.index(ids[i]) for i in range(n) if labels[i] == c]
                x = float(np.mean(xs))
                half = (fitter.width(names[c], 9, "bold") + 8) / 2 / pt_per_x
                row = 0
                while row < len(taken) and any(a < x + half and x - half < b
                                               for a, b in taken[row]):
                    row += 1
                if row == len(taken):
                    taken.append([])
                taken[row].append((x - half, x + half))
                lift = max(lift, row)
                ax.annotate(names[c], (x, node_height[roots[c]]), xytext=(0, 4 + 15 * row),
                            textcoords="offset points", ha="center", va="bottom", fontsize=9,
                            fontweight="bold", color=text_on(colours[c]), zorder=5,
                            annotation_clip=False,
                            bbox=dict(boxstyle="round,pad=0.25", fc=colours[c], ec="none"))
            ylim = top * (1.12 + 0.07 * lift) if top > 0 else 1.0
            ax.set_ylim(0, ylim)
            ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= ylim])
            ax.set_title(f"Respondenten geclusterd (Ward): {k} groepen"
                         + (", gesneden bij de stippellijn" if k > 1 else ""), fontsize=11)
            ax.set_ylabel("afstand (Ward)", fontsize=9)
            xlabel = "respondent (kleur: cluster)"
            if note:
                import textwrap
                xlabel += "\n" + "\n".join(textwrap.wrap(note, 110))
            ax.set_xlabel(xlabel, fontsize=9)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        return fig


def _mean_or_none(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)] if len(values) else values
    return float(values.mean()) if len(values) else None


def _paired_se(a: np.ndarray, b: np.ndarray) -> float:
    """Standard error of the mean difference between two runs on the same samples."""
    if not len(a) or not len(b):
        return 0.0
    d = a - b
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return 0.0
    return float(d.std(ddof=1) / math.sqrt(len(d)))


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
    # the model's own choice per respondent, before the researchers moved anyone
    model_assignments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.model_assignments and len(self.assignments):
            self.model_assignments = dict(zip(self.assignments["respondent"],
                                              self.assignments["persona"]))

    def dendrogram_figure(self, ax=None):
        """The Ward dendrogram behind these personas: each cluster in its persona's colour
        and named after it; respondents placed with another persona than their cluster
        are listed under the tree. Only for Ward (``PersonaModel.dendrogram_figure``)."""
        if self.model is None:
            raise KlantreisError("geen model bij dit resultaat")
        by_id = {p.id: p for p in self.personas}
        names = {c: by_id[pid].name for c, pid in self.cluster_personas.items() if pid in by_id}
        colours = {c: by_id[pid].color for c, pid in self.cluster_personas.items()
                   if pid in by_id}
        moved = [(r.respondent, by_id[r.persona].name) for r in self.assignments.itertuples()
                 if r.persona in by_id and self.cluster_personas.get(int(r.cluster)) != r.persona]
        note = ""
        if moved:
            note = ("Bij een andere persona dan hun cluster: "
                    + ", ".join(f"{rid} \u2192 {name}" for rid, name in moved))
        return self.model.dendrogram_figure(ax, names=names, colours=colours, note=note)

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
        self.model_assignments = {r: (new if p == old else p)
                                  for r, p in self.model_assignments.items()}
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

    def to_csv(self, path: str | Path | None = None) -> Path | str:
        """``respondent,persona,confidence,runner_up``: written to ``path``, or returned as
        text without one. (The study's ``personas/assignments.csv`` is written by
        ``write_assignments``, which adds the model's own choice per row.)"""
        text = _assignments_text(self, record=False)
        if path is None:
            return text
        from .fileio import write_atomic
        return write_atomic(Path(path), text)

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
#
# personas/assignments.csv has one row per respondent: respondent, persona, confidence,
# runner_up and ``model`` -- the persona the model chose. The last column is the toolkit's
# record of what it wrote (no hash file elsewhere: it travels with the file, through git,
# copy_study and a colleague's laptop). A row whose persona differs from its ``model``, or
# that has no ``model`` (a row the researcher added, a file she wrote herself), is her
# decision. A file made only of untouched toolkit rows is the toolkit's and is rewritten
# when the model changes; any other file is the researcher's and is never overwritten
# (unless it says exactly what the model says anyway).

ASSIGNMENTS_FILE = Path("personas") / "assignments.csv"
ASSIGNMENT_COLUMNS = ("respondent", "persona", "confidence", "runner_up")
MODEL_COLUMN = "model"


def _assignments_text(result: "PersonaResult", record: bool = True) -> str:
    out = result.assignments[list(ASSIGNMENT_COLUMNS)].copy()
    out["confidence"] = out["confidence"].round(3)
    if record:
        model = result.model_assignments
        out[MODEL_COLUMN] = [model.get(r, p) for r, p in zip(out.respondent, out.persona)]
    return out.to_csv(index=False, lineterminator="\n")


def assignments_csv(result: "PersonaResult") -> str:
    """What ``write_assignments`` writes for ``result`` (the model's own output)."""
    return _assignments_text(result, record=True)


def read_assignment_rows(path: str | Path, study_arg: str = "STUDY") -> list[dict[str, str]]:
    """The rows of an assignments file (``respondent``, ``persona`` and, when present,
    ``model``), checked: both filled, no respondent twice, not empty. ``study_arg`` is how
    the study is named in the hint to run the persona stage first."""
    import csv
    import io
    path = Path(path)
    if not path.exists():
        raise KlantreisError("geen persona-toewijzing gevonden; draai eerst: "
                             f"klantreis personas {study_arg}", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise SchemaError("kan de toewijzing niet lezen (UTF-8 CSV verwacht)", path) from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    for needed in ("respondent", "persona"):
        if needed not in fields:
            raise SchemaError(f"kolom '{needed}' ontbreekt (kolommen: respondent, persona, "
                              f"confidence, runner_up)", path, 1)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()
               if not isinstance(v, list)}
        line = reader.line_num
        if not row.get("respondent") and not row.get("persona"):
            continue
        if not row.get("respondent") or not row.get("persona"):
            raise SchemaError("'respondent' en 'persona' moeten gevuld zijn", path, line)
        if row["respondent"] in seen:
            raise SchemaError(f"respondent '{row['respondent']}' staat er twee keer in",
                              path, line)
        seen.add(row["respondent"])
        rows.append(row)
    if not rows:
        raise SchemaError(f"de toewijzing is leeg; draai eerst: klantreis personas {study_arg}",
                          path)
    return rows


def read_assignments(path: str | Path, study_arg: str = "STUDY") -> dict[str, str]:
    """``personas/assignments.csv`` -> respondent -> persona id (see
    ``read_assignment_rows``)."""
    return {r["respondent"]: r["persona"] for r in read_assignment_rows(path, study_arg)}


def _researchers_rows(rows: Sequence[Mapping[str, str]]) -> list[str]:
    """Respondents whose row is the researcher's: no ``model``, or a persona that differs."""
    return [r["respondent"] for r in rows if r.get(MODEL_COLUMN, "") != r["persona"]]


def _file_state(path: Path, model: Mapping[str, str] | None) -> tuple[str, dict[str, str]]:
    """("missing" | "toolkit" | "same" | "edited", mapping) for an assignments file:
    the toolkit's untouched rows, the same as ``model`` says, or the researcher's."""
    if not path.exists():
        return "missing", {}
    rows = read_assignment_rows(path)
    mapping = {r["respondent"]: r["persona"] for r in rows}
    if not _researchers_rows(rows):
        return "toolkit", mapping
    if model is not None and mapping == dict(model):
        return "same", mapping
    return "edited", mapping


def edited_assignments(study, result: "PersonaResult | None" = None) -> dict[str, str] | None:
    """The researcher's own ``personas/assignments.csv`` (respondent -> persona) when it
    says something else than the model: ``None`` when there is no file, when every row is
    the toolkit's untouched output (its ``model`` column), or when the file assigns every
    respondent as ``result`` (the model's fresh result) does.

    Without ``result`` a file without the ``model`` column (written by hand, or by an older
    toolkit) counts as the researcher's."""
    model = None if result is None else result.model_assignments
    state, mapping = _file_state(study.root / ASSIGNMENTS_FILE, model)
    return mapping if state == "edited" else None


def write_assignments(study, result: "PersonaResult") -> Path | None:
    """Write ``personas/assignments.csv`` unless the researcher edited it: her decisions are
    never overwritten (delete the file to go back to the model's assignment). Returns the
    path, or None when her file was kept."""
    from .fileio import write_atomic
    path = study.root / ASSIGNMENTS_FILE
    state, _ = _file_state(path, result.model_assignments)
    if state == "edited":
        return None
    return write_atomic(path, assignments_csv(result))


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


def _origin(expected: pd.DataFrame, profiles: Profiles) -> pd.Series:
    return profiles.frame.mean(axis=0) if len(expected) < 2 else expected.mean(axis=0)


def archetype_origin(archetypes: Sequence[Persona], profiles: Profiles,
                     notes: list[str] | None = None) -> pd.Series:
    """Where similarity to archetypes is measured from: the mean of the archetypes'
    expected profiles (with one archetype: the mean respondent).

    Measuring from the archetypes' own centre rather than from the sample's mean keeps
    an assignment from depending on who else was interviewed: in a study with only
    Tessa-like women they still lean towards Tessa."""
    return _origin(archetype_profiles(archetypes, profiles, notes), profiles)


def archetype_vectors(archetypes: Sequence[Persona], profiles: Profiles,
                      notes: list[str] | None = None) -> pd.DataFrame:
    """Each archetype as a direction in profile space: its expected profile minus
    ``archetype_origin`` (so similarity means "leans the same way", not "talks a lot")."""
    expected = archetype_profiles(archetypes, profiles, notes)
    return expected - _origin(expected, profiles)


def _distinguishing_codes(profiles: Profiles, members: Sequence[str],
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
                     cluster_weight: float = 0.5, temperature: float = 0.2) -> PersonaResult:
    """Turn clusters into personas and assign every respondent.

    With archetypes: clusters are matched one-to-one to archetypes by the Hungarian
    algorithm on the cosine similarity between each cluster centroid and each archetype
    vector (both measured from ``archetype_origin``). Clusters left over get a descriptive
    label; archetypes left over get no cluster (noted).

    Each respondent's persona combines two views, so that an archetype still works when
    the clusters are weak (a new study, machine suggestions, no attributes):
    ``cluster_weight`` x soft cluster membership (fuzzy c-means: ~ 1 / squared distance to
    each centroid) passed on to the cluster's persona, plus (1 - ``cluster_weight``) x
    direct similarity (softmax over the cosine between the respondent and each persona
    vector, ``temperature``). Confidence is the winner's share; runner-up is the second
    persona.

    Colours: an archetype keeps its own colour; one without (empty, or the loader's
    default ``#0072B2``) and every descriptive group get a distinct Okabe-Ito colour that no
    other persona has (``klantreis.colours.distinct``).
    """
    from scipy.optimize import linear_sum_assignment
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
        expected = archetype_profiles(archetypes, profiles, notes)
        origin_s = _origin(expected, profiles)
        A = expected - origin_s
        origin = origin_s.to_numpy()
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
    for c in clusters:
        if c in persona_of:
            continue
        members = list(model.labels_.index[labels == c])
        top = _distinguishing_codes(profiles, members)
        names = [codebook.name_of(t) for t in top]
        label = " · ".join(names) if names else "geen onderscheidende codes"
        pid = f"groep_{c + 1}"
        while pid in {p.id for p in persona_of.values()}:
            pid += "b"
        persona_of[c] = Persona(id=pid, name=f"Groep {c + 1}", description=f"Kenmerkend: {label}",
                                codes=top, color="")
        descriptive[pid] = label
        vectors[pid] = (centroids.loc[c] - mean).to_numpy()
        origins[pid] = mean.to_numpy()
        supports[pid] = np.ones(X.shape[1], dtype=bool)

    order = [persona_of[c] for c in clusters]
    if archetypes:  # archetype order first (as the researchers wrote them), then groups
        rank = {a.id: i for i, a in enumerate(archetypes)}
        order.sort(key=lambda p: (rank.get(p.id, len(rank)), p.id))
    # own colours first (whatever the order), then a free palette colour for the rest
    own = distinct([p.color for p in order], keep_default=False)
    for p, colour in zip(order, own):
        p.color = colour
    pids = [p.id for p in order]

    # soft cluster membership as in fuzzy c-means (m = 2): u_ic ~ 1 / d_ic^2. A respondent
    # far from every centroid gets an even spread instead of a confident pick.
    Xn = X.to_numpy()
    d2 = ((Xn[:, None, :] - centroids.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    member = _fuzzy_membership(d2)
    to_persona = np.zeros((len(clusters), len(pids)))   # cluster -> persona share
    for ci, c in enumerate(clusters):
        to_persona[ci, pids.index(persona_of[c].id)] = 1.0
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
                  method: str = "ward", seed: int = 0, n_bootstrap: int = N_BOOTSTRAP,
                  attribute_weights: Mapping[str, float] | None = None,
                  cluster_weight: float = 0.5) -> PersonaResult:
    """The whole stage in one call: profiles -> model -> personas.

    With archetypes and no ``k``, k is the number of archetypes (the researchers already
    decided how many personas there are); without either, ``PersonaModel.propose_k``
    chooses it (its reason is in ``result.notes``). Attribute weights default to the
    attributes the archetypes mention."""
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
    if k is None and model.k_note_:
        result.notes.insert(0, model.k_note_)
    uncoded = sorted(coded.index[~coded])
    if uncoded:
        basis = "alleen op hun kenmerken" if profiles.uses_attributes else "zonder gegevens"
        result.notes.append(f"{len(uncoded)} respondent(en) zonder coderingen, toegewezen "
                            f"{basis}: {', '.join(uncoded)}")
        if not profiles.uses_attributes:       # nothing to go on: say so, do not pretend
            mask = result.assignments.respondent.isin(uncoded)
            result.assignments.loc[mask, "confidence"] = 0.0
    return result


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
            f"<div style='background:{color};color:{text_on(self.color)};padding:8px 12px'>"
            f"<b style='font-size:1.4em'>{e(self.name)}</b> &nbsp; "
            f"<span>{e(self.count_label)} respondenten</span><br>{e(self.description)}</div>"
            f"<div style='padding:8px 12px'><table>{attrs}</table>"
            f"<div style='display:flex;gap:2em'><div><b>Behoeften</b><ul>{items(map(e, self.needs))}"
            f"</ul><b>Doelen</b><ul>{items(map(e, self.goals))}</ul></div>"
            f"<div><b>Pijnpunten</b><ul>{items(pains, 'geen')}</ul><b>Hoogtepunten</b>"
            f"<ul>{items(highs, 'geen')}</ul></div></div>"
            f"<b>Kenmerkende codes</b><ul>{items(chars, 'geen')}</ul>{quotes}</div></div>")


def _describe_binary(phrase: AttributePhrase, yes: int, n: int) -> str:
    if yes == 0 and phrase.none:
        return phrase.none
    return f"{yes} van {n} {phrase.yes}"


def _describe_numbers(phrase: AttributePhrase, series: pd.Series, n: int) -> str:
    lo, hi, median = float(series.min()), float(series.max()), float(series.median())
    whole = lo.is_integer() and hi.is_integer()

    def fmt(v: float) -> str:
        return str(int(v)) if whole and float(v).is_integer() else _nl(v)

    unit = f" {phrase.unit}" if phrase.unit else ""
    span = fmt(lo) if lo == hi else f"{fmt(lo)}–{fmt(hi)}"
    if n > 2 and lo != hi:
        return f"{span}{unit} (mediaan {fmt(median)})"
    return f"{span}{unit}"


def _describe_values(series: pd.Series) -> str:
    counts = series.astype(str).value_counts()
    counts = counts.sort_index(kind="mergesort").sort_values(ascending=False, kind="mergesort")
    if counts.max() == 1:  # all different: just name them
        parts, rest = list(counts.index[:4]), len(counts) - 4
    else:
        parts, rest = [f"{v} ({c})" for v, c in counts.head(3).items()], len(counts) - 3
    if rest > 0:
        return ", ".join(parts) + f" en {rest} andere"
    return ", ".join(parts)


def attribute_summary(attributes: pd.DataFrame | None, members: Sequence[str],
                      ground_truth: Sequence[str] = GROUND_TRUTH_COLUMNS,
                      limit: int = 6) -> list[tuple[str, str]]:
    """Readable summary of the members' attributes, whatever columns the table has (common
    ones first): numbers as a range with unit and median, yes/no columns (ja/nee, booleans,
    0/1) as "n van N ja" (or the column's own phrase, ``ATTRIBUTE_PHRASES``), other values
    by frequency. Ground truth and columns about the interview are never shown."""
    frame = _attribute_frame(attributes)
    if frame is None or frame.empty:
        return []
    rows = frame.reindex([m for m in members if m in frame.index])
    if rows.empty:
        return []
    skip = set(excluded_attribute_columns(frame, ground_truth))
    skip |= {c for c in frame.columns if str(c).strip().lower() in _INTERVIEW_COLUMNS}
    usable = [c for c in frame.columns if c not in skip]
    first = {k: i for i, k in enumerate(_ATTRIBUTE_ORDER)}
    cols = sorted(usable, key=lambda c: first.get(str(c).strip().lower(), len(first)))
    out = []
    n = len(rows)
    for col in cols[:limit]:
        series = rows[col].dropna()
        if series.empty:
            continue
        phrase = attribute_phrase(col)
        if _is_binary(frame[col]):
            text = _describe_binary(phrase, int(series.map(_as_bool).sum()), n)
        elif pd.api.types.is_numeric_dtype(frame[col]):
            text = _describe_numbers(phrase, series.astype(float), n)
        else:
            text = _describe_values(series)
        out.append((phrase.label, text))
    return out


def code_stats(codings: Sequence[Coding], members: Sequence[str], codebook: Codebook,
               code_ids: Iterable[str] | None = None) -> dict[str, CodeStat]:
    """Evidence per code within a group of respondents (valence: the coding's own, else the
    code's; ``Codebook.valence_of``). Two coders on one passage count once."""
    return _code_stats(unique_codings(codings), members, codebook, code_ids)


def _code_stats(unique: Sequence[Coding], members: Sequence[str], codebook: Codebook,
                code_ids: Iterable[str] | None = None) -> dict[str, CodeStat]:
    """``code_stats`` on codings that are already unique."""
    wanted = set(code_ids) if code_ids is not None else None
    member_set = set(members)
    by_code: dict[str, list[Coding]] = {}
    for c in unique:
        if c.respondent_id in member_set and (wanted is None or c.code in wanted):
            by_code.setdefault(c.code, []).append(c)
    out = {}
    for code, items in by_code.items():
        try:
            cat = codebook.code(code).category
        except KeyError:
            cat = ""
        out[code] = CodeStat(
            code=code, name=codebook.name_of(code), category=cat,
            valence=float(np.mean([codebook.valence_of(c) for c in items])),
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
    unique = unique_codings(codings)
    stats = _code_stats(unique, members, codebook)

    def rank(s: CodeStat):
        return (-s.respondents, -s.passages * abs(s.valence), s.code)

    pains = sorted((s for s in stats.values() if s.valence < 0), key=rank)[:n_points]
    highs = sorted((s for s in stats.values() if s.valence > 0), key=rank)[:n_points]

    counts = _respondent_counts(result, unique, codebook)
    contrast = code_contrast(counts, members) if members else None
    characteristic: list[CodeStat] = []
    if contrast is not None:
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

    quotes = _representative_quotes(result, persona, transcripts, unique, contrast, n_quotes)
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
    """Respondent x code passages: the profiles' own, else counted the same way."""
    if result.profiles is not None:
        return result.profiles.counts
    return count_codes(codings, list(result.assignments.respondent), codebook.code_ids())[0]


def _representative_quotes(result: PersonaResult, persona: Persona,
                           transcripts: Sequence[Transcript], unique: Sequence[Coding],
                           contrast: pd.DataFrame | None, n: int) -> list[Quote]:
    """``n`` quotes for a card from the persona's (unique) codings, ``contrast`` being
    ``code_contrast`` of her respondents."""
    members = set(persona.respondents)
    if not members or n <= 0 or contrast is None:
        return []
    texts = {t.respondent_id: t for t in transcripts}
    lean = contrast.log_odds.clip(lower=0)
    lean = lean / lean.max() if lean.max() > 0 else lean
    # closeness of each member to the persona: the assignment probability
    closeness = {}
    if persona.id in result.probabilities.columns:
        closeness = result.probabilities[persona.id].to_dict()
    candidates = []
    for c in unique:
        if c.respondent_id not in members:
            continue
        t = texts.get(c.respondent_id)
        text = quote_text(passage_text(t, c), 220)
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
    unique = unique_codings(codings)          # once, not per theme x persona
    rows = []
    for theme in themes:
        tid, tname, codes = _theme_fields(theme)
        for p in result.personas:
            stats = _code_stats(unique, p.respondents, codebook, codes)
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
    "Profiles", "AttributeSpec", "build_profiles", "default_attribute_weights", "count_codes",
    "PersonaModel", "PersonaResult", "match_archetypes", "find_personas", "default_k_range",
    "archetype_vectors", "code_contrast", "PersonaCard", "CodeStat", "Quote", "persona_card",
    "attribute_summary", "attribute_phrase", "AttributePhrase", "ATTRIBUTE_PHRASES",
    "code_stats", "nuance_table", "nuance_records", "GROUND_TRUTH_COLUMNS", "NOT_MENTIONED",
    "OKABE_ITO", "N_BOOTSTRAP", "ASSIGNMENTS_FILE", "read_assignments", "read_assignment_rows",
    "edited_assignments", "write_assignments", "assignments_csv",
]
