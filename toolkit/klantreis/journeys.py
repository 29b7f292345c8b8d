"""Journeys and heartbeats: how a persona's journey felt, computed from coded evidence.

The heartbeat is the curve the Kloosterhoeveberaad remembers: per persona, per moment of
the journey, how positive or negative the women's experience was, where it hurt
(pijnpunten) and where it lifted (hoogtepunten). Nothing is invented: a moment without
coded passages is ``None`` ("geen gegevens"), never zero.

    >>> hb = compute_heartbeat(journey, codebook, codings, {"R01": "tessa"},
    ...                        transcripts, persona_id="tessa")
    >>> hb.to_frame()
    >>> print(to_mermaid(journey, hb))

Where a coding sits in the journey (``coding_moment``):

1. ``coding.phase`` (a coder's override), else
2. ``journey.code_map[code]`` (phase and/or step), else
3. the code's ``phases`` from the codebook: one phase -> that phase; several -> the
   candidate (in journey order) whose slot matches the passage's relative position in its
   interview: ``start / len(transcript.text)`` split into equal bins over the candidates
   (interviews follow the journey roughly chronologically).

The step comes from ``code_map`` when it belongs to the chosen phase; otherwise the
coding counts at phase level ("algemeen"). Valence: ``coding.valence`` if set, else the
code's default (``code.valence``).

Moments are disjoint evidence buckets in journey order: per phase first the phase-level
bucket (codings that know only their phase), then one bucket per step. ``Heartbeat.phases``
summarises each phase over all of its evidence.

Two coders on the same passage count once (``unique_codings``); a passage is read with
``passage_text`` (offsets checked against the transcript).

Only this module's study helper (``heartbeats_for_study``) touches a study folder; the core
works on plain data. The assignments file is read by ``klantreis.personas``
(``read_assignments``, also importable from here).
"""
from __future__ import annotations

import base64
import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .codebook import Codebook
from .errors import KlantreisError
from .models import Coding, Journey, Transcript
from .quotes import quote_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .study import Study

POSITIVE, NEUTRAL, NEGATIVE, NO_DATA = "positief", "neutraal", "negatief", "geen gegevens"
THRESHOLD = 0.5          # |score| >= 0.5 leaves "neutraal"
DEFAULT_DESIRED = 2      # desired valence when a recommendation does not say
QUOTE_CHARS = 160
TOP = 3


# --- small helpers ------------------------------------------------------------------------

def level_of(score: float | None) -> str:
    """The 3-level Dutch scale (VNG klantreizen): positief / neutraal / negatief."""
    if score is None:
        return NO_DATA
    if score >= THRESHOLD:
        return POSITIVE
    if score <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL


def source_note(source: str) -> str:
    """What a figure says about its codings: nothing for human codings; machine
    suggestions (all, or for the interviews not coded yet) are always said."""
    if source == "suggestions":
        return "op basis van machinesuggesties (niet beoordeeld)"
    if source == "mixed":
        return "deels op basis van machinesuggesties (nog niet alle interviews gecodeerd)"
    return ""


def trim_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """A passage as the heartbeat and poster quote it (``klantreis.quotes.quote_text``)."""
    return quote_text(text, limit)


def coding_key(coding: Coding) -> int | str:
    """A coding's id, or (codings not yet in the store) a stable text key."""
    if coding.id is not None:
        return coding.id
    return f"{coding.respondent_id}:{coding.start}-{coding.end}:{coding.code}"


