"""What the report counts and cites, computed from the data (never typed in by hand).

- ``interview_facts``: number of interviews, face-to-face / telephone / video, interpreters,
  a supervisor present, locations; from the respondent table (columns ``wijze``, ``tolk``,
  ``locatie``) when it has them, else from the transcript headers and speaker roles.
- ``finding_evidence``: "n van N respondenten" per finding (a respondent counts when coded
  with any of the finding's codes), 1-2 quotes from different respondents, and a flag when
  the evidence is weak.
- ``QuoteRegistry``: every quote in the report gets a number ([Q1], [Q2], ...) and a trace
  to respondent, transcript file, line and character offsets for the evidence annex.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..models import Coding, Transcript
from ..quotes import STAGE_DIRECTION, quote_text

WEAK_MIN_RESPONDENTS = 3
WEAK_MIN_SHARE = 0.20
QUOTE_MIN, QUOTE_MAX = 40, 280

_NUMBER_WORDS = ("nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht",
                 "negen", "tien", "elf", "twaalf", "dertien", "veertien", "vijftien",
                 "zestien", "zeventien", "achttien", "negentien", "twintig")


def number_word(n: int, capital: bool = False) -> str:
    """Dutch words for small counts ("zestien"), digits from 21 on (house style)."""
    word = _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)
    if not capital or not word:
        return word
    if word == "\u00e9\u00e9n":
        return "E\u00e9n"          # Taalunie: the first accent goes with the capital
    return word[0].upper() + word[1:]


def n_van_n(n: int, total: int, noun: str = "respondenten") -> str:
    return f"{n} van {total} {noun}".strip()


def clean_quote(text: str, limit: int = QUOTE_MAX) -> str:
    """A passage as the report quotes it (``klantreis.quotes.quote_text``)."""
    return quote_text(text, limit)


# --- interviews ------------------------------------------------------------------------

@dataclass
class InterviewFacts:
    """Counts for "Aanpak op hoofdlijnen"; ``*_source`` says where a count came from."""

    interviews: int
    modes: Counter = field(default_factory=Counter)        # face-to-face, telefonisch, ...
    mode_source: str = ""
    interpreter: int = 0
    interpreter_source: str = ""
    supervisor: int = 0                                     # a speaker with role "other"
    locations: Counter = field(default_factory=Counter)    # opvang, thuis, ...
    location_source: str = ""
    respondents_without_transcript: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """The counts as Dutch sentences, in the order of the reference study."""
        n = self.interviews
        parts = [f"Er zijn {number_word(n)} interviews gehouden."]
        modes = [(k, v) for k, v in self.modes.most_common() if k != "onbekend"]
        if len(modes) == 1 and modes[0][1] == n:
            parts.append(f"Alle interviews waren {modes[0][0]}.")
        elif modes:
            parts.append("Daarvan waren " + join_nl(f"{number_word(v)} {k}" for k, v in modes)
                         + ".")
        if self.modes.get("onbekend"):
            parts.append(f"Van {number_word(self.modes['onbekend'])} interview(s) is niet "
                         f"vastgelegd hoe het is afgenomen.")
        locs = [(k, v) for k, v in self.locations.most_common() if k != "onbekend"]
        if locs:
            text = join_nl(f"{number_word(v)} {k}" for k, v in locs)
            verb = "vond" if locs[0][1] == 1 else "vonden"
            first, rest = text.split(" ", 1)
            parts.append(f"{first.capitalize()} {'interview' if locs[0][1] == 1 else 'interviews'}"
                         f" {verb} plaats {rest}.")
        parts.append(_count_sentence(self.interpreter, "een tolk"))
        parts.append(_supervisor_sentence(self.supervisor))
        return " ".join(p for p in parts if p)


def join_nl(items: Iterable[str]) -> str:
    """'a, b en c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _count_sentence(n: int, what: str) -> str:
    if n == 0:
        return f"Geen enkel interview is met {what} gehouden."
    if n == 1:
        return f"Eén interview is met {what} gehouden."
    return f"{number_word(n, capital=True)} interviews zijn met {what} gehouden."


def _supervisor_sentence(n: int) -> str:
    if n == 0:
        return "Bij geen enkel interview was een begeleider aanwezig."
    if n == 1:
        return "Bij één interview was een begeleider aanwezig."
    return f"Bij {number_word(n)} interviews was een begeleider aanwezig."


