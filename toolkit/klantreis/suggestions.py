"""Deductive coding suggestions from the codebook's cue patterns.

A cue is a sequence of lemmas that must occur in order within one sentence, with at most
``MAX_GAP`` other tokens between consecutive lemmas; ``toeslag*`` matches a lemma prefix.
Matching runs spaCy's ``Matcher`` on the lemmas of respondent turns only (the interviewer's
questions are not evidence). A match suggests the code for the whole sentence it is in.

Suggestions are never mixed with human codings: they carry ``origin="suggestion"`` and the
coder name ``SUGGESTION_CODER`` until a researcher accepts them (``CodingSession.accept``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .codebook import Codebook
from .errors import KlantreisError
from .models import Coding, Transcript

SUGGESTION_CODER = "suggesties"
MAX_GAP = 3


@dataclass(frozen=True)
class Cue:
    code: str
    text: str


def cue_pattern(cue: str) -> list[dict]:
    """Translate a cue ("wachten uitkering*") into a spaCy Matcher token pattern."""
    tokens = cue.lower().split()
    if not tokens:
        raise ValueError("lege cue")
    pattern: list[dict] = []
    for i, tok in enumerate(tokens):
        if i:
            # up to MAX_GAP tokens in between, never across a sentence start
            pattern.append({"IS_SENT_START": False, "OP": f"{{0,{MAX_GAP}}}"})
        if tok.endswith("*") and len(tok) > 1:
            spec = {"LEMMA": {"REGEX": "^" + _regex_escape(tok[:-1])}}
        else:
            spec = {"LEMMA": tok}
        if i:
            spec["IS_SENT_START"] = False
        pattern.append(spec)
    return pattern


def _regex_escape(text: str) -> str:
    import re
    return re.escape(text)


class DeductiveSuggester:
    """Suggest codes for respondent passages from the codebook's cues.

    >>> suggester = DeductiveSuggester(study.codebook)
    >>> suggestions = suggester.transform(study.transcripts)
    """

    def __init__(self, codebook: Codebook, nlp=None):
        from spacy.matcher import Matcher

        from .nlp import get_nlp

        self.codebook = codebook
        self.nlp = nlp or get_nlp()
        self.matcher = Matcher(self.nlp.vocab, validate=True)
        self.cues: dict[int, list[Cue]] = {}
        for code in codebook.codes:
            for cue in code.cues:
                try:
                    pattern = cue_pattern(cue)
                except ValueError:
                    raise KlantreisError(f"code '{code.id}' heeft een lege cue",
                                         codebook.path) from None
                self.matcher.add(code.id, [pattern])
        self._cue_texts = {c.id: c.cues for c in codebook.codes}

    def transform(self, transcripts: Iterable[Transcript]) -> list[Coding]:
        out: list[Coding] = []
        for transcript in transcripts:
            out.extend(self.suggest_transcript(transcript))
        return out

    def suggest_transcript(self, transcript: Transcript) -> list[Coding]:
        segments = transcript.respondent_segments
        docs = self.nlp.pipe((s.text for s in segments), batch_size=256)
        found: dict[tuple[str, int, int], Coding] = {}
        for segment, doc in zip(segments, docs):
            for match_id, start, _end in self.matcher(doc):
                code = self.nlp.vocab.strings[match_id]
                sent = doc[start].sent
                a = segment.start + sent.start_char
                b = segment.start + sent.end_char
                key = (code, a, b)
                if key not in found:
                    found[key] = Coding(
                        respondent_id=transcript.respondent_id, code=code, start=a, end=b,
                        coder=SUGGESTION_CODER, quote=transcript.text[a:b], origin="suggestion",
                        source_sha256=transcript.sha256,
                    )
        return _merge_adjacent(sorted(found.values(), key=lambda c: (c.code, c.start)),
                               transcript)


def _merge_adjacent(codings: list[Coding], transcript: Transcript) -> list[Coding]:
    """Join suggestions of one code in consecutive sentences into one passage."""
    merged: list[Coding] = []
    for c in codings:
        prev = merged[-1] if merged else None
        if (prev is not None and prev.code == c.code
                and transcript.text[prev.end:c.start].strip() == ""):
            prev.end = c.end
            prev.quote = transcript.text[prev.start:prev.end]
        else:
            merged.append(c)
    merged.sort(key=lambda c: (c.start, c.code))
    return merged


def suggest(study, transcripts: list[Transcript] | None = None) -> list[Coding]:
    """Suggestions for a whole study (used when it has no human codings yet)."""
    suggester = DeductiveSuggester(study.codebook)
    return suggester.transform(transcripts if transcripts is not None else study.transcripts)