def unique_codings(codings: Iterable[Coding]) -> list[Coding]:
    """One coding per (respondent, code, span), in input order: two coders on the same
    passage count once (personas, heartbeats and posters all count this way)."""
    seen, out = set(), []
    for c in codings:
        key = (c.respondent_id, c.code, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def passage_text(transcript: Transcript | None, coding: Coding) -> str:
    """The coded passage, ``transcript.text[start:end]``, when the offsets lie inside the
    transcript; otherwise (no transcript, offsets from another version of it) the quote the
    coding carries, or "" -- never a slice of the wrong text."""
    if transcript is not None:
        text = transcript.text
        if 0 <= coding.start < coding.end <= len(text):
            return text[coding.start:coding.end]
    return coding.quote or ""


def _step_phase(journey: Journey) -> dict[str, str]:
    return {s.id: p.id for p in journey.phases for s in p.steps}


def coding_moment(journey: Journey, codebook: Codebook, coding: Coding,
                  text_length: int | None = None) -> tuple[str, str | None] | None:
    """``(phase, step or None)`` of a coding in this journey, or None when it has no place.

    ``text_length`` is ``len(transcript.text)``; without it a code with several candidate
    phases goes to the first one in journey order.
    """
    phase_ids = journey.phase_ids()
    step_phase = _step_phase(journey)
    mapped = journey.code_map.get(coding.code) or {}
    map_step = mapped.get("step")
    map_phase = mapped.get("phase") or (step_phase.get(map_step) if map_step else None)
    if coding.phase:
        phase = coding.phase if coding.phase in phase_ids else None
    elif map_phase:
        phase = map_phase
    else:
        try:
            code = codebook.code(coding.code)
        except KeyError:
            return None
        candidates = [p for p in phase_ids if p in code.phases]   # journey order
        if not candidates:
            phase = None
        elif len(candidates) == 1 or not text_length:
            phase = candidates[0]
        else:
            rel = min(max(coding.start / text_length, 0.0), 1.0)
            phase = candidates[min(int(rel * len(candidates)), len(candidates) - 1)]
    if phase is None:
        return None
    step = map_step if map_step and step_phase.get(map_step) == phase else None
    return phase, step


def _weighted_score(by_respondent: Mapping[str, list[float]]) -> float | None:
    """Mean per respondent, then over respondents weighted by sqrt(n passages), clipped."""
    num = den = 0.0
    for values in by_respondent.values():
        if not values:
            continue
        w = math.sqrt(len(values))
        num += w * (sum(values) / len(values))
        den += w
    if den == 0:
        return None
    return max(-3.0, min(3.0, num / den))


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """Read a field from a dict or an object (findings may come as either)."""
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


# --- the data -----------------------------------------------------------------------------

@dataclass
class Quote:
    """A real coded passage: ``text`` is ``trim_quote(transcript.text[start:end])``."""

    text: str
    respondent_id: str
    start: int
    end: int
    code: str
    valence: float
    coding_id: int | str | None = None


@dataclass
class Moment:
    """One moment of the journey for one persona (phase, and step where known)."""

    phase: str
    step: str | None
    name: str                       # step name, or the phase name at phase level
    phase_name: str
    score: float | None = None      # -3..+3, None = geen gegevens
    n_respondents: int = 0
    n_passages: int = 0
    evidence: list[int | str] = field(default_factory=list)      # coding ids
    respondents: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)               # most frequent first
    organisations: list[str] = field(default_factory=list)
    desired: float | None = None    # after the recommendations that answer it
    recommendations: list[str] = field(default_factory=list)     # their ids
    quotes: list[Quote] = field(default_factory=list, repr=False)  # all evidence passages

    @property
    def level(self) -> str:
        return level_of(self.score)

    @property
    def has_data(self) -> bool:
        return self.score is not None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.phase, self.step

    @property
    def label(self) -> str:
        return self.name if self.step else f"{self.phase_name} (algemeen)"


@dataclass
class KeyMoment:
    """A pain point (P1..) or high point (H1..): a moment carried by a real quote."""

    label: str                      # "P1", "H2"
    kind: str                       # "pijnpunt" | "hoogtepunt"
    moment: Moment
    quote: Quote | None
    n: int                          # respondents of the persona with evidence here
    total: int                      # respondents of the persona (N)

    @property
    def score(self) -> float:
        return float(self.moment.score)

    @property
    def n_van_n(self) -> str:
        return f"{self.n} van {self.total}"