def _column(attrs: Mapping[str, Any], *names: str) -> Any:
    lowered = {str(k).lower(): v for k, v in attrs.items()}
    for name in names:
        if name in lowered and lowered[name] not in (None, ""):
            return lowered[name]
    return None


def classify_mode(value: Any) -> str:
    text = str(value or "").lower()
    if not text:
        return "onbekend"
    if "telefo" in text or "gebeld" in text:
        return "telefonisch"
    if any(w in text for w in ("video", "beeldbel", "teams", "zoom", "online")):
        return "via video"
    return "face-to-face"


def classify_location(value: Any) -> str:
    """Where an interview was held, as the study wrote it (placeholders left out); only
    'at home' is recognised, because every study has it and words for it vary."""
    text = " ".join(re.sub(r"\[[^\]]*\]", " ", str(value or "")).lower().split())
    if not text:
        return "onbekend"
    if "thuis" in text or "woning" in text or "huis" in text:
        return "bij de respondent thuis"
    return text


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    return bool(text) and text not in ("nee", "no", "false", "0", "geen", "n")


def interview_facts(transcripts: Sequence[Transcript],
                    table_ids: Iterable[str] = ()) -> InterviewFacts:
    """Count what the method section reports, from the data."""
    facts = InterviewFacts(interviews=len(transcripts))
    have_mode = all(_column(t.attributes, "wijze") is not None for t in transcripts)
    have_tolk = all(_column(t.attributes, "tolk") is not None for t in transcripts)
    have_loc = all(_column(t.attributes, "locatie") is not None for t in transcripts)
    facts.mode_source = "respondententabel" if have_mode and transcripts else "transcriptkoppen"
    facts.interpreter_source = "respondententabel" if have_tolk and transcripts else \
        "sprekersrollen"
    facts.location_source = "respondententabel" if have_loc and transcripts else \
        "transcriptkoppen"
    for t in transcripts:
        roles = {s.role for s in t.segments}
        header = {str(k).lower(): v for k, v in (t.header or {}).items()}
        mode = _column(t.attributes, "wijze") if have_mode else header.get("wijze")
        facts.modes[classify_mode(mode)] += 1
        if have_tolk:
            facts.interpreter += int(_truthy(_column(t.attributes, "tolk")))
        else:
            facts.interpreter += int("interpreter" in roles)
        if "other" in roles:
            facts.supervisor += 1
        loc = _column(t.attributes, "locatie") if have_loc else header.get("locatie")
        facts.locations[classify_location(loc)] += 1
    ids = {t.respondent_id for t in transcripts}
    facts.respondents_without_transcript = sorted(set(table_ids) - ids)
    return facts


# --- quotes ----------------------------------------------------------------------------

@dataclass
class QuoteRef:
    """A numbered quote and where it comes from (``transcript.text[start:end]``)."""

    label: str                 # "Q3"
    respondent_id: str
    file: str                  # the transcript's file name
    line: int | None
    start: int
    end: int
    code: str
    text: str                  # what the report prints (cleaned, maybe shortened)
    used_in: list[str] = field(default_factory=list)


class QuoteRegistry:
    """Numbers quotes in the order they appear; the same passage keeps its number."""

    def __init__(self, transcripts: Sequence[Transcript]):
        self.texts = {t.respondent_id: t for t in transcripts}
        self.quotes: list[QuoteRef] = []
        self._by_span: dict[tuple, QuoteRef] = {}

    def passage(self, respondent_id: str, start: int, end: int, fallback: str = "") -> str:
        t = self.texts.get(respondent_id)
        if t is not None and 0 <= start < end <= len(t.text):
            return t.text[start:end]
        return fallback

    def add(self, respondent_id: str, start: int, end: int, code: str, used_in: str,
            text: str | None = None) -> QuoteRef:
        key = (respondent_id, start, end)
        ref = self._by_span.get(key)
        if ref is None:
            t = self.texts.get(respondent_id)
            shown = text if text is not None else clean_quote(
                self.passage(respondent_id, start, end))
            ref = QuoteRef(label=f"Q{len(self.quotes) + 1}", respondent_id=respondent_id,
                           file=t.path.name if t is not None else "",
                           line=t.line_of(start) if t is not None else None,
                           start=start, end=end, code=code, text=shown)
            self.quotes.append(ref)
            self._by_span[key] = ref
        if used_in not in ref.used_in:
            ref.used_in.append(used_in)
        return ref

    def __len__(self) -> int:
        return len(self.quotes)

    def spans(self) -> set[tuple[str, int, int]]:
        """(respondent, start, end) of every quote so far (to avoid repeating one)."""
        return set(self._by_span)


