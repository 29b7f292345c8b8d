"""Word lists for the anonymizer: names, places, organisations and ordinary Dutch words.

Sources, all offline:
* deduce's own lookup lists (first names, surnames, Dutch place names, interfixes, its
  common-word and stop-word whitelists), read from the installed package;
* the lists bundled in ``klantreis/data/anonymize/`` (keep, shelters, countries with
  nationality adjectives, inhabitants and languages, extra first names, neighbourhoods and
  cities abroad, shops and employers, spoken Dutch words in common_words.txt, and in
  dutch_words.txt the adverbs, conjunctions and particles spaCy's tables lack);
* the Dutch lemma tables of ``spacy-lookups-data`` (lookup, index and the irregular forms)
  and spaCy's Dutch stop words as a large vocabulary of ordinary words, plus the generated
  pronominal adverbs ("erin", "daarmee"). spaCy's tables also list most first names as
  nouns: a first name is an ordinary word only when an explicit list has it (common_words,
  dutch_words, deduce's common words) or it is an inflected adjective or verb form of one.
  The vocabulary only decides whether a word at the start of a sentence or in lower case is
  a name; a capitalised word in mid-sentence is a name unless ``common`` (or a keep phrase)
  says otherwise;
* the study's ``anonymization/keep.txt`` and ``deny.txt`` (see ``StudyLists``).

Everything is folded to lower case without accents for lookup (``fold``).
"""
from __future__ import annotations

import gzip
import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import InputError


@lru_cache(maxsize=262_144)
def fold(text: str) -> str:
    """Lower case without accents and with single spaces: the key for every lookup."""
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def data_dir() -> Path:
    return Path(str(resources.files("klantreis") / "data" / "anonymize"))


def read_list(path: Path, split_words: bool = False) -> list[str]:
    """Entries of a list file: one a line (or separated by spaces), '#' starts a comment."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"lijst kan niet worden gelezen ({exc.strerror})", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.extend(line.split() if split_words else [line])
    return out


def _deduce_lookup_dir() -> Path | None:
    # Only deduce's data folder is needed: find it without importing deduce, whose import
    # switches the root logger to DEBUG on stdout (engine.py undoes that where it loads it).
    import importlib.util
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.origin:  # pragma: no cover - deduce is a dependency
        return None
    base = Path(spec.origin).parent / "data" / "lookup"
    return base if base.is_dir() else None


def _deduce_items(base: Path | None, sub: str) -> set[str]:
    """items.txt (recursively) minus exceptions.txt of one deduce list, without transforms."""
    if base is None:
        return set()
    folder = base / "src" / sub
    items: set[str] = set()
    for path in sorted(folder.rglob("items.txt")):
        exc_path = path.with_name("exceptions.txt")
        found = {l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()}
        if exc_path.exists():
            found -= {l.strip() for l in exc_path.read_text(encoding="utf-8").splitlines()}
        items |= found
    return items


def _spacy_vocab() -> tuple[set[str], set[str], set[str]]:
    """Every Dutch word form in spaCy's lemma tables (lower case), and the adjective and
    verb lemmas of its index; empty sets without spacy-lookups-data."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover
        return set(), set(), set()
    base = Path(spacy_lookups_data.__file__).parent / "data"
    words: set[str] = set()
    try:
        with gzip.open(base / "nl_lemma_lookup.json.gz", "rt", encoding="utf-8") as fh:
            table = json.load(fh)
        words.update(table)
        words.update(table.values())
        with gzip.open(base / "nl_lemma_index.json.gz", "rt", encoding="utf-8") as fh:
            index = json.load(fh)
        for forms in index.values():
            words.update(forms)
        # the irregular forms per part of speech (adverbs such as "d'rin" -> "erin")
        with gzip.open(base / "nl_lemma_exc.json.gz", "rt", encoding="utf-8") as fh:
            for table in json.load(fh).values():
                for form, lemmas in table.items():
                    words.add(form)
                    words.update(lemmas)
    except (OSError, ValueError):  # pragma: no cover - broken install: fall back to lists
        return set(), set(), set()
    return ({fold(w) for w in words}, {fold(w) for w in index.get("adj", ())},
            {fold(w) for w in index.get("verb", ())})


def _spacy_stop_words() -> set[str]:
    try:
        from spacy.lang.nl.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover
        return set()
    return {fold(w) for w in STOP_WORDS}