@dataclass
class Heartbeat:
    """A persona's heartbeat over one journey (see the module docstring for the rules).

    Score of a moment: for each respondent of the persona with coded passages there,
    ``v_r`` = mean valence of her passages (``n_r`` of them); the moment's score is
    ``sum(sqrt(n_r) * v_r) / sum(sqrt(n_r))``, clipped to -3..+3. Each woman counts, and one
    who said more about a moment counts more, but not proportionally (a talkative
    respondent cannot outweigh the others). ``level``: >= +0.5 positief, <= -0.5 negatief.
    """

    persona: str
    journey: str
    persona_name: str = ""
    total: int = 0                  # N: respondents assigned to this persona
    study_total: int = 0            # respondents assigned to any persona
    moments: list[Moment] = field(default_factory=list)
    phases: list[Moment] = field(default_factory=list)       # per-phase summaries
    pain_points: list[KeyMoment] = field(default_factory=list)
    high_points: list[KeyMoment] = field(default_factory=list)
    recommendations: list[dict] = field(default_factory=list)  # the ones that apply
    n_passages: int = 0             # passages of this persona placed in the journey
    n_unplaced: int = 0             # passages of this persona without a place in it
    color: str = "#0072B2"
    source: str = ""                # "human" | "mixed" | "suggestions"
    journey_obj: Journey | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.persona_name or self.persona

    @property
    def has_desired(self) -> bool:
        return any(m.recommendations for m in self.moments)

    def moment(self, phase: str, step: str | None = None) -> Moment:
        for m in self.moments:
            if m.key == (phase, step):
                return m
        raise KeyError((phase, step))

    def phase(self, phase: str) -> Moment:
        for m in self.phases:
            if m.phase == phase:
                return m
        raise KeyError(phase)

    def key_moments(self) -> list[KeyMoment]:
        return self.pain_points + self.high_points

    def to_frame(self) -> "pd.DataFrame":
        """One row per moment, Dutch column names (for Excel and the report)."""
        import pandas as pd
        marks: dict[tuple, str] = {}
        for km in self.key_moments():
            marks[km.moment.key] = km.label
        rows = []
        for m in self.moments:
            rows.append({
                "persona": self.name,
                "fase": m.phase_name,
                "stap": m.name if m.step else "",
                "score": None if m.score is None else round(m.score, 2),
                "niveau": m.level,
                "gewenst": None if m.desired is None else round(m.desired, 2),
                "respondenten": m.n_respondents,
                "van": self.total,
                "passages": m.n_passages,
                "markering": marks.get(m.key, ""),
                "codes": ", ".join(m.codes),
                "organisaties": ", ".join(m.organisations),
                "aanbevelingen": ", ".join(m.recommendations),
            })
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:  # Jupyter: table plus the figure
        from html import escape
        frame = self.to_frame().drop(columns=["persona"])
        head = (f"<h4>Heartbeat {escape(self.name)} ({self.total} respondenten, "
                f"{self.n_passages} passages)</h4>")
        img = ""
        if self.journey_obj is not None and any(m.has_data for m in self.moments):
            from .heartbeat import plot_heartbeat
            fig = plot_heartbeat(self, self.journey_obj, None)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=100)
            img = (f'<img style="max-width:100%" src="data:image/png;base64,'
                   f'{base64.b64encode(buf.getvalue()).decode()}"/>')
        return head + img + frame.to_html(index=False, na_rep="geen gegevens")


# --- the computation ----------------------------------------------------------------------

def _transcript_map(transcripts) -> dict[str, Transcript]:
    if transcripts is None:
        return {}
    if isinstance(transcripts, Mapping):
        return dict(transcripts)
    return {t.respondent_id: t for t in transcripts}


def _org_order(journey: Journey, orgs: Iterable[str]) -> list[str]:
    known = {o: i for i, o in enumerate(journey.organisations)}
    uniq = list(dict.fromkeys(orgs))
    return sorted(uniq, key=lambda o: (known.get(o, len(known)), o.lower()))


def _normalise_recommendations(recommendations, findings) -> list[dict]:
    """Recommendations as dicts with the set of code ids they answer."""
    by_finding = {str(_get(f, "id")): list(_get(f, "codes", []) or []) for f in findings or []}
    out = []
    for r in recommendations or []:
        codes: set[str] = set()
        for a in _get(r, "answers", []) or []:
            codes.update(by_finding.get(str(a), [str(a)]))
        desired = _get(r, "desired_valence")
        out.append({"id": str(_get(r, "id", "")), "text": str(_get(r, "text", "") or ""),
                    "kind": str(_get(r, "kind", "") or ""),
                    "desired_valence": DEFAULT_DESIRED if desired is None else desired,
                    "codes": codes})
    return out