def pick_quotes(codings: Sequence[Coding], codes: Sequence[str], texts: Mapping[str, Transcript],
                n: int = 2, valence_of=None, exclude: set | None = None) -> list[Coding]:
    """Up to ``n`` passages from different respondents that carry the codes well.

    Order: the finding's first codes first; strong valence; a readable length (neither a
    fragment nor a page); then respondent and offset so the choice is stable."""
    order = {c: i for i, c in enumerate(codes)}
    cands = []
    exclude = exclude or set()
    for c in codings:
        if c.code not in order or (c.respondent_id, c.start, c.end) in exclude:
            continue
        t = texts.get(c.respondent_id)
        raw = t.text[c.start:c.end] if t is not None and 0 <= c.start < c.end <= len(t.text) \
            else c.quote
        cleaned = " ".join(STAGE_DIRECTION.sub("", raw or "").split())
        if len(cleaned) < QUOTE_MIN:
            continue
        strength = abs(valence_of(c)) if valence_of else 0
        fit = 0 if len(cleaned) <= QUOTE_MAX else 1
        cands.append(((order[c.code], fit, -strength, abs(len(cleaned) - 150) // 50,
                       c.respondent_id, c.start), c))
    cands.sort(key=lambda x: x[0])
    chosen: list[Coding] = []
    seen: set[str] = set()
    for _, c in cands:
        if c.respondent_id in seen:
            continue
        chosen.append(c)
        seen.add(c.respondent_id)
        if len(chosen) >= n:
            break
    return chosen


# --- findings --------------------------------------------------------------------------

def is_weak(n: int, total: int, min_respondents: int = WEAK_MIN_RESPONDENTS,
            min_share: float = WEAK_MIN_SHARE) -> bool:
    """Weak evidence: fewer than ``min_respondents`` or less than ``min_share`` of N."""
    return n < min_respondents or (total > 0 and n / total < min_share)


@dataclass
class FindingEvidence:
    finding: Any                       # klantreis.findings.Finding
    respondents: list[str]             # respondents coded with any of its codes
    total: int                         # N
    codings: list[Coding]              # every supporting passage
    quotes: list[QuoteRef] = field(default_factory=list)
    weak: bool = False

    @property
    def n(self) -> int:
        return len(self.respondents)

    @property
    def n_van_n(self) -> str:
        return n_van_n(self.n, self.total)


def finding_evidence(finding, codings: Sequence[Coding], transcripts: Sequence[Transcript],
                     registry: QuoteRegistry, *, total: int | None = None, n_quotes: int = 2,
                     weak_min: int = WEAK_MIN_RESPONDENTS, weak_share: float = WEAK_MIN_SHARE,
                     valence_of=None) -> FindingEvidence:
    """Count and cite one finding; quotes are registered under "Bevinding <id>"."""
    codes = list(finding.codes)
    known = {t.respondent_id for t in transcripts}
    support = [c for c in codings if c.code in set(codes)
               and (not known or c.respondent_id in known)]
    support.sort(key=lambda c: (c.respondent_id, c.start, c.end, c.code))
    respondents = sorted({c.respondent_id for c in support})
    total = len(transcripts) if total is None else total
    ev = FindingEvidence(finding=finding, respondents=respondents, total=total,
                         codings=support,
                         weak=is_weak(len(respondents), total, weak_min, weak_share))
    texts = {t.respondent_id: t for t in transcripts}
    for c in pick_quotes(support, codes, texts, n_quotes, valence_of, registry.spans()):
        ev.quotes.append(registry.add(c.respondent_id, c.start, c.end, c.code,
                                      f"Bevinding: {finding.title}"))
    return ev


def respondents_coded(codings: Iterable[Coding], codes: Iterable[str]) -> list[str]:
    wanted = set(codes)
    return sorted({c.respondent_id for c in codings if c.code in wanted})


__all__ = ["InterviewFacts", "interview_facts", "QuoteRef", "QuoteRegistry", "pick_quotes",
           "FindingEvidence", "finding_evidence", "is_weak", "number_word", "n_van_n",
           "clean_quote", "classify_mode", "classify_location", "respondents_coded",
           "WEAK_MIN_RESPONDENTS", "WEAK_MIN_SHARE"]