# Pronominal adverbs: er/daar/hier/waar + preposition ("erin", "daarmee", "waarover").
_PRONOMINAL_HEADS = ("er", "daar", "hier", "waar")
_PRONOMINAL_TAILS = ("aan", "achter", "af", "bij", "binnen", "boven", "buiten", "door", "heen",
                     "in", "langs", "mee", "na", "naar", "naast", "om", "omheen", "onder",
                     "op", "over", "tegen", "tegenaan", "toe", "tussen", "uit", "van",
                     "vandaan", "voor", "zonder", "onderdoor", "overheen", "tegenover")


def pronominal_adverbs() -> set[str]:
    return {h + t for h in _PRONOMINAL_HEADS for t in _PRONOMINAL_TAILS}


@dataclass
class Lexicon:
    """Folded word sets; build once with ``Lexicon.load()`` (cached per process)."""

    first_names: set[str] = field(default_factory=set)
    surnames: set[str] = field(default_factory=set)
    interfix_surnames: set[str] = field(default_factory=set)   # "Vries" of "de Vries"
    places: set[str] = field(default_factory=set)              # towns, neighbourhoods, abroad
    countries: set[str] = field(default_factory=set)
    country_phrases: list[str] = field(default_factory=list)  # as written (for keep matching)
    common: set[str] = field(default_factory=set)              # never a name at sentence start
    vocab: set[str] = field(default_factory=set)               # any ordinary Dutch word form
    stop: set[str] = field(default_factory=set)                # function words (never a surname)
    keep: list[str] = field(default_factory=list)              # phrases as written
    shelters: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)     # shops/employers (soft keep)
    _word_cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> "Lexicon":
        return _load_lexicon()

    def is_word(self, key: str) -> bool:
        """An ordinary Dutch word: the common list, the vocabulary, or a regular inflection
        of a vocabulary word ("vrouwen", "speelt", "mooie", "huisje"). First names are no
        ordinary words unless an explicit word list has them (see ``_load_lexicon``)."""
        if key in self.common or key in self.vocab:
            return True
        hit = self._word_cache.get(key)
        if hit is None:
            if key in self.first_names:
                # "jans", "emma's": a name with an ending stays a name
                hit = False
            else:
                hit = any(c in self.vocab for c in _base_forms(key)) or self._compound(key)
            self._word_cache[key] = hit
        return hit

    def _compound(self, key: str) -> bool:
        """'toeslagpartner' = 'toeslag' + 'partner', 'levensverhaal' = 'leven' + s + ..."""
        if len(key) < 7 or not key.isalpha():
            return False
        for i in range(3, len(key) - 2):
            head, tail = key[:i], key[i:]
            if head in self.vocab or (head.endswith("s") and head[:-1] in self.vocab) or \
                    (head.endswith("e") and head[:-1] in self.vocab):
                if tail in self.vocab or any(c in self.vocab for c in _base_forms(tail)):
                    return True
        return False

    def diminutive_base(self, key: str) -> str | None:
        """'jantje' -> 'jan', 'sannetje' -> 'sanne', 'brammetje' -> 'bram' when the base is
        a known first name; None otherwise."""
        for suffix in ("etje", "tje", "pje", "kje", "je", "ke", "ie", "ien"):
            if len(key) > len(suffix) + 1 and key.endswith(suffix):
                base = key[: -len(suffix)]
                candidates = [base]
                if suffix == "etje" and len(base) >= 3 and base[-1] == base[-2]:
                    candidates.insert(0, base[:-1])          # brammetje -> bram
                if suffix in ("etje", "tje"):
                    candidates.append(base + "e")            # sannetje -> sanne
                for cand in candidates:
                    if cand in self.first_names:
                        return cand
        return None


_VOWELS = "aeiou"


def _undouble(stem: str) -> list[str]:
    """'speel' -> 'spel', 'loop' -> 'lop' (open syllable before -en); 'leef' -> 'lev'."""
    out = [stem]
    if len(stem) >= 3 and stem[-2] in _VOWELS and stem[-3] == stem[-2]:
        out.append(stem[:-3] + stem[-2] + stem[-1])
    more = []
    for s in out:
        if s.endswith("f"):
            more.append(s[:-1] + "v")
        if s.endswith("s"):
            more.append(s[:-1] + "z")
    return out + more


