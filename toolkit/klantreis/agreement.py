"""Intercoder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Two units of analysis (choose with ``unit``):

``"segment"`` (default)
    One decision per *respondent turn x code*: did the coder code (part of) this turn with
    this code? A coding counts for every respondent turn it overlaps by at least one
    non-space character. Interviewer turns are not units (they are not evidence), so a
    coding that only touches an interviewer turn is left out (``ignored_`` counts them).
``"character"``
    NVivo's unit: one decision per *character of the source x code*. Per code and source
    kappa = (Po - Pe) / (1 - Pe) with Po the share of characters both coders treated
    alike and Pe = (a1*b1 + a0*b0) / N^2 from each coder's share of coded characters.
    Like NVivo every character of the transcript counts, interviewer text included, which
    makes large uncoded stretches look like agreement; prefer ``"segment"`` to discuss.

Only respondents that a coder has coded at all take part for that coder (a respondent
without any of their codings is *missing*, not "coded with nothing"), and only codes that
some compared coder used (an unused code would add trivial agreement).

With two coders kappa is Cohen's kappa. With more coders every figure is the mean over
coder pairs (Light's kappa); Krippendorff's alpha (nominal) handles any number of coders
and missing values directly. Overall figures pool all unit x code decisions (one 2x2
table or one coincidence matrix), and ``mean_kappa_`` averages the per-code kappas.

Conventions for the degenerate cases (documented so nobody is surprised):
- kappa with no variation (both coders coded everything or nothing, Pe = 1) is 1.0 when
  they agree completely, as NVivo reports it;
- alpha with no variation is undefined (``nan``), as Krippendorff specifies.
"""
from __future__ import annotations

import csv
import itertools
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import KlantreisError
from .fileio import write_atomic
from .models import Coding, Transcript

UNITS = ("segment", "character")


# --- the statistics ----------------------------------------------------------------------------

def kappa_from_counts(n11: float, n10: float, n01: float, n00: float) -> float:
    """Cohen's kappa for two coders and a yes/no decision from the 2x2 table.

    ``n10``: coder 1 yes, coder 2 no. kappa = (Po - Pe) / (1 - Pe). With no variation
    (Pe = 1) the coders necessarily agree completely and 1.0 is returned (NVivo's choice);
    an empty table gives ``nan``.
    """
    n = n11 + n10 + n01 + n00
    if n <= 0:
        return math.nan
    po = (n11 + n00) / n
    a1, b1 = (n11 + n10) / n, (n11 + n01) / n
    pe = a1 * b1 + (1 - a1) * (1 - b1)
    if pe >= 1 - 1e-12:
        return 1.0
    return (po - pe) / (1 - pe)


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa for two equally long sequences of nominal values."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError("beide reeksen moeten even lang zijn")
    if a.size == 0:
        return math.nan
    values = np.unique(np.concatenate([a, b]))
    po = float(np.mean(a == b))
    pe = float(sum(np.mean(a == v) * np.mean(b == v) for v in values))
    if pe >= 1 - 1e-12:
        return 1.0
    return (po - pe) / (1 - pe)


def percent_agreement(a: Sequence, b: Sequence) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.mean(a == b)) if a.size else math.nan


