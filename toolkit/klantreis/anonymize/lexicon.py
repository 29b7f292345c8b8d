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
  pronominal adverbs ("erin", "daarmee"). The vocabulary only decides whether a word at the
  start of a sentence or in lower case is a name; a capitalised word in mid-sentence is a
  name unless ``common`` (or a keep phrase) says otherwise;
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


def _spacy_vocab() -> set[str]:
    """Every Dutch word form in spaCy's lemma tables (lower case), or an empty set."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover
        return set()
    base = Path(spacy_lookups_data.__file__).parent / "data"
    words: set[str] = set()
    try:
        with gzip.open(base / "nl_lemma_lookup.json.gz", "rt", encoding="utf-8") as fh:
            table = json.load(fh)
        words.update(table)
        words.update(table.values())
        with gzip.open(base / "nl_lemma_index.json.gz", "rt", encoding="utf-8") as fh:
            for forms in json.load(fh).values():
                words.update(forms)
        # the irregular forms per part of speech (adverbs such as "d'rin" -> "erin")
        with gzip.open(base / "nl_lemma_exc.json.gz", "rt", encoding="utf-8") as fh:
            for table in json.load(fh).values():
                for form, lemmas in table.items():
                    words.add(form)
                    words.update(lemmas)
    except (OSError, ValueError):  # pragma: no cover - broken install: fall back to lists
        return set()
    try:
        from spacy.lang.nl.stop_words import STOP_WORDS
        words.update(STOP_WORDS)
    except ImportError:  # pragma: no cover
        pass
    return {fold(w) for w in words}


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
    max_place_words: int = 1
    _word_cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> "Lexicon":
        return _load_lexicon()

    def is_first_name(self, key: str) -> bool:
        return key in self.first_names

    def is_surname(self, key: str) -> bool:
        return key in self.surnames or key in self.interfix_surnames

    def is_name(self, key: str) -> bool:
        return key in self.first_names or key in self.surnames

    def is_word(self, key: str) -> bool:
        """An ordinary Dutch word: the common list, spaCy's word forms, or a regular
        inflection of a spaCy lemma ("vrouwen", "speelt", "mooie", "huisje")."""
        if key in self.common or key in self.vocab:
            return True
        hit = self._word_cache.get(key)
        if hit is None:
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
    common = {fold(w) for w in read_list(here / "common_words.txt", split_words=True)}
    common |= {fold(w) for w in _deduce_items(deduce_dir, "whitelist/lst_stop_word")}
    common |= {fold(w) for w in _deduce_items(deduce_dir, "whitelist/lst_common_word")}
    lex.common = common
    lex.stop = {fold(w) for w in _deduce_items(deduce_dir, "whitelist/lst_stop_word")}
    try:
        from spacy.lang.nl.stop_words import STOP_WORDS
        lex.stop |= {fold(w) for w in STOP_WORDS}
    except ImportError:  # pragma: no cover
        pass
    lex.vocab = _spacy_vocab()
    # adverbs, conjunctions and spoken forms spaCy's tables lack: ordinary words at the
    # start of a sentence or in lower case, but (unlike ``common``) still a name when
    # capitalised in mid-sentence ("dit komt erin" / "met Erin")
    lex.vocab |= {fold(w) for w in read_list(here / "dutch_words.txt", split_words=True)}
    lex.vocab |= pronominal_adverbs()
    first = {fold(w) for w in _deduce_items(deduce_dir, "names/lst_first_name")}
    first |= {fold(w) for w in read_list(here / "first_names.txt", split_words=True)}
    surnames = {fold(w) for w in _deduce_items(deduce_dir, "names/lst_surname")}
    lex.interfix_surnames = {fold(w) for w in _deduce_items(deduce_dir, "names/lst_interfix_surname")}
    # Like deduce, drop ordinary words from the name lists ("De", "Aan", "Bouwen").
    lex.first_names = {w for w in first if w not in common and len(w) >= 2}
    lex.surnames = {w for w in surnames if w not in common and len(w) >= 2}
    places = {fold(w) for w in _deduce_items(deduce_dir, "locations/lst_placename")}
    places = {p.replace("(", "").replace(")", "") for p in places}
    places |= {fold(w) for w in read_list(here / "places.txt")}
    lex.places = {p for p in places if p and p not in common}
    lex.country_phrases = read_list(here / "countries.txt")
    lex.countries = {fold(w) for w in lex.country_phrases}
    lex.keep = read_list(here / "keep.txt")
    lex.shelters = read_list(here / "shelters.txt")
    lex.organisations = read_list(here / "organisations.txt")
    lex.max_place_words = max((len(p.split()) for p in lex.places), default=1)
    return lex


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