def compute_heartbeat(journey: Journey, codebook: Codebook, codings: Iterable[Coding],
                      assignments: Mapping[str, str], transcripts=None, *,
                      persona_id: str | None = None, persona_name: str | None = None,
                      recommendations=None, findings=None, color: str | None = None,
                      top: int = TOP, quote_chars: int = QUOTE_CHARS,
                      source: str = "") -> Heartbeat:
    """The heartbeat of one persona over ``journey`` (rules: module and ``Heartbeat`` docs).

    ``assignments`` maps respondent id -> persona id; ``transcripts`` (list or dict by
    respondent) give the quote text and the relative position for codes with several
    phases (without them, ``coding.quote`` is used). ``recommendations`` are dicts or
    objects with ``id, text, answers, desired_valence, kind``; ``findings`` (``id, codes``)
    resolve answers that name a finding. A moment whose codes a recommendation answers gets
    ``desired = max(score, desired_valence or +2)``; other moments keep their score.
    Codings of two coders on the same passage count once (``unique_codings``).
    """
    if persona_id is None:
        personas = sorted(set(assignments.values()))
        if len(personas) != 1:
            raise KlantreisError("geef persona_id: de toewijzing bevat "
                                 f"{len(personas)} persona's")
        persona_id = personas[0]
    members = sorted(r for r, p in assignments.items() if p == persona_id)
    member_set = set(members)
    texts = _transcript_map(transcripts)

    # every bucket of the journey, in order: phase level first, then its steps
    moments: dict[tuple, Moment] = {}
    for p in journey.phases:
        moments[(p.id, None)] = Moment(p.id, None, p.name, p.name)
        for s in p.steps:
            moments[(p.id, s.id)] = Moment(p.id, s.id, s.name, p.name,
                                           organisations=list(s.organisations))
    values: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    phase_values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    placed: dict[tuple, list[tuple[Coding, int | str, float]]] = defaultdict(list)
    n_unplaced = 0
    for c in unique_codings(codings):
        if c.respondent_id not in member_set or c.code not in codebook:
            continue
        t = texts.get(c.respondent_id)
        where = coding_moment(journey, codebook, c, len(t.text) if t is not None else None)
        if where is None:
            n_unplaced += 1
            continue
        v = float(codebook.valence_of(c))
        values[where][c.respondent_id].append(v)
        phase_values[where[0]][c.respondent_id].append(v)
        placed[where].append((c, coding_key(c), v))

    recs = _normalise_recommendations(recommendations, findings)
    for key, m in moments.items():
        items = placed.get(key, [])
        m.score = _weighted_score(values.get(key, {}))
        m.n_respondents = len(values.get(key, {}))
        m.n_passages = len(items)
        m.respondents = sorted(values.get(key, {}))
        m.evidence = [k for _, k, _ in items]
        m.codes = _codes_by_support(items)
        code_orgs = [o for c, _, _ in items for o in codebook.code(c.code).organisations]
        m.organisations = _org_order(journey, m.organisations + code_orgs)
        m.quotes = [_quote(c, k, v, texts, quote_chars) for c, k, v in items]
        if m.score is not None:
            answered = [r for r in recs if r["codes"] & set(m.codes)]
            m.desired = m.score
            if answered:
                m.desired = max(m.score, max(float(r["desired_valence"]) for r in answered))
                m.recommendations = [r["id"] for r in answered]

    summaries = []
    for p in journey.phases:
        inner = [m for (ph, _), m in moments.items() if ph == p.id]
        s = Moment(p.id, None, p.name, p.name)
        s.score = _weighted_score(phase_values.get(p.id, {}))
        s.respondents = sorted(phase_values.get(p.id, {}))
        s.n_respondents = len(s.respondents)
        s.n_passages = sum(m.n_passages for m in inner)
        s.evidence = [e for m in inner for e in m.evidence]
        s.codes = _codes_by_support([x for m in inner for x in placed.get(m.key, [])])
        s.organisations = _org_order(journey, [o for m in inner for o in m.organisations])
        s.quotes = [q for m in inner for q in m.quotes]
        s.recommendations = list(dict.fromkeys(r for m in inner for r in m.recommendations))
        if s.score is not None:
            desired = [m.desired for m in inner if m.desired is not None]
            s.desired = max(s.score, sum(desired) / len(desired)) if s.recommendations else s.score
        summaries.append(s)

    ordered = list(moments.values())
    hb = Heartbeat(persona=persona_id, journey=journey.id,
                   persona_name=persona_name or persona_id, total=len(members),
                   study_total=len(assignments), moments=ordered, phases=summaries,
                   n_passages=sum(m.n_passages for m in ordered), n_unplaced=n_unplaced,
                   color=color or "#0072B2", source=source, journey_obj=journey)
    hb.pain_points = _key_moments(ordered, "pijnpunt", top, len(members))
    hb.high_points = _key_moments(ordered, "hoogtepunt", top, len(members))
    used = {r for m in ordered for r in m.recommendations}
    hb.recommendations = [dict(r, codes=sorted(r["codes"])) for r in recs if r["id"] in used]
    return hb