def _base_forms(w: str) -> list[str]:
    """Candidate lemmas of a Dutch word form under the regular rules (over-generating on
    purpose: only used to tell ordinary words from names)."""
    cands: list[str] = []
    if len(w) < 4:
        return cands
    # plurals and diminutives
    for suf in ("etjes", "etje", "tjes", "tje", "pjes", "pje", "kjes", "kje", "jes", "je",
                "'s", "s", "en", "ën", "eren"):
        if w.endswith(suf) and len(w) - len(suf) >= 2:
            base = w[: -len(suf)]
            cands += [base, base + "e"]
            if len(base) >= 2 and base[-1] == base[-2]:
                cands.append(base[:-1])                     # bussen -> bus
            if len(base) >= 2 and base[-1] not in _VOWELS and base[-2] in _VOWELS:
                cands.append(base[:-1] + base[-2] + base[-1])  # manen -> maan
            if base.endswith("z"):
                cands.append(base[:-1] + "s")                 # huizen -> huis
            if base.endswith("v"):
                cands.append(base[:-1] + "f")                 # brieven -> brief
    # verbs: stem, stem+t, past tense -de/-te/-den/-ten, participles ge-...-d/t
    stems = []
    if w.endswith("t"):
        stems.append(w[:-1])
    for suf in ("den", "ten", "de", "te", "d"):
        if w.endswith(suf):
            stems.append(w[: -len(suf)])
    stems.append(w)
    if w.startswith("ge") and len(w) > 5:
        inner = w[2:]
        stems += [inner[:-1]] if inner.endswith(("d", "t")) else []
        if inner.endswith("en"):
            cands.append(inner)
    for st in stems:
        for s in _undouble(st):
            cands += [s + "en", s + "n"]
            if len(s) >= 2 and s[-1] not in _VOWELS and s[-2] in _VOWELS:
                cands.append(s + s[-1] + "en")                # zet -> zetten
    # adjectives: -e, -er, -st, -ere, -ste
    for suf in ("ere", "ste", "er", "st", "e"):
        if w.endswith(suf) and len(w) - len(suf) >= 2:
            base = w[: -len(suf)]
            cands.append(base)
            if len(base) >= 2 and base[-1] == base[-2]:
                cands.append(base[:-1])                       # dikke -> dik
            if len(base) >= 2 and base[-1] not in _VOWELS and base[-2] in _VOWELS:
                cands.append(base[:-1] + base[-2] + base[-1])  # grote -> groot
            if base.endswith("z"):
                cands.append(base[:-1] + "s")
            if base.endswith("v"):
                cands.append(base[:-1] + "f")
    return cands


@lru_cache(maxsize=1)
def _load_lexicon() -> Lexicon:
    here = data_dir()
    deduce_dir = _deduce_lookup_dir()
    lex = Lexicon()
    deduce_stop = {fold(w) for w in _deduce_items(deduce_dir, "whitelist/lst_stop_word")}
    spacy_stop = _spacy_stop_words()
    common = {fold(w) for w in read_list(here / "common_words.txt", split_words=True)}
    common |= deduce_stop
    common |= {fold(w) for w in _deduce_items(deduce_dir, "whitelist/lst_common_word")}
    lex.common = common
    lex.stop = deduce_stop | spacy_stop
    first = {fold(w) for w in _deduce_items(deduce_dir, "names/lst_first_name")}
    first |= {fold(w) for w in read_list(here / "first_names.txt", split_words=True)}
    surnames = {fold(w) for w in _deduce_items(deduce_dir, "names/lst_surname")}
    lex.interfix_surnames = {fold(w) for w in _deduce_items(deduce_dir, "names/lst_interfix_surname")}
    # Like deduce, drop ordinary words from the name lists ("De", "Aan", "Bouwen").
    lex.first_names = {w for w in first if w not in common and len(w) >= 2}
    lex.surnames = {w for w in surnames if w not in common and len(w) >= 2}
    # The explicit Dutch word lists: ordinary words even when a name list has them.
    # dutch_words.txt holds adverbs, conjunctions and particles spaCy's tables lack, and
    # ordinary words that are also first names ("roos", "koop", "lente"); like ``common``
    # they tell an ordinary word from a name at the start of a sentence and in lower case,
    # but (unlike ``common``) a capitalised one in mid-sentence is still a name ("dit komt
    # erin" / "met Erin").
    explicit = {fold(w) for w in read_list(here / "dutch_words.txt", split_words=True)}
    explicit |= pronominal_adverbs() | spacy_stop
    # spaCy's lemma tables come from running text and list many first names as nouns
    # ("jan", "emma", "lisa", "kim", "mohammed"): there a first name is no evidence of an
    # ordinary word. It counts only when an explicit list has it (``common`` or above) or
    # when it is an inflected form of an ordinary word that is no name ("lieve" of "lief").
    spacy, adjectives, verbs = _spacy_vocab()
    curated = explicit | common
    names_in_spacy = (spacy & lex.first_names) - curated
    inflected = {w for w in names_in_spacy
                 if _inflects_ordinary(w, adjectives & curated, verbs & curated,
                                       lex.first_names)}
    lex.vocab = (spacy - names_in_spacy) | inflected | explicit
    places = {fold(w) for w in _deduce_items(deduce_dir, "locations/lst_placename")}
    places = {p.replace("(", "").replace(")", "") for p in places}
    places |= {fold(w) for w in read_list(here / "places.txt")}
    lex.places = {p for p in places if p and p not in common}
    lex.country_phrases = read_list(here / "countries.txt")
    lex.countries = {fold(w) for w in lex.country_phrases}
    lex.keep = read_list(here / "keep.txt")
    lex.shelters = read_list(here / "shelters.txt")
    lex.organisations = read_list(here / "organisations.txt")
    return lex