def coincidences(value_counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix from per-unit value counts.

    ``value_counts[u, v]`` = how many coders gave value ``v`` to unit ``u``. Units with fewer
    than two values are not pairable and drop out (that is how missing data is handled).
    """
    counts = np.asarray(value_counts, dtype=float)
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep], m[keep]
    if counts.size == 0:
        return np.zeros((value_counts.shape[1],) * 2)
    weights = 1.0 / (m - 1)
    # sum over units of n_uc * n_uk / (m_u - 1); on the diagonal n_uc * (n_uc - 1)
    o = (counts * weights[:, None]).T @ counts
    o[np.diag_indices_from(o)] -= (counts * weights[:, None]).sum(axis=0)
    return o


def alpha_from_coincidences(o: np.ndarray) -> float:
    """Nominal alpha = 1 - (n - 1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k."""
    o = np.asarray(o, dtype=float)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return math.nan
    observed = o.sum() - np.trace(o)
    expected = n * n - float((n_c ** 2).sum())  # sum over c != k of n_c * n_k
    if expected <= 0:
        return math.nan  # no variation: alpha is undefined
    return float(1 - (n - 1) * observed / expected)


def krippendorff_alpha(data: Sequence[Sequence], missing=None) -> float:
    """Krippendorff's alpha (nominal) for a coders x units table.

    Missing values are ``None``/``nan`` (or ``missing``). Matches Krippendorff (2011),
    "Computing Krippendorff's alpha-reliability", example C (alpha = 0.743).
    """
    rows = [list(r) for r in data]
    if not rows:
        return math.nan
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise ValueError("alle codeurs moeten evenveel eenheden hebben")

    def is_missing(v) -> bool:
        return v is None or v == missing or (isinstance(v, float) and math.isnan(v))

    values = sorted({v for r in rows for v in r if not is_missing(v)}, key=repr)
    index = {v: i for i, v in enumerate(values)}
    counts = np.zeros((width, len(values)))
    for r in rows:
        for u, v in enumerate(r):
            if not is_missing(v):
                counts[u, index[v]] += 1
    return alpha_from_coincidences(coincidences(counts))


def _binary_coincidences(yes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Coincidences for yes/no decisions: ``yes``/``present`` are per-unit coder counts."""
    counts = np.stack([present - yes, yes], axis=1)
    return coincidences(counts)


# --- results ----------------------------------------------------------------------------------

@dataclass
class Disagreement:
    """A place where the coders differ: a passage to discuss (offsets, no text)."""

    respondent_id: str
    code: str
    start: int
    end: int
    line: int
    coded_by: tuple[str, ...]
    not_coded_by: tuple[str, ...]
    segment: int | None = None   # index of the respondent turn (unit "segment")

    def as_row(self) -> dict:
        row = asdict(self)
        row["coded_by"] = " ".join(self.coded_by)
        row["not_coded_by"] = " ".join(self.not_coded_by)
        return row


@dataclass
class _Units:
    """Per respondent: coder -> code -> boolean mask over that respondent's units."""

    length: dict[str, int] = field(default_factory=dict)
    masks: dict[str, dict[str, dict[str, np.ndarray]]] = field(default_factory=dict)


class IntercoderAgreement:
    """Agreement between coders over the respondents they both coded.

    >>> ag = IntercoderAgreement(unit="segment").fit(codings, transcripts)
    >>> ag.kappa_, ag.alpha_, ag.percent_agreement_
    >>> ag.per_code_          # DataFrame: code, units, coded per coder, agreement, kappa, alpha
    >>> ag.disagreements_     # list[Disagreement]

    ``coders`` picks (and orders) the coders; default: every coder in ``codings``.
    ``codes`` restricts the codes compared (default: every code some coder used).
    """

    def __init__(self, unit: str = "segment", coders: Sequence[str] | None = None,
                 codes: Iterable[str] | None = None):
        if unit not in UNITS:
            raise KlantreisError(f"onbekende eenheid '{unit}' (kies uit {', '.join(UNITS)})")
        self.unit = unit
        self.coders = list(coders) if coders is not None else None
        self.codes = list(codes) if codes is not None else None

    # --- fitting ------------------------------------------------------------------------------
    def fit(self, codings: Iterable[Coding], transcripts: Iterable[Transcript]
            ) -> "IntercoderAgreement":
        codings = list(codings)
        by_id = {t.respondent_id: t for t in transcripts}
        coders = self.coders or sorted({c.coder for c in codings})
        if len(set(coders)) < 2:
            raise KlantreisError("voor overeenstemming zijn minstens twee codeurs nodig "
                                 f"(gevonden: {len(set(coders))})")
        if len(set(coders)) != len(coders):
            raise KlantreisError("een codeur staat twee keer in de lijst")
        mine = [c for c in codings if c.coder in coders]
        missing = sorted({c.respondent_id for c in mine} - set(by_id))
        if missing:
            raise KlantreisError(f"{len(missing)} respondent(en) met coderingen hebben geen "
                                 f"transcript: {', '.join(missing)}")
        coded = {k: {c.respondent_id for c in mine if c.coder == k} for k in coders}
        for k in coders:
            if not coded[k]:
                raise KlantreisError(f"codeur '{k}' heeft geen coderingen")
        # a respondent takes part when at least two coders coded it
        respondents = sorted(r for r in set().union(*coded.values())
                             if sum(r in coded[k] for k in coders) >= 2)
        if not respondents:
            raise KlantreisError("de codeurs hebben geen respondent gemeenschappelijk gecodeerd")
        codes = self.codes if self.codes is not None else sorted(
            {c.code for c in mine if c.respondent_id in respondents})

        self.coders_ = list(coders)
        self.respondents_ = respondents
        self.coded_respondents_ = {k: sorted(coded[k] & set(respondents)) for k in coders}
        self.codes_ = list(codes)
        self.ignored_ = 0
        units = self._build_units(mine, by_id, respondents, coded, codes)
        self._units = units
        self._transcripts = by_id
        self._score(units)
        self.disagreements_ = self._disagreements(units, by_id)
        return self

    def _segments_of(self, t: Transcript):
        segs = t.respondent_segments or t.segments
        return [(s.start, s.end, s.index) for s in segs] or [(0, len(t.text), 0)]

    def _build_units(self, codings, by_id, respondents, coded, codes) -> _Units:
        units = _Units()
        wanted = set(codes)
        for rid in respondents:
            t = by_id[rid]
            if self.unit == "segment":
                spans = self._segments_of(t)
                starts = np.array([s for s, _, _ in spans])
                ends = np.array([e for _, e, _ in spans])
                n = len(spans)
            else:
                n = len(t.text)
            units.length[rid] = n
            per_coder: dict[str, dict[str, np.ndarray]] = {}
            for k in self.coders_:
                if rid in coded[k]:
                    per_coder[k] = {code: np.zeros(n, dtype=bool) for code in codes}
            units.masks[rid] = per_coder
            for c in codings:
                if c.respondent_id != rid or c.code not in wanted:
                    continue
                mask = per_coder[c.coder][c.code]
                if self.unit == "character":
                    mask[max(c.start, 0):min(c.end, n)] = True
                    continue
                hit = (starts < c.end) & (ends > c.start)
                hit_idx = [i for i in np.flatnonzero(hit)
                           if t.text[max(c.start, starts[i]):min(c.end, ends[i])].strip()]
                if not hit_idx:
                    self.ignored_ += 1
                mask[hit_idx] = True
        return units

    # --- scoring ------------------------------------------------------------------------------
    def _pair_table(self, units: _Units, a: str, b: str, code: str | None,
                    rid: str | None = None) -> np.ndarray:
        """2x2 counts (n11, n10, n01, n00) for coders a and b on their common respondents."""
        table = np.zeros(4)
        for r in ([rid] if rid else self.respondents_):
            masks = units.masks[r]
            if a not in masks or b not in masks:
                continue
            for cd in ([code] if code else self.codes_):
                x, y = masks[a][cd], masks[b][cd]
                n11 = int(np.count_nonzero(x & y))
                nx, ny = int(np.count_nonzero(x)), int(np.count_nonzero(y))
                table += (n11, nx - n11, ny - n11, x.size - nx - ny + n11)
        return table

    def _coincidence(self, units: _Units, code: str | None, rid: str | None = None
                     ) -> np.ndarray:
        o = np.zeros((2, 2))
        for r in ([rid] if rid else self.respondents_):
            masks = units.masks[r]
            present = len(masks)
            if present < 2:
                continue
            for cd in ([code] if code else self.codes_):
                yes = np.sum([masks[k][cd] for k in masks], axis=0, dtype=float)
                o += _binary_coincidences(yes, np.full(yes.shape, float(present)))
        return o

    def _stats(self, units: _Units, code: str | None, rid: str | None = None) -> dict:
        kappas, agreements, n_units = [], [], 0
        for a, b in itertools.combinations(self.coders_, 2):
            table = self._pair_table(units, a, b, code, rid)
            if table.sum() == 0:
                continue
            kappas.append(kappa_from_counts(*table))
            agreements.append((table[0] + table[3]) / table.sum())
            n_units = max(n_units, int(table.sum()))
        return {
            "units": n_units,
            "agreement": float(np.mean(agreements)) if agreements else math.nan,
            "kappa": float(np.mean(kappas)) if kappas else math.nan,
            "alpha": alpha_from_coincidences(self._coincidence(units, code, rid)),
        }

    def _score(self, units: _Units) -> None:
        rows = []
        for code in self.codes_:
            row = {"code": code}
            for k in self.coders_:
                row[f"gecodeerd_{k}"] = int(sum(
                    np.count_nonzero(units.masks[r][k][code])
                    for r in self.respondents_ if k in units.masks[r]))
            row.update(self._stats(units, code))
            rows.append(row)
        columns = ["code", "units", *[f"gecodeerd_{k}" for k in self.coders_],
                   "agreement", "kappa", "alpha"]
        self.per_code_ = pd.DataFrame(rows, columns=columns)
        overall = self._stats(units, None)
        self.units_ = overall["units"] // max(len(self.codes_), 1) if self.codes_ else 0
        self.kappa_ = overall["kappa"]
        self.alpha_ = overall["alpha"]
        self.percent_agreement_ = overall["agreement"]
        self.mean_kappa_ = float(self.per_code_["kappa"].mean()) if rows else math.nan
        self.pairwise_kappa_ = {
            (a, b): kappa_from_counts(*self._pair_table(units, a, b, None))
            for a, b in itertools.combinations(self.coders_, 2)}
        src = []
        for rid in self.respondents_:
            for code in self.codes_:
                s = self._stats(units, code, rid)
                src.append({"respondent": rid, "code": code, "units": s["units"],
                            "agreement": s["agreement"], "kappa": s["kappa"]})
        # NVivo's table: kappa per code per source
        self.per_source_ = pd.DataFrame(src, columns=["respondent", "code", "units",
                                                      "agreement", "kappa"])

    # --- disagreements ------------------------------------------------------------------------
    def _disagreements(self, units: _Units, by_id: dict[str, Transcript]) -> list[Disagreement]:
        out: list[Disagreement] = []
        for rid in self.respondents_:
            t = by_id[rid]
            masks = units.masks[rid]
            present = [k for k in self.coders_ if k in masks]
            spans = self._segments_of(t) if self.unit == "segment" else None
            for code in self.codes_:
                stack = np.array([masks[k][code] for k in present])
                differ = stack.any(axis=0) & ~stack.all(axis=0)
                for lo, hi in _runs(differ) if self.unit == "character" else (
                        (i, i + 1) for i in np.flatnonzero(differ)):
                    if self.unit == "segment":
                        start, end, seg = spans[lo]
                    else:
                        start, end, seg = int(lo), int(hi), None
                        if not any(ch.isalnum() for ch in t.text[start:end]):
                            continue  # a boundary off by a space or a full stop
                    yes = tuple(k for k, row in zip(present, stack)
                                if row[lo:hi].any())
                    no = tuple(k for k in present if k not in yes)
                    out.append(Disagreement(rid, code, int(start), int(end),
                                            t.line_of(int(start)), yes, no, seg))
        out.sort(key=lambda d: (d.respondent_id, d.start, d.code))
        return out

    # --- output -------------------------------------------------------------------------------
    def summary(self) -> dict:
        return {"unit": self.unit, "coders": list(self.coders_),
                "respondents": len(self.respondents_), "codes": len(self.codes_),
                "percent_agreement": self.percent_agreement_, "kappa": self.kappa_,
                "mean_kappa": self.mean_kappa_, "alpha": self.alpha_,
                "disagreements": len(self.disagreements_)}

    def disagreements_frame(self, quotes: bool = False) -> pd.DataFrame:
        rows = [d.as_row() for d in self.disagreements_]
        if quotes:
            for row in rows:
                row["passage"] = self._transcripts[row["respondent_id"]].text[
                    row["start"]:row["end"]]
        columns = ["respondent_id", "code", "start", "end", "line", "segment", "coded_by",
                   "not_coded_by"] + (["passage"] if quotes else [])
        return pd.DataFrame(rows, columns=columns)

    def to_csv(self, path: str | Path, quotes: bool = False) -> Path:
        """Write the disagreement list (no passage text unless ``quotes``) atomically."""
        path = Path(path)
        frame = self.disagreements_frame(quotes)
        return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False,
                                                            quoting=csv.QUOTE_MINIMAL))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/end (exclusive) of every run of True."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.view(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def agreement(codings: Iterable[Coding], transcripts: Iterable[Transcript], *,
              unit: str = "segment", coders: Sequence[str] | None = None
              ) -> IntercoderAgreement:
    """Shortcut: ``IntercoderAgreement(unit, coders).fit(codings, transcripts)``."""
    return IntercoderAgreement(unit=unit, coders=coders).fit(codings, transcripts)


__all__ = ["IntercoderAgreement", "Disagreement", "agreement", "kappa_from_counts",
           "cohen_kappa", "percent_agreement", "krippendorff_alpha", "coincidences",
           "alpha_from_coincidences", "UNITS"]