def _codes_by_support(items: list[tuple[Coding, Any, float]]) -> list[str]:
    """Distinct codes, those coded for most respondents first."""
    who: dict[str, set[str]] = defaultdict(set)
    count: Counter = Counter()
    for c, _, _ in items:
        who[c.code].add(c.respondent_id)
        count[c.code] += 1
    return sorted(who, key=lambda k: (-len(who[k]), -count[k], k))


def _quote(c: Coding, key, valence: float, texts: dict[str, Transcript], chars: int) -> Quote:
    raw = passage_text(texts.get(c.respondent_id), c)
    return Quote(text=trim_quote(raw, chars), respondent_id=c.respondent_id, start=c.start,
                 end=c.end, code=c.code, valence=valence, coding_id=key)


def best_quote(moment: Moment, sign: int) -> Quote | None:
    """The passage that carries a moment: the strongest valence of the right sign; then the
    code most respondents share there; then a length near the quote limit (little cut)."""
    support = {code: i for i, code in enumerate(moment.codes)}
    cands = [q for q in moment.quotes if q.text and q.valence * sign > 0]
    if not cands:
        return None

    def rank(q: Quote):
        length = q.end - q.start
        return (-q.valence * sign, support.get(q.code, 99), abs(min(length, 400) - 120) // 40,
                q.respondent_id, q.start)
    return min(cands, key=rank)


def min_support(total: int) -> int:
    """Respondents a pain or high point needs: one voice is an anecdote, not a moment that
    carries a persona (two when the persona stands for four or more respondents)."""
    return 2 if total >= 4 else 1


def _key_moments(moments: list[Moment], kind: str, top: int, total: int) -> list[KeyMoment]:
    sign = -1 if kind == "pijnpunt" else 1
    order = {m.key: i for i, m in enumerate(moments)}
    cands = [m for m in moments if m.score is not None and m.score * sign >= THRESHOLD
             and m.n_respondents >= min_support(total)]
    cands.sort(key=lambda m: (-m.score * sign, -m.n_respondents, order[m.key]))
    prefix = "P" if sign < 0 else "H"
    return [KeyMoment(label=f"{prefix}{i}", kind=kind, moment=m, quote=best_quote(m, sign),
                      n=m.n_respondents, total=total)
            for i, m in enumerate(cands[:top], 1)]


def compute_heartbeats(journey: Journey, codebook: Codebook, codings: Iterable[Coding],
                       assignments: Mapping[str, str], transcripts=None, *,
                       personas: Iterable[Any] = (), **kwargs) -> list[Heartbeat]:
    """One heartbeat per persona in ``assignments``, in the order of ``personas`` (objects
    or dicts with ``id``, ``name``, ``color``; the persona stage's ``result.personas``).
    A persona without a name is named by its id; every heartbeat gets its own colour: the
    persona's, or (none, or one another persona already has) the next free Okabe-Ito
    colour (``klantreis.colours.distinct``)."""
    from .colours import distinct
    codings = list(codings)
    personas = list(personas)
    info = {str(_get(p, "id")): p for p in personas}
    order = [str(_get(p, "id")) for p in personas]
    ids = [p for p in order if p in set(assignments.values())]
    ids += sorted(set(assignments.values()) - set(ids))
    colours = distinct([_get(info[pid], "color") if pid in info else None for pid in ids])
    out = []
    for pid, colour in zip(ids, colours):
        p = info.get(pid)
        out.append(compute_heartbeat(journey, codebook, codings, assignments, transcripts,
                                     persona_id=pid,
                                     persona_name=_get(p, "name") if p is not None else None,
                                     color=colour, **kwargs))
    return out


# --- Mermaid ------------------------------------------------------------------------------

_MERMAID_BAD = re.compile(r"[#:;,\n\r{}]+")


def _mm(text: str) -> str:
    return " ".join(_MERMAID_BAD.sub(" ", str(text)).split()) or "-"


def mermaid_score(score: float) -> int:
    """-3..+3 -> 1..5 (Mermaid journey scores): 3 exactly when the level is neutraal
    (|score| < 0.5), 2/4 up to |score| < 1.75, 1/5 beyond."""
    if abs(score) < THRESHOLD:
        return 3
    steps = 1 if abs(score) < 1.75 else 2
    return int(3 + math.copysign(steps, score))