_ADJ_ENDINGS = ("ere", "ste", "er", "st", "e")          # mooie, mooier, mooiste
_VERB_ENDINGS = ("ten", "den", "te", "de", "t")         # speelt, speelde, speelden


def _stem_variants(stem: str) -> set[str]:
    """Spelling variants of a stem before an ending: "liev" -> "lief", "grot" -> "groot",
    "dikk" -> "dik", "huiz" -> "huis"."""
    out = {stem}
    if len(stem) >= 2 and stem[-1] == stem[-2]:
        out.add(stem[:-1])
    for s in list(out):
        if s.endswith("v"):
            out.add(s[:-1] + "f")
        if s.endswith("z"):
            out.add(s[:-1] + "s")
    for s in list(out):
        if len(s) >= 2 and s[-1] not in _VOWELS and s[-2] in _VOWELS and \
                (len(s) < 3 or s[-3] not in _VOWELS):
            out.add(s[:-1] + s[-2] + s[-1])
    return out


def _verb_stems(infinitive: str) -> set[str]:
    """ "kopen" -> {"kop", "koop"}, "plukken" -> {"plukk", "pluk"}, "lenen" -> {"len", "leen"}."""
    stem = infinitive[:-2] if infinitive.endswith("en") else infinitive[:-1]
    return _stem_variants(stem) if stem else set()


def _inflects_ordinary(word: str, adjectives: set[str], verbs: set[str],
                       names: set[str]) -> bool:
    """``word`` is an adjective or verb form: its ending on an adjective or verb of the
    curated Dutch lists (deduce's common words, common_words.txt, dutch_words.txt; the part
    of speech from spaCy's index) that is no first name: "lieve" = "lief" + e, "kiest" =
    "kiezen". Plurals and diminutives are no evidence (names take them too: "Jans",
    "Daantje"), nor is spaCy's vocabulary alone, which derives words from names ("kees" as
    a form of a verb "kezen")."""
    for suffix in _ADJ_ENDINGS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            for base in _stem_variants(word[: -len(suffix)]):
                if base in adjectives and base not in names and base != word:
                    return True
    for suffix in _VERB_ENDINGS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            for base in _stem_variants(word[: -len(suffix)]):
                for inf in (base + "en", base + "n", base + base[-1] + "en"):
                    if inf in verbs and not (_verb_stems(inf) & names) and inf != word:
                        return True
    return False


@dataclass
class DenyEntry:
    text: str
    label: str = "PERSOON"


@dataclass
class StudyLists:
    """A study's own lists in ``anonymization/``: keep.txt, deny.txt and allow.txt.

    * keep.txt  - phrases that stay (public bodies, services); one a line.
    * deny.txt  - names that are always replaced; one a line, optionally with a label:
      ``PLAATS: Zandvoort``, ``INSTELLING: De Regenboog`` (default PERSOON).
    * allow.txt - accepted suspects of the privacy check (see ``klantreis.anonymize.gate``).
    Missing files are simply empty lists.
    """

    keep: list[str] = field(default_factory=list)
    deny: list[DenyEntry] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    root: Path | None = None

    @classmethod
    def load(cls, study_root: Path | None) -> "StudyLists":
        if study_root is None:
            return cls()
        folder = Path(study_root) / "anonymization"
        out = cls(root=Path(study_root))
        if (folder / "keep.txt").is_file():
            out.keep = read_list(folder / "keep.txt")
        if (folder / "deny.txt").is_file():
            for entry in read_list(folder / "deny.txt"):
                label, sep, rest = entry.partition(":")
                if sep and label.strip().upper() in DENY_LABELS and rest.strip():
                    out.deny.append(DenyEntry(rest.strip(), label.strip().upper()))
                else:
                    out.deny.append(DenyEntry(entry))
        if (folder / "allow.txt").is_file():
            out.allow = read_list(folder / "allow.txt")
        return out


DENY_LABELS = ("PERSOON", "PLAATS", "ADRES", "INSTELLING")
