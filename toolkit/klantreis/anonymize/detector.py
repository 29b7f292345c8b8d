"""All recognisers together: patterns, names, the study's lists and deduce.

``Detector.detect_many(texts)`` is the entry point for a run: it detects in every text and
then looks once more for names seen anywhere in the run (a name found mid-sentence in one
file is also caught at the start of a sentence, in lower case, or in another file).
Overlapping detections are merged into one span (nothing partly visible), labelled by the
most specific recogniser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .base import (ADRES, INSTELLING, LEEFTIJD, PERSOON, PLACEHOLDER_RE, PLAATS,
                   AnonymizationSettings, Detection)
from .lexicon import Lexicon, StudyLists, fold
from .names import INTERFIX, WORD_RE, NameFinder, Tok, tokenize
from .patterns import find_addresses, find_ages, find_identifiers

_BRACKETED = re.compile(r"\[[^\]\n]{1,60}\]")
# Sources whose detections are trusted enough to teach the rest of the run a name.
_TEACHING = ("caps", "deny", "lower-name", "deduce:persoon", "deduce:patient", "label")


def _phrase_regex(phrases: Iterable[str], case_sensitive_short: bool = True) -> re.Pattern | None:
    """One regex for a list of phrases: whole words, flexible spaces, any case except
    for short acronyms (OM, CZ) which must match their capitals."""
    loose, strict = set(), set()
    for p in phrases:
        p = " ".join(p.split())
        if not p:
            continue
        body = r"[ \t]+".join(re.escape(w) for w in p.split(" "))
        if case_sensitive_short and p.isupper() and len(p) <= 4:
            strict.add(body)
        else:
            loose.add(body)
    parts = []
    if loose:
        parts.append("(?i:" + "|".join(sorted(loose, key=len, reverse=True)) + ")")
    if strict:
        parts.append("(?:" + "|".join(sorted(strict, key=len, reverse=True)) + ")")
    if not parts:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])")


def _spans(rx: re.Pattern | None, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in rx.finditer(text)] if rx is not None else []


def _subtract(d: Detection, spans: Sequence[tuple[int, int]], text: str) -> list[Detection]:
    """The parts of a detection outside the given spans (keep phrases)."""
    pieces = [(d.start, d.end)]
    for s, e in spans:
        if e <= d.start or s >= d.end:
            continue
        nxt = []
        for a, b in pieces:
            if e <= a or s >= b:
                nxt.append((a, b))
                continue
            if a < s:
                nxt.append((a, s))
            if e < b:
                nxt.append((e, b))
        pieces = nxt
    out = []
    for a, b in pieces:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip(" \t-,.'"))
        trail = len(seg) - len(seg.rstrip(" \t-,.'"))
        a, b = a + lead, b - trail
        if b > a and re.search(r"\w", text[a:b]):
            # drop a dangling particle left after trimming ("gemeente van" -> nothing)
            words = text[a:b].split()
            if all(fold(w) in INTERFIX for w in words):
                continue
            out.append(Detection(a, b, d.label, text[a:b], d.source))
    return out


def resolve(detections: Iterable[Detection], text: str) -> list[Detection]:
    """Merge overlapping detections into one span per cluster, split at line breaks."""
    items = sorted(detections, key=lambda d: (d.start, -d.end))
    out: list[Detection] = []
    cluster: list[Detection] = []
    end = -1

    def flush():
        if not cluster:
            return
        best = max(cluster, key=lambda d: (_priority(d), d.end - d.start))
        s = min(d.start for d in cluster)
        e = max(d.end for d in cluster)
        for a, b in _line_pieces(text, s, e):
            out.append(Detection(a, b, best.label, text[a:b], best.source))

    for d in items:
        if d.end <= d.start:
            continue
        if cluster and d.start < end:
            cluster.append(d)
            end = max(end, d.end)
        else:
            flush()
            cluster = [d]
            end = d.end
    flush()
    return out


def _priority(d: Detection) -> int:
    # deduce's street list without a house number also holds names of schools and
    # buildings ("De Regenboog"): any other label for the same words is more precise.
    if d.source == "deduce:straat":
        return 10
    return d.priority


def _line_pieces(text: str, s: int, e: int) -> list[tuple[int, int]]:
    pieces = []
    a = s
    while True:
        nl = text.find("\n", a, e)
        if nl < 0:
            pieces.append((a, e))
            break
        pieces.append((a, nl))
        a = nl + 1
    return [(a, b) for a, b in pieces if text[a:b].strip()]


@dataclass
class _Scan:
    text: str
    toks: list[Tok]
    found: list[Detection] = field(default_factory=list)
    keep_spans: list[tuple[int, int]] = field(default_factory=list)


class Detector:
    """Finds personal data in transcripts (and in report text).

    ``settings`` come from ``study.yaml: anonymization``; ``lists`` are the study's
    keep/deny lists; ``use_deduce=False`` skips deduce (faster start, lower recall).
    """

    def __init__(self, settings: AnonymizationSettings | None = None,
                 lists: StudyLists | None = None, lexicon: Lexicon | None = None,
                 engine=None, extra_keep: Iterable[str] = ()):
        self.settings = settings or AnonymizationSettings()
        self.lists = lists or StudyLists()
        self.lex = lexicon or Lexicon.load()
        if engine is None and self.settings.use_deduce:
            from .engine import shared_engine
            engine = shared_engine()
        self.engine = engine if self.settings.use_deduce else None
        keep = list(self.lex.keep) + list(self.lists.keep) + list(extra_keep)
        if self.settings.keep_shelter_organisations:
            keep += self.lex.shelters
        if self.settings.keep_countries:
            keep += self.lex.country_phrases
        self._keep_rx = _phrase_regex(keep)
        self._soft_rx = _phrase_regex(self.lex.organisations)
        self._deny_rx = {}
        for entry in self.lists.deny:
            self._deny_rx.setdefault(entry.label, []).append(entry.text)
        self._deny_rx = {label: _phrase_regex(items, case_sensitive_short=False)
                         for label, items in self._deny_rx.items()}
        self._shelter_rx = None
        if not self.settings.keep_shelter_organisations:
            # case-sensitive: "Fier" is an organisation, "fier" an adjective
            body = "|".join(sorted((re.escape(s) for s in self.lex.shelters), key=len,
                                   reverse=True))
            self._shelter_rx = re.compile(r"(?<![\w])(?:" + body + r")(?![\w])") if body else None
        self.keep_domains = [k.lower() for k in self.lists.keep if re.fullmatch(r"[\w.-]+\.[a-z]{2,}", k)]
        self.finder = NameFinder(self.lex, keep_countries=self.settings.keep_countries)

    # --- one text -----------------------------------------------------------------------
    def _scan(self, text: str) -> _Scan:
        placeholders = [m.span() for m in PLACEHOLDER_RE.finditer(text)]
        bracketed = [m.span() for m in _BRACKETED.finditer(text)]
        keep_spans = _spans(self._keep_rx, text)
        soft = [sp for sp in _spans(self._soft_rx, text) if self._soft_applies(text, sp)]
        toks = tokenize(text, placeholders + bracketed + keep_spans + soft)
        scan = _Scan(text, toks, keep_spans=keep_spans)
        found: list[Detection] = []
        found += find_identifiers(text, self.keep_domains)
        found += [d for d in find_addresses(text) if self._plausible_street(d)]
        if not self.settings.keep_ages:
            found += find_ages(text)
        found += self.finder.find(text, toks)
        found += self._listed(text, soft)
        if self.engine is not None:
            found += [d for d in self.engine.find(text) if self._plausible_deduce(d, toks)]
        # keep phrases win over names (not over deny entries, identifiers or employers)
        fixed = {"deny", "shelter", "employer"}
        protected = sorted(placeholders + bracketed)
        kept: list[Detection] = []
        for d in found:
            pieces = [d]
            if d.source not in fixed and d.label in (PERSOON, PLAATS, INSTELLING, ADRES):
                pieces = _subtract(d, keep_spans, text)
                if d.source != "employer":
                    pieces = [p for q in pieces for p in _subtract(q, soft, text)]
            pieces = [p for q in pieces for p in _subtract(q, protected, text)]
            kept.extend(pieces)
        scan.found = kept
        return scan

    def _listed(self, text: str, soft: list[tuple[int, int]]) -> list[Detection]:
        out = []
        for label, rx in self._deny_rx.items():
            if rx is not None:
                out += [Detection(m.start(), m.end(), label, m.group(0), "deny")
                        for m in rx.finditer(text)]
        if self._shelter_rx is not None:
            out += [Detection(m.start(), m.end(), INSTELLING, m.group(0), "shelter")
                    for m in self._shelter_rx.finditer(text)]
        # a shop or company that is someone's employer or school
        from .names import EMPLOY_RE
        for s, e in soft:
            before = text[max(0, s - 40):s]
            if EMPLOY_RE.search(before):
                out.append(Detection(s, e, INSTELLING, text[s:e], "employer"))
        return out

    def _soft_applies(self, text: str, span: tuple[int, int]) -> bool:
        """A shop name that is also a person's name ("Dirk") only counts as the shop
        with an article in front ("bij de Dirk")."""
        key = fold(text[span[0]:span[1]])
        if key in self.lex.first_names or key in self.lex.surnames:
            return bool(re.search(r"\b(?:de|het)[ \t]+$", text[max(0, span[0] - 6):span[0]], re.I))
        return True

    def _plausible_street(self, d: Detection) -> bool:
        if re.search(r"\d", d.text):
            return True
        words = d.text.split()
        return not (len(words) == 1 and self.lex.is_word(fold(words[0])))

    def _plausible_deduce(self, d: Detection, toks: list[Tok]) -> bool:
        """deduce is tuned for medical letters: drop its hits on ordinary spoken words."""
        words = [fold(w) for w in WORD_RE.findall(d.text)]
        if not words:
            return False
        if d.label == ADRES and not re.search(r"\d", d.text):
            return len(words) > 1 or not self.lex.is_word(words[0])
        content = [w for w in words if w not in INTERFIX]
        if content and all(w in self.lex.common for w in content):
            return False
        if d.text[:1].islower() and all(self.lex.is_word(w) for w in content):
            return False
        if len(content) == 1 and d.label == PERSOON:
            # sentence-initial single word: same rule as our own finder
            tok = next((t for t in toks if t.start == d.start), None)
            if tok is not None and tok.initial and not tok.label and \
                    not self.finder._initial_is_name(tok):
                return False
        return True

    # --- a run of texts -------------------------------------------------------------------
    def detect(self, text: str) -> list[Detection]:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str], progress=None) -> list[list[Detection]]:
        scans = []
        iterator = progress(texts) if progress is not None else texts
        for text in iterator:
            scans.append(self._scan(text))
        known = self._known_names(scans)
        results = []
        for scan in scans:
            extra = self._propagate(scan, known) if known else []
            results.append(resolve(scan.found + extra, scan.text))
        return results

    def _known_names(self, scans: list[_Scan]) -> set[str]:
        lex = self.lex
        known: set[str] = set()
        for scan in scans:
            for d in scan.found:
                if d.label != PERSOON or not d.source.startswith(_TEACHING):
                    continue
                for w in WORD_RE.findall(d.text):
                    k = fold(w)
                    if len(k) >= 3 and k not in INTERFIX and k not in lex.common and \
                            k not in lex.places and k not in lex.countries:
                        known.add(k)
        return known

    def _propagate(self, scan: _Scan, known: set[str]) -> list[Detection]:
        out = []
        lex = self.lex
        for t in scan.toks:
            if t.blocked or t.key not in known:
                continue
            if not t.cap and lex.is_word(t.key):
                continue     # "roos" the flower, unless written as a name
            out.append(Detection(t.start, t.end, PERSOON, t.text, "known-name"))
        return out