def to_mermaid(journey: Journey, heartbeat: Heartbeat | list[Heartbeat]) -> str:
    """A Mermaid ``journey`` diagram: sections = phases, tasks = moments with evidence
    (score 1..5), actors = the persona and the organisations in contact. Several
    heartbeats give one task per persona per moment (actors = personas)."""
    hbs = heartbeat if isinstance(heartbeat, list) else [heartbeat]
    names = ", ".join(hb.name for hb in hbs)
    lines = ["journey", f"    title {_mm(journey.name)} - {_mm(names)}"]
    for p in journey.phases:
        lines.append(f"    section {_mm(p.name)}")
        for hb in hbs:
            rows = [m for m in hb.moments if m.phase == p.id and m.has_data]
            if not rows:
                lines.append(f"        %% {_mm(hb.name)}: geen gegevens")
            for m in rows:
                task = _mm(m.label) + (f" ({_mm(hb.name)})" if len(hbs) > 1 else "")
                actors = [_mm(hb.name)] + ([_mm(o) for o in m.organisations]
                                           if len(hbs) == 1 else [])
                lines.append(f"        {task}: {mermaid_score(m.score)}: {', '.join(actors)}")
    return "\n".join(lines) + "\n"


# --- study helpers (the CLI and the pipeline) ---------------------------------------------

def read_assignments(path: str | Path, study_arg: str = "STUDY") -> dict[str, str]:
    """``personas/assignments.csv`` -> respondent -> persona id. The reader lives next to
    the writer (``klantreis.personas.read_assignments``); this name keeps working."""
    from .personas import read_assignments as read
    return read(path, study_arg)


def study_recommendations(study: "Study") -> tuple[list, list]:
    """(recommendations, findings) from findings.yaml; both empty when it is absent."""
    if not (study.root / study.config.findings).exists():
        return [], []
    f = study.findings
    return list(f.recommendations), list(f.findings)


@dataclass
class StudyHeartbeats:
    """What the heartbeat and poster commands (and the pipeline) work from."""

    journey: Journey
    heartbeats: list[Heartbeat]
    source: str                    # human | mixed | suggestions
    n_codings: int
    unknown_respondents: list[str] = field(default_factory=list)


def heartbeats_for_study(study: "Study", *, journey_id: str | None = None,
                         codings: list[Coding] | None = None, source: str | None = None,
                         assignments: Mapping[str, str] | None = None,
                         transcripts: list[Transcript] | None = None,
                         personas: Iterable[Any] | None = None) -> StudyHeartbeats:
    """Heartbeats of every assigned persona, from the study's codings and assignments.

    ``personas``: the personas the assignments refer to (the persona stage's
    ``PersonaResult.personas``: names, colours and order, also for clusters without an
    archetype). Without it: the study's archetypes (``study.personas``); a persona id they
    do not know keeps its id as name and gets a free palette colour."""
    journey = study.journey
    if journey_id is not None:
        found = [j for j in study.journeys if j.id == journey_id]
        if not found:
            known = ", ".join(j.id for j in study.journeys) or "geen"
            raise KlantreisError(f"klantreis '{journey_id}' bestaat niet (bekend: {known})",
                                 study.root / "journeys")
        journey = found[0]
    if assignments is None:
        from .errors import display_path
        from .personas import ASSIGNMENTS_FILE
        from .personas import read_assignments as read
        assignments = read(study.root / ASSIGNMENTS_FILE, display_path(study.root))
    if transcripts is None:
        transcripts = study.transcripts
    if codings is None:
        from .coding import codings_for_analysis
        codings, source = codings_for_analysis(study, transcripts=transcripts)
    known = {t.respondent_id for t in transcripts}
    unknown = sorted(r for r in assignments if r not in known)
    recs, finds = study_recommendations(study)
    hbs = compute_heartbeats(journey, study.codebook, codings, assignments, transcripts,
                             personas=study.personas if personas is None else personas,
                             recommendations=recs, findings=finds,
                             source=source or "")
    return StudyHeartbeats(journey, hbs, source or "", len(codings), unknown)


def __getattr__(name: str):
    # ``journeys.ASSIGNMENTS_FILE`` keeps working; the one definition is in personas
    if name == "ASSIGNMENTS_FILE":
        from .personas import ASSIGNMENTS_FILE
        return ASSIGNMENTS_FILE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Heartbeat", "Moment", "KeyMoment", "Quote", "compute_heartbeat",
           "compute_heartbeats", "coding_moment", "unique_codings", "passage_text",
           "level_of", "trim_quote", "source_note",
           "best_quote", "to_mermaid", "mermaid_score", "read_assignments",
           "heartbeats_for_study", "study_recommendations", "StudyHeartbeats",
           "POSITIVE", "NEUTRAL", "NEGATIVE", "NO_DATA"]
