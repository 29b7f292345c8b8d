"""The plain data that flows between the stages.

transcripts -> segments -> codings -> profiles -> personas -> journeys -> report.
Every stage takes and returns these dataclasses (or pandas frames built from them),
so each module can be used and tested on its own.

Offsets: ``start``/``end`` are character offsets (end exclusive) into ``Transcript.text``,
the text as read: decoded, with CR/LF and lone CR normalized to LF. A quote is always
``transcript.text[start:end]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

ROLES = ("interviewer", "respondent", "interpreter", "other")

# An anonymization placeholder in the text: [PERSOON-1], [PLAATS-2], [DATUM], [TELEFOON].
# It is anonymized speech, never a stage direction; the tokenizer keeps it one token.
PLACEHOLDER_RE = re.compile(r"\[[A-Z][A-Z_]*(?:-\d+)?\]")


@dataclass
class StageDirection:
    """A stage direction such as [lacht], [stilte] or (lacht): recorded, not speech
    (the rule: ``transcripts.STAGE_DIRECTION_RE``)."""

    text: str
    start: int
    end: int


def speech_text(text: str, offset: int, stage_directions: Iterable[StageDirection]) -> str:
    """``text`` (a passage starting at ``offset`` in the transcript) without its stage
    directions, whitespace collapsed; ``text`` unchanged when it has none."""
    sds = list(stage_directions)
    if not sds:
        return text
    out, pos = [], offset
    for sd in sds:
        out.append(text[pos - offset: sd.start - offset])
        pos = sd.end
    out.append(text[pos - offset:])
    return " ".join(" ".join(out).split())


@dataclass
class Segment:
    """One speaker turn (the passage unit for coding)."""

    respondent_id: str
    index: int                 # position of the turn in the transcript, 0-based
    speaker: str               # the label as written ("I", "Jeske", "Speaker 1")
    role: str                  # one of ROLES
    start: int                 # offset of the speech text in Transcript.text
    end: int
    text: str                  # == transcript.text[start:end], stage directions included
    line: int                  # 1-based line of the turn in the stored text
    timestamp: str | None = None
    interpreted: bool = False  # interpreter rendering the respondent's answer
    stage_directions: list[StageDirection] = field(default_factory=list)

    @property
    def speech(self) -> str:
        """The spoken words without stage directions (``text`` itself when it has none)."""
        return speech_text(self.text, self.start, self.stage_directions)

    @property
    def word_count(self) -> int:
        """Spoken words (stage directions left out)."""
        return len(self.speech.split())

    @property
    def is_respondent_voice(self) -> bool:
        return self.role == "respondent" or (self.role == "interpreter" and self.interpreted)


@dataclass
class Transcript:
    respondent_id: str
    path: Path
    text: str                              # the stored text that offsets point into
    sha256: str                            # hash of the raw file bytes
    format: str                            # txt, md, docx, vtt, srt
    encoding: str                          # utf-8, utf-8-sig, cp1252, ...
    header: dict[str, str] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def respondent_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.is_respondent_voice]

    @property
    def word_count(self) -> int:
        """Spoken words of all turns (stage directions such as [lacht] not counted)."""
        return sum(s.word_count for s in self.segments)

    @property
    def respondent_word_count(self) -> int:
        """Spoken words in the respondent's voice (her turns and the interpreter's renderings)."""
        return sum(s.word_count for s in self.respondent_segments)

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1


@dataclass
class Code:
    id: str
    name: str
    category: str
    definition: str = ""
    use_when: str = ""
    not_when: str = ""
    examples: list[str] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)      # lemma phrases for suggestions
    phases: list[str] = field(default_factory=list)    # journey phase ids
    valence: int = 0                                   # -3 (pain) .. +3 (high)
    organisations: list[str] = field(default_factory=list)


@dataclass
class Category:
    id: str
    name: str
    description: str = ""
    color: str = "#888888"
    codes: list[Code] = field(default_factory=list)


@dataclass
class Relation:
    source: str        # category id
    target: str        # category id
    kind: str          # oorzaak, context, strategie, gevolg, ...
    note: str = ""


@dataclass
class Coding:
    """A passage of a transcript tagged with a code by a coder (or a suggester)."""

    respondent_id: str
    code: str
    start: int
    end: int
    coder: str
    quote: str = ""
    memo: str = ""
    valence: int | None = None     # overrides the code's default valence
    phase: str | None = None       # overrides the code's default phase
    origin: str = "human"          # human | suggestion | accepted-suggestion | import
    id: int | None = None
    source_sha256: str = ""


@dataclass
class Persona:
    id: str
    name: str
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)  # archetype expectations
    codes: list[str] = field(default_factory=list)             # characteristic codes
    needs: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    color: str = ""            # "" = the persona stage picks a palette colour
    quote: str = ""                                             # an invented line in her voice
    respondents: list[str] = field(default_factory=list)        # filled by the persona stage

    def _repr_html_(self) -> str:  # Jupyter
        from .display import persona_html
        return persona_html(self)


@dataclass
class Step:
    id: str
    name: str
    organisations: list[str] = field(default_factory=list)
    description: str = ""
    short: str = ""            # a label of a word or two for charts; derived when empty

    @property
    def label(self) -> str:
        return self.short or short_label(self.name)


def short_label(name: str, limit: int = 18) -> str:
    """The first words of ``name`` that fit in ``limit`` characters (whole words only)."""
    words, out = name.split(), ""
    for w in words:
        candidate = f"{out} {w}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    if not out:                        # one long word: cut it, visibly
        return name[: limit - 1] + "\u2026"
    return out if out == name else out.rstrip(",;:") + "\u2026"


@dataclass
class Phase:
    id: str
    name: str
    steps: list[Step] = field(default_factory=list)
    description: str = ""


@dataclass
class Journey:
    id: str
    name: str
    phases: list[Phase] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    code_map: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> {phase, step}
    path: Path | None = None

    def phase_ids(self) -> list[str]:
        return [p.id for p in self.phases]

    def _repr_html_(self) -> str:  # Jupyter
        from .display import journey_html
        return journey_html(self)
