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

from .base import (
    ADRES,
    INSTELLING,
    PERSOON,
    PLAATS,
    PLACEHOLDER_RE,
    AnonymizationSettings,
    Detection,
)
from .lexicon import Lexicon, StudyLists, fold
from .names import (
    EMPLOY_RE,
    INTERFIX,
    ORG_AFTER,
    ORG_TYPES,
    TITLES,
    WORD_RE,
    NameFinder,
    Tok,
    language_cue_before,
    name_cue_before,
    place_cue_before,
    tokenize,
)
from .patterns import find_addresses, find_ages, find_identifiers

# Sources whose detections are trusted enough to teach the rest of the run a name.
_TEACHING = ("caps", "deny", "lower-name", "deduce:persoon", "deduce:patient", "label")
_WORD = re.compile(r"\w+")

# How a phrase list compares case (``PhraseIndex``).
IGNORE_CASE, EXACT_CASE, ACRONYMS_EXACT = "ignore", "exact", "acronyms"


class PhraseIndex:
    """Whole-phrase matching for a list of phrases (keep, shops, shelters, deny): whole
    words, any run of spaces or tabs between them, longest phrase first. Indexed by the
    first word, so a list of hundreds of phrases costs one dictionary look-up per word of
    the text (one big alternation regex is slow in Python's ``re``).

    ``case``: ``"ignore"`` (any case), ``"exact"`` (as written: "Fier" the organisation,
    not "fier" the adjective) or ``"acronyms"`` (any case, except short all-capital phrases
    such as OM or CZ, which must match their capitals).
    """

    def __init__(self, phrases: Iterable[str], case: str = ACRONYMS_EXACT):
        if case not in (IGNORE_CASE, EXACT_CASE, ACRONYMS_EXACT):
            raise ValueError(f"unknown case mode {case!r}")
        self._by_first: dict[str, list[tuple[int, re.Pattern]]] = {}
        for p in sorted({" ".join(p.split()) for p in phrases if p and p.strip()},
                        key=len, reverse=True):
            m = _WORD.search(p)
            if m is None:
                continue
            body = r"[ \t]+".join(re.escape(w) for w in p.split(" "))
            exact = case == EXACT_CASE or (case == ACRONYMS_EXACT and p.isupper() and len(p) <= 4)
            rx = re.compile(r"(?<![\w])" + body + r"(?![\w])", 0 if exact else re.I)
            # the phrase may start with punctuation ("'t Kikkertje"): index its first word
            self._by_first.setdefault(m.group(0).casefold(), []).append((m.start(), rx))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Non-overlapping (start, end) of the phrases in ``text``, left to right."""
        out: list[tuple[int, int]] = []
        end = -1
        index = self._by_first
        if not index:
            return out
        for w in _WORD.finditer(text):
            cands = index.get(w.group(0).casefold())
            if not cands:
                continue
            best = None
            for offset, rx in cands:
                start = w.start() - offset
                if start < 0 or start < end:
                    continue
                m = rx.match(text, start)
                if m is not None and (best is None or m.end() > best[1]):
                    best = (start, m.end())
            if best is not None:
                out.append(best)
                end = best[1]
        return out


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
            # and particles left hanging at the end ("Willemsen van het" + keep phrase)
            while len(words) > 1 and fold(words[-1]) in INTERFIX:
                b = a + len(text[a:b].rstrip()) - len(words[-1])    # drop the last word
                b = a + len(text[a:b].rstrip())                     # and the space before
                words.pop()
            out.append(Detection(a, b, d.label, text[a:b], d.source))
    return out


_PIECE_RE = re.compile(r"\S+")


def _trim_person(d: Detection, text: str) -> list[Detection]:
    """deduce's person spans run on over particles and sentence ends ("Mevrouw Willemsen
    van het", "Thijs op de Montessorischool", "Anouk. Anouk de"): cut them at a full stop
    and at lower-case words that are no name particle, and drop titles and particles at
    the edges. Other labels pass unchanged."""
    if d.label != PERSOON or not d.source.startswith("deduce"):
        return [d]
    pieces: list[list[tuple[int, int, str]]] = [[]]
    for m in _PIECE_RE.finditer(d.text):
        word = m.group(0)
        core = word.strip(".,;:!?")
        key = fold(core)
        if word[:1].islower() and key not in INTERFIX and not re.fullmatch(r"[a-z]\.?", word):
            pieces.append([])           # "op", "zegt": not part of a name
            continue
        pieces[-1].append((d.start + m.start(), d.start + m.start() + len(word.rstrip(".,;:!?")),
                           key))
        if word.endswith((".", "!", "?")) and len(core) > 2 and key not in TITLES:
            pieces.append([])           # "Anouk." ends a sentence
    out = []
    for words in pieces:
        while words and (words[0][2] in TITLES or words[0][2] in INTERFIX and len(words) > 1
                         and not text[words[0][0]:words[0][0] + 1].isupper()):
            words = words[1:]
        while words and (words[-1][2] in INTERFIX or words[-1][2] in TITLES):
            words = words[:-1]
        if words:
            s, e = words[0][0], words[-1][1]
            out.append(Detection(s, e, d.label, text[s:e], d.source))
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
    Only real placeholders (``[PERSOON-1]``, ``[DATUM]``) are skipped: text inside other
    square brackets (stage directions such as ``[belt met ...]``) is searched like the rest.
    """

    def __init__(self, settings: AnonymizationSettings | None = None,
                 lists: StudyLists | None = None, lexicon: Lexicon | None = None,
                 engine=None):
        self.settings = settings or AnonymizationSettings()
        self.lists = lists or StudyLists()
        self.lex = lexicon or Lexicon.load()
        if engine is None and self.settings.use_deduce:
            from .engine import shared_engine
            engine = shared_engine()
        self.engine = engine if self.settings.use_deduce else None
        keep = list(self.lex.keep) + list(self.lists.keep)
        # the study's own keep entries are meant literally
        self._study_keep = {fold(k) for k in self.lists.keep}
        # country names written with their accents ("Israël", not the name "Israel")
        self._exact_countries = {c for c in self.lex.country_phrases if not c.isascii()}
        if self.settings.keep_shelter_organisations:
            keep += self.lex.shelters
        if self.settings.keep_countries:
            keep += self.lex.country_phrases
        self._keep = PhraseIndex(keep, ACRONYMS_EXACT)
        self._shops = PhraseIndex(self.lex.organisations, ACRONYMS_EXACT)
        by_label: dict[str, list[str]] = {}
        for entry in self.lists.deny:
            by_label.setdefault(entry.label, []).append(entry.text)
        self._deny = {label: PhraseIndex(items, IGNORE_CASE) for label, items in by_label.items()}
        # case as written: "Fier" is an organisation, "fier" an adjective
        self._shelters = PhraseIndex(() if self.settings.keep_shelter_organisations
                                     else self.lex.shelters, EXACT_CASE)
        self.keep_domains = [k.lower() for k in self.lists.keep
                             if re.fullmatch(r"[\w.-]+\.[a-z]{2,}", k)]
        self.finder = NameFinder(self.lex, keep_countries=self.settings.keep_countries)

    # --- one text -----------------------------------------------------------------------
    def _scan(self, text: str) -> _Scan:
        placeholders = [m.span() for m in PLACEHOLDER_RE.finditer(text)]
        keep_spans = [sp for sp in self._keep.spans(text) if self._keep_applies(text, sp)]
        shops = [sp for sp in self._shops.spans(text) if self._shop_applies(text, sp)]
        toks = tokenize(text, placeholders + keep_spans + shops)
        scan = _Scan(text, toks, keep_spans=keep_spans)
        found: list[Detection] = []
        found += find_identifiers(text, self.keep_domains)
        found += [d for d in find_addresses(text) if self._plausible_street(d)]
        if not self.settings.keep_ages:
            found += find_ages(text)
        found += self.finder.find(text, toks)
        found += self._listed(text, shops)
        if self.engine is not None:
            tok_at = {t.start: t for t in toks}
            found += [piece for d in self.engine.find(text) for piece in _trim_person(d, text)
                      if self._plausible_deduce(piece, tok_at)]
        # keep phrases and shops win over names (not over deny entries, identifiers or
        # employers); nothing is found inside a placeholder
        fixed = {"deny", "shelter", "employer"}
        kept_phrases = sorted(keep_spans + shops)
        kept: list[Detection] = []
        for d in found:
            pieces = [d]
            if d.source not in fixed and d.label in (PERSOON, PLAATS, INSTELLING, ADRES):
                pieces = _subtract(d, kept_phrases, text)
            kept += [p for q in pieces for p in _subtract(q, placeholders, text)]
        scan.found = kept
        return scan

    def _listed(self, text: str, shops: list[tuple[int, int]]) -> list[Detection]:
        out = []
        for label, index in self._deny.items():
            out += [Detection(s, e, label, text[s:e], "deny") for s, e in index.spans(text)]
        out += [Detection(s, e, INSTELLING, text[s:e], "shelter")
                for s, e in self._shelters.spans(text)]
        # a shop or company that is someone's employer or school
        for s, e in shops:
            if EMPLOY_RE.search(text[max(0, s - 40):s]):
                out.append(Detection(s, e, INSTELLING, text[s:e], "employer"))
        return out

    def _keep_applies(self, text: str, span: tuple[int, int]) -> bool:
        """A keep word that is also a name ("Frans" the language or the man, "Pool" the
        nationality or the surname) stays only where it cannot be part of a name: not after
        a title or family word ("mevrouw Pool", "mijn broer Frans"); a first name needs a
        language cue before it ("spreekt Frans"); a surname may not stand next to another
        capitalised word ("Jan Pool")."""
        s, e = span
        word = text[s:e]
        key = fold(word)
        literal = key in self._study_keep
        single = " " not in word.strip()
        if single and word[:1].isupper() and not word.isupper() and not literal and \
                self._named_by_cue(text, s, key):
            return False    # "mevrouw Pool", "mijn broer Frans"
        if word[:1].isupper() and key in ORG_TYPES and \
                re.match(r" (?:[A-Z]|'[tT] )", text[e:e + 4]) and not literal:
            return False    # "Kinderopvang Het Zonnetje", "Thuiszorg Friesland Zuid"
        if key in ORG_AFTER and not literal:
            prev = re.search(r"([^\W\d_][\w'’-]*)[ \t]$", text[max(0, s - 40):s])
            if prev and prev.group(1)[:1].isupper() and \
                    fold(prev.group(1)) not in self.lex.stop and \
                    not re.search(r"(?:^|[.!?:]\s+)$", text[max(0, s - 41):s - len(prev.group(0))]):
                return False    # "Isala ziekenhuis": the type word is part of the name
        if not single or not word[:1].isupper():
            return True
        lex = self.lex
        if key in lex.countries and (word in self._exact_countries or place_cue_before(text, s)):
            return True     # "in Israël", "Israël" as written in the country list
        if key in lex.first_names and not literal:
            return language_cue_before(text, s)
        if key in lex.surnames and not literal:
            prev = re.search(r"([^\W\d_][\w'’-]*)[ \t]+$", text[max(0, s - 30):s])
            nxt = re.match(r"[ \t]+([^\W\d_][\w'’-]*)", text[e:e + 30])
            for m in (prev, nxt):
                if m is None:
                    continue
                w = m.group(1)
                if w[:1].isupper() and (fold(w) in lex.first_names or fold(w) in lex.surnames
                                        or not lex.is_word(fold(w))):
                    return False
                if fold(w) in INTERFIX and m is prev:
                    return False    # "van Turk"
        return True

    def _named_by_cue(self, text: str, start: int, key: str) -> bool:
        """A title before a word makes it a name ("mevrouw Pool", "meneer Coop"); a family
        word only when a name list knows the word ("mijn broer Frans", not "mijn dochter
        Nederlands leren")."""
        cue = name_cue_before(text, start)
        if cue == "title":
            return True
        return cue == "family" and (key in self.lex.first_names or key in self.lex.surnames)

    def _shop_applies(self, text: str, span: tuple[int, int]) -> bool:
        """A shop name that is also a person's name ("Dirk") only counts as the shop
        with an article in front ("bij de Dirk"), and never after a title or family word
        ("meneer Coop", "mevrouw Flink")."""
        key = fold(text[span[0]:span[1]])
        if text[span[0]:span[0] + 1].isupper() and self._named_by_cue(text, span[0], key):
            return False
        if key in self.lex.first_names or key in self.lex.surnames:
            return bool(re.search(r"\b(?:de|het)[ \t]+$", text[max(0, span[0] - 6):span[0]], re.I))
        return True

    def _plausible_street(self, d: Detection) -> bool:
        if re.search(r"\d", d.text):
            return True
        words = d.text.split()
        return not (len(words) == 1 and self.lex.is_word(fold(words[0])))

    def _plausible_deduce(self, d: Detection, tok_at: dict[int, Tok]) -> bool:
        """deduce is tuned for medical letters: drop its hits on ordinary spoken words."""
        words = [fold(w) for w in WORD_RE.findall(d.text)]
        if not words:
            return False
        if d.label == ADRES and not re.search(r"\d", d.text):
            named = [w for w in words if w not in INTERFIX]     # "de wijk" is no street
            return len(named) > 1 or bool(named) and not self.lex.is_word(named[0])
        content = [w for w in words if w not in INTERFIX]
        if content and all(w in self.lex.common for w in content):
            return False
        if d.text[:1].islower() and all(self.lex.is_word(w) for w in content):
            return False
        if all(w in TITLES for w in content):
            return False        # "dr" alone: the name after it is ours to find
        if len(content) == 1 and d.label == PERSOON:
            # sentence-initial single word: same rule as our own finder
            tok = tok_at.get(d.start)
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
                words = WORD_RE.findall(d.text)
                caps = [w for w in words if w[:1].isupper()]
                for w in words:
                    k = fold(w)
                    # the last of two or more capitalised words is a surname position
                    multi = len(caps) >= 2 and w == caps[-1] and k not in lex.stop
                    if len(k) < 3 or k in INTERFIX or k in lex.places or k in lex.countries:
                        continue
                    if k in lex.common and d.source != "caps-cue":
                        continue
                    # an ordinary word that happened to be capitalised ("Volgens",
                    # "Nieuwe") teaches nothing; a name-list word or a non-word does
                    # ("Anna Kracht" teaches "Kracht": a full name is good evidence)
                    if not multi and d.source != "caps-cue" and lex.is_word(k) and \
                            k not in lex.first_names and \
                            k not in lex.surnames and k not in lex.interfix_surnames and \
                            lex.diminutive_base(k) is None:
                        continue
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
