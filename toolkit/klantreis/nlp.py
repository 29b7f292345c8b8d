"""The Dutch text pipeline: tokens, sentences and lemmas, offline and fast.

``spacy.blank("nl")`` + ``sentencizer`` + ``lemmatizer`` (lookup mode, tables from
spacy-lookups-data, no download) + ``klantreis_lemmas``, which lower-cases lemmas and applies
``data/lemma_supplement.tsv`` (form<TAB>lemma): frequent interview words the lookup table
misses (irregular verbs such as *moest*, *werd*, *wist*; plurals such as *kinderen*) and the
domain words of this field (*bijstand*, *toeslag*...). Anonymization placeholders such as
``[PERSOON-1]`` stay one token.

The ``lemmatizer`` component is there for its lookup table (``nlp.initialize`` loads it from
spacy-lookups-data) and so that ``get_nlp()(text)`` is a complete, ordinary spaCy pipeline.
``klantreis_lemmas`` reads that same table itself (once, cached per word form) and sets
every lemma, so the toolkit runs the pipeline through ``_pipe`` with the lemmatizer
switched off (``FAST_DISABLE``): the same lemmas, without a second lookup per token (a test
checks the two agree). ``is_covered`` asks the component, not the table again.

spaCy's Dutch tokenizer keeps a long list of written abbreviations whole, period included;
the few that are everyday spoken words (``SPOKEN_WORDS``: *dat.*, *al.*, *me.*, *u.*, *ex.*,
*IND.*...) are dropped from it, so "Dat. Ik had geen bed." is two sentences and *ex* keeps
its lemma at the end of a sentence.

``process_segments`` masks stage directions ([lacht]) with spaces, so token offsets are
offsets into ``segment.text`` (add ``segment.start`` for the transcript) and no stage
direction ever becomes a lemma.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Iterable, Sequence

from .models import PLACEHOLDER_RE

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

    from .models import Segment

BATCH_SIZE = 256
# klantreis_lemmas does the lookup itself (cached), so the per-token lemmatizer can rest
FAST_DISABLE = ("lemmatizer",)
# tokenizer exceptions "X." (abbreviations) whose X is an everyday spoken word: at the end
# of a spoken sentence the period is a full stop, not part of the word
SPOKEN_WORDS = frozenset({"al", "app", "bel", "best", "dat", "ex", "hand", "ind", "kon", "me",
                          "ov", "pan", "pas", "red", "top", "u", "ver", "vol"})


@lru_cache(maxsize=1)
def load_supplement() -> dict[str, str]:
    """form -> lemma from the bundled supplement table (lower case)."""
    text = (resources.files("klantreis") / "data" / "lemma_supplement.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        form, _, lemma = line.partition("\t")
        form, lemma = form.strip().lower(), lemma.strip().lower()
        if form and lemma:
            table[form] = lemma
    return table


def _register() -> None:
    from spacy.language import Language

    if "klantreis_lemmas" in Language.factories:
        return

    @Language.factory("klantreis_lemmas")
    def make_lemmas(nlp: Language, name: str):
        return LemmaSupplement(nlp)


class LemmaSupplement:
    """Pipeline component: lemma = supplement, else the lookup table (the lemmatizer's own
    table, lower-cased form, as spaCy's Dutch lookup mode does), else the form; lower case.

    Works on whole arrays and caches per word form, so it is cheap enough to stand in for
    the ``lemmatizer`` component, which ``process_segments`` disables for speed (the
    result is the same; tests check that).
    """

    def __init__(self, nlp: "Language"):
        self.nlp = nlp
        self.supplement = load_supplement()
        self._cache: dict[int, int] = {}
        self._table = None
        self._lemma_set: frozenset[str] | None = None

    def __call__(self, doc: "Doc") -> "Doc":
        if not len(doc):
            return doc
        import numpy
        from spacy.attrs import LEMMA, ORTH

        cache = self._cache
        orths = doc.to_array(ORTH).tolist()
        lemmas = [cache.get(o) or self._miss(o) for o in orths]
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype="uint64").reshape(-1, 1))
        return doc

    def _miss(self, orth: int) -> int:
        strings = self.nlp.vocab.strings
        lemma = strings.add(self.lemma_of(strings[orth]))
        self._cache[orth] = lemma
        return lemma

    def lemma_of(self, text: str) -> str:
        if PLACEHOLDER_RE.fullmatch(text):
            return text
        low = text.lower()
        found = self.supplement.get(low)
        if found is not None:
            return found
        table = self._lookup()
        found = table.get(low) if table is not None else None
        if found is None:
            plain = strip_emphasis(low)       # "wéér", "míjn": stress, not spelling
            if plain != low:
                found = self.supplement.get(plain) or (table.get(plain) if table else None)
        return (found or low).lower()

    def _lookup(self):
        """The lemmatizer's lookup table (fetched once)."""
        if self._table is None and "lemmatizer" in self.nlp.component_names:
            lookups = self.nlp.get_pipe("lemmatizer").lookups
            if lookups.has_table("lemma_lookup"):
                self._table = lookups.get_table("lemma_lookup")
        return self._table

    def covers(self, word: str) -> bool:
        """Whether the lemma of ``word`` comes from the lookup table or the supplement (a
        form that is itself a known lemma counts: the lookup only lists changed forms)."""
        table = self._lookup()
        if self._lemma_set is None:
            self._lemma_set = frozenset(table.values()) if table is not None else frozenset()
        low = word.lower()
        for form in (low, strip_emphasis(low)):
            if form in self.supplement or form in self._lemma_set or (
                    table is not None and form in table):
                return True
        return False


_EMPHASIS = str.maketrans("áéíóú", "aeiou")


def strip_emphasis(word: str) -> str:
    """Remove acute accents written for stress (wéér -> weer); één stays een."""
    return word.translate(_EMPHASIS)


@lru_cache(maxsize=1)
def get_nlp() -> "Language":
    """The shared pipeline (built once per process; no downloads)."""
    import spacy
    from spacy.util import compile_prefix_regex

    _register()
    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup", "overwrite": True})
    nlp.add_pipe("klantreis_lemmas")
    try:
        nlp.initialize()
    except Exception as exc:  # spacy-lookups-data missing: an install problem
        from .errors import KlantreisError
        raise KlantreisError("de Nederlandse lemmatabel ontbreekt: installeer "
                             "'spacy-lookups-data' (zie README)") from exc
    # placeholders are one token: "[PERSOON-1]," -> "[PERSOON-1]" ","
    prefixes = [PLACEHOLDER_RE.pattern] + list(nlp.Defaults.prefixes or [])
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    # "dat." is not the abbreviation of "datief" in speech: split off the full stop
    nlp.tokenizer.rules = {form: attrs for form, attrs in nlp.tokenizer.rules.items()
                           if not (form.endswith(".") and form[:-1].lower() in SPOKEN_WORDS)}
    return nlp


def _pipe(texts: Iterable[str], batch_size: int = BATCH_SIZE):
    """The one way the toolkit runs the pipeline: ``klantreis_lemmas`` sets the lemmas, so
    the lemmatizer (whose table it reads) is switched off."""
    return get_nlp().pipe(texts, batch_size=batch_size, disable=FAST_DISABLE)


def lemmatize(text: str) -> list[str]:
    """Lemmas (lower case) of the words in ``text``, punctuation and spaces left out."""
    doc = next(iter(_pipe([text])))
    return [t.lemma_ for t in doc if not (t.is_punct or t.is_space)]


def masked_text(segment: "Segment") -> str:
    """``segment.text`` with stage directions replaced by spaces (same length)."""
    text = segment.text
    if not segment.stage_directions:
        return text
    chars = list(text)
    for sd in segment.stage_directions:
        a, b = sd.start - segment.start, sd.end - segment.start
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def process_segments(segments: Sequence["Segment"], batch_size: int = BATCH_SIZE) -> list["Doc"]:
    """One Doc per segment (nlp.pipe, batched); ``doc.user_data`` holds the segment key.

    Token ``idx`` + ``segment.start`` is the offset in ``Transcript.text``.
    """
    texts = (masked_text(s) for s in segments)
    docs = list(_pipe(texts, batch_size))
    for doc, seg in zip(docs, segments):
        doc.user_data["respondent_id"] = seg.respondent_id
        doc.user_data["segment_index"] = seg.index
        doc.user_data["offset"] = seg.start
    return docs


def process_texts(texts: Iterable[str], batch_size: int = BATCH_SIZE) -> list["Doc"]:
    return list(_pipe(texts, batch_size))


def is_covered(word: str) -> bool:
    """Whether the lemma of ``word`` comes from the lookup table or the supplement
    (a form that is itself a known lemma counts: the lookup only lists changed forms)."""
    return get_nlp().get_pipe("klantreis_lemmas").covers(word)


def lemma_counts(docs: Iterable["Doc"]) -> tuple[int, int]:
    """(covered, total) alphabetic tokens: ``lemma_coverage`` without the division, to add
    up over files (the import benchmark weighs files by their tokens)."""
    seen: dict[str, bool] = {}
    total = covered = 0
    for doc in docs:
        for t in doc:
            if not t.is_alpha:
                continue
            total += 1
            low = t.lower_
            hit = seen.get(low)
            if hit is None:
                hit = seen[low] = is_covered(low)
            covered += hit
    return covered, total


def lemma_coverage(docs: Iterable["Doc"]) -> float:
    """Share of alphabetic tokens whose lemma came from lookup or supplement."""
    covered, total = lemma_counts(docs)
    return covered / total if total else 1.0


def uncovered_words(docs: Iterable["Doc"]) -> dict[str, int]:
    """Alphabetic forms the lemma tables miss, with counts (to grow the supplement)."""
    from collections import Counter

    counts: Counter = Counter()
    for doc in docs:
        for t in doc:
            if t.is_alpha and not is_covered(t.lower_):
                counts[t.lower_] += 1
    return dict(counts.most_common())


__all__ = ["get_nlp", "lemmatize", "process_segments", "process_texts", "lemma_coverage",
           "lemma_counts", "uncovered_words", "masked_text", "load_supplement", "is_covered",
           "PLACEHOLDER_RE"]
