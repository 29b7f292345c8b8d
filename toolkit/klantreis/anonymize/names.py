"""Names of people, places and organisations in spoken Dutch.

Dutch writes only proper nouns with a capital inside a sentence, so a capitalised word
that is not at the start of a sentence, not on the keep list and not an ordinary word is
taken as a name. Its type follows from the word lists and the words before it:

* "in/uit/naar Haarlem", a known town or neighbourhood        -> PLAATS
* "basisschool De Regenboog", "ik werkte bij Bakkerij Smit"     -> INSTELLING
* anything else                                                -> PERSOON (the safe default)

At the start of a sentence a capitalised word is a name only when a name list knows it
(and it is not a frequent Dutch word) or when no Dutch word list knows it at all.
Lower-case names are found after cue words ("mijn ex jan", "die heet fatima", "juf anna")
and, when a first name is no Dutch word at all, anywhere ("ik belde sanne").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .base import INSTELLING, PERSOON, PLAATS, Detection
from .lexicon import Lexicon, fold

WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")

# Lower-case particles inside a name: "Jan de Vries", "Mohammed el Amrani".
INTERFIX = {"van", "de", "der", "den", "ter", "ten", "'t", "el", "al", "ibn", "abu", "da",
            "di", "dos", "du", "la", "le", "von", "des", "del", "della", "het", "vd"}
ARTICLES = {"de", "het", "'t"}

PLACE_CUES = {"in", "uit", "naar", "te", "rond", "richting", "omgeving", "regio", "gemeente",
              "dorp", "stad", "wijk", "buurt", "provincie", "vanuit", "woon", "woonde", "wonen",
              "gewoond", "verhuisd", "verhuizen", "opgegroeid", "geboren", "vandaan", "bij"}
# Words before a name that make it a school, day care, employer or other organisation.
ORG_CUES = {"school", "basisschool", "kinderdagverblijf", "kdv", "creche", "peuterspeelzaal",
            "bso", "gastouder", "kinderopvang", "voetbalclub", "sportclub", "club", "vereniging",
            "sportschool", "kerk", "moskee", "hogeschool", "universiteit", "roc", "mbo", "college",
            "lyceum", "gymnasium", "mavo", "havo", "vwo", "vmbo", "praktijkschool", "academie",
            "bedrijf", "firma", "werkgever", "winkel", "restaurant", "hotel", "kapper",
            "kapsalon", "bakkerij", "fabriek", "stichting", "praktijk", "huisartsenpraktijk",
            "tandarts", "tandartspraktijk", "fysiotherapeut", "zorginstelling", "instelling",
            "organisatie", "speeltuin", "buurthuis", "wijkcentrum", "opvanghuis", "internaat",
            "woongroep", "taalschool", "taalcursus", "inburgeringscursus", "uitzendbureau",
            "supermarkt", "schoonmaakbedrijf", "thuiszorgorganisatie", "zorgboerderij",
            "dagbesteding", "middelbare", "kliniek", "ziekenhuis"}
EMPLOY_RE = re.compile(r"(?:\bwerk(?:t|te|ten)?|gewerkt|baan|stage|stageplek|dienst|"
                       r"vrijwilligerswerk|vrijwilliger|werkzaam|schoonmaken|solliciteer\w*|"
                       r"gesolliciteerd|contract)[ \t]+(?:bij|van|voor|op)"
                       r"(?:[ \t]+(?:de|het|een))?[ \t]*$", re.I)
ORG_MARKERS = {"stichting", "bv", "b.v", "nv", "groep", "holding", "school", "basisschool",
               "college", "lyceum", "academie", "kinderopvang", "kinderdagverblijf", "praktijk",
               "kliniek", "centrum", "vereniging", "club", "kerk", "moskee", "bakkerij",
               "kapsalon", "restaurant", "schoonmaak", "zorg", "kids", "kindcentrum",
               "kinderdagverblijven", "peuterspeelzaal", "opvang", "montessori", "daltonschool",
               "jenaplanschool", "vrije", "islamitische", "christelijke", "katholieke"}
PLACE_SUFFIXES = ("wijk", "buurt", "kwartier", "polder", "dorp")
ADJ_SUFFIXES = ("se", "sche", "ische", "aanse", "iaanse", "ese")

# Words before a lower-case name. Strong cues also take a word no list knows.
STRONG_CUES = {"ex", "ex-man", "ex-partner", "ex-vriend", "exman", "expartner", "exvriend",
               "heet", "heette", "genaamd", "noemde", "noemen"}
WEAK_CUES = {"mevrouw", "meneer", "juf", "juffrouw", "meester", "tante", "oom", "opa", "oma",
             "zoon", "zoontje", "dochter", "dochtertje", "broer", "broertje", "zus", "zusje",
             "zuster", "neef", "nicht", "buurvrouw", "buurman", "vriendin", "vriend",
             "vriendje", "vriendinnetje", "collega", "consulent", "consulente", "begeleider",
             "begeleidster", "mentor", "casemanager", "hulpverlener", "advocaat", "advocate",
             "dokter", "man", "partner", "vader", "moeder", "schoonmoeder", "schoonvader",
             "stiefvader", "zwager", "schoonzus", "baas", "chef", "bewindvoerder", "kind",
             "kindje", "jongste", "oudste", "baby", "mama", "papa", "ex-schoonmoeder"}

_BOUNDARY = set(".!?:;…]")
_OPENERS = set(" \t\"'“‘(«-–—*_")
_LABEL_RE = re.compile(
    r"^[ \t]*(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?[ \t]*)?"
    r"((?:[^\W\d_][\w'’-]*)(?:[ \t]+(?:[^\W\d_][\w'’-]*|\d{1,2})){0,3})"
    r"[ \t]*(?:[\[(]\d{1,2}:\d{2}(?::\d{2})?[\])][ \t]*)?:", re.M)


@dataclass
class Tok:
    start: int
    end: int
    text: str
    key: str            # folded, possessive 's removed
    cap: bool           # starts with a capital
    upper: bool         # all capitals (acronym-like)
    initial: bool       # first word of a sentence or line
    label: bool = False  # part of a speaker label at the start of a line
    blocked: bool = False  # inside a keep phrase or placeholder


def _strip_possessive(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokenize(text: str, blocked: list[tuple[int, int]] = ()) -> list[Tok]:
    """Words with their case and position flags; ``blocked`` spans (keep phrases,
    placeholders) mark words that are never names."""
    toks: list[Tok] = []
    label_spans = [m.span(1) for m in _LABEL_RE.finditer(text)]
    bi, li = 0, 0
    blocked = sorted(blocked)
    for m in WORD_RE.finditer(text):
        s, e = m.span()
        word = m.group(0)
        # sentence start: look back over spaces and opening quotes
        j = s - 1
        while j >= 0 and text[j] in _OPENERS:
            j -= 1
        initial = j < 0 or text[j] == "\n" or text[j] in _BOUNDARY
        while bi < len(blocked) and blocked[bi][1] <= s:
            bi += 1
        is_blocked = bi < len(blocked) and blocked[bi][0] < e
        while li < len(label_spans) and label_spans[li][1] <= s:
            li += 1
        in_label = li < len(label_spans) and label_spans[li][0] <= s
        base = _strip_possessive(word)
        toks.append(Tok(s, e, word, fold(base), word[0].isupper(),
                        len(word) > 1 and word.isupper(), initial, in_label, is_blocked))
    return toks


class NameFinder:
    """Finds PERSOON/PLAATS/INSTELLING spans with word lists and capitalisation."""

    def __init__(self, lexicon: Lexicon, keep_countries: bool = True,
                 known_names: set[str] | None = None):
        self.lex = lexicon
        self.keep_countries = keep_countries
        self.known_names = known_names or set()   # folded tokens of names seen elsewhere

    # --- token tests -----------------------------------------------------------------
    def _candidate(self, t: Tok, nxt: Tok | None = None) -> bool:
        """Could this capitalised token be (part of) a proper noun? A capitalised article
        counts when a candidate follows ("De Regenboog", "Het Kikkertje")."""
        if t.blocked or not t.cap or len(t.text) < 2:
            if t.text in ("'T", "'t") and nxt is not None and not t.blocked:
                return self._candidate(nxt)
            return False
        if t.key in ARTICLES or t.key in ("van", "el", "al"):
            return nxt is not None and not t.upper and self._candidate(nxt)
        if t.upper:
            # acronyms (UWV, KDV) are no names; a name typed in capitals (JESKE:) is
            return len(t.text) >= 3 and (t.key in self.lex.first_names or t.label)
        if t.key in self.lex.common:
            return False
        return True

    def _initial_is_name(self, t: Tok) -> bool:
        """A capitalised word at the start of a sentence: a name only on good evidence."""
        k = t.key
        if k in self.known_names or k in self.lex.first_names:
            return True
        if self.lex.diminutive_base(k):
            return True
        if k in self.lex.surnames or k in self.lex.interfix_surnames:
            return not self.lex.is_word(k)
        if k in self.lex.places:
            return not self.lex.is_word(k)
        # a word no Dutch list knows ("Yonas", "Kiflom") is most likely a name
        return (not self.lex.is_word(k) and len(k) >= 3 and "-" not in k
                and t.text[1:].islower())

    # --- runs of capitalised words ----------------------------------------------------
    def _runs(self, text: str, toks: list[Tok]) -> list[list[int]]:
        runs: list[list[int]] = []
        cur: list[int] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            nxt = toks[i + 1] if i + 1 < n and self._joined(text, t, toks[i + 1]) else None
            if self._candidate(t, nxt):
                if cur and self._joined(text, toks[cur[-1]], t):
                    cur.append(i)
                else:
                    if cur:
                        runs.append(cur)
                    cur = [i]
                i += 1
                continue
            # interfix between two candidates: "Jan de Vries", "Mohammed el Amrani"
            if cur and t.key in INTERFIX and not t.cap and not t.blocked:
                j = i
                while j < n and toks[j].key in INTERFIX and not toks[j].cap and j - i < 3:
                    j += 1
                if j < n and self._candidate(toks[j]) and all(
                        self._joined(text, toks[k - 1] if k > i else toks[cur[-1]], toks[k])
                        for k in range(i, j + 1)):
                    cur.extend(range(i, j + 1))
                    i = j + 1
                    continue
            if cur:
                runs.append(cur)
                cur = []
            i += 1
        if cur:
            runs.append(cur)
        return runs

    @staticmethod
    def _joined(text: str, a: Tok, b: Tok) -> bool:
        gap = text[a.end:b.start]
        return gap in (" ", "-", "  ", "\t") or gap == " - "

    def _prev_words(self, text: str, toks: list[Tok], idx: int, k: int = 3) -> list[str]:
        out = []
        j = idx - 1
        line_start = text.rfind("\n", 0, toks[idx].start)
        while j >= 0 and len(out) < k and toks[j].start > line_start:
            out.append(toks[j].key)
            j -= 1
        return out

    def _classify(self, text: str, toks: list[Tok], run: list[int]) -> str | None:
        words = [toks[i] for i in run if toks[i].cap or toks[i].key not in INTERFIX]
        keys = [t.key for t in words]
        key = fold(" ".join(toks[i].text for i in run))
        key = fold(_strip_possessive(key))
        prev = self._prev_words(text, toks, run[0])
        before = text[max(0, toks[run[0]].start - 40): toks[run[0]].start]
        lex = self.lex
        if any(k in ORG_MARKERS for k in keys) and len(keys) > 1:
            return INSTELLING
        if EMPLOY_RE.search(before) or (prev and prev[0] in ORG_CUES) or \
                (len(prev) > 1 and prev[0] in ARTICLES and prev[1] in ORG_CUES):
            return INSTELLING
        if key in lex.countries or all(k in lex.countries for k in keys):
            return None if self.keep_countries else PLAATS
        place_cue = bool(prev) and prev[0] in PLACE_CUES
        is_place = key in lex.places or (len(keys) > 1 and all(k in lex.places for k in keys))
        if not is_place and len(keys) == 1 and "-" in keys[0]:
            is_place = any(p in lex.places for p in keys[0].split("-"))
        if is_place:
            if any(k in lex.first_names or k in lex.surnames for k in keys) and not place_cue:
                return PERSOON
            return PLAATS
        if keys and keys[-1].endswith(PLACE_SUFFIXES) and keys[-1] not in lex.surnames:
            return PLAATS
        first = toks[run[0]]
        if first.key in ARTICLES and first.cap and len(keys) > 1:
            second = keys[1]
            if second in lex.interfix_surnames or second in lex.surnames:
                return PERSOON
            return INSTELLING
        if len(keys) == 1:
            k = keys[0]
            if k.endswith(ADJ_SUFFIXES) and k not in lex.first_names and k not in lex.surnames \
                    and k not in self.known_names and (lex.is_word(k) or k[:-2] in lex.places):
                return None     # "Indiase", "Belgische": adjectives of origin
        if place_cue and prev[0] in ("in", "uit", "naar", "te", "gemeente", "vanuit",
                                     "rond", "richting") and \
                not any(k in lex.first_names or k in lex.surnames for k in keys):
            return PLAATS
        return PERSOON

    def find(self, text: str, toks: list[Tok] | None = None) -> list[Detection]:
        toks = toks if toks is not None else tokenize(text)
        out: list[Detection] = []
        for run in self._runs(text, toks):
            # drop ordinary sentence-initial words in front ("Maar Jan zei" -> "Jan")
            while run and toks[run[0]].initial and not toks[run[0]].label:
                t = toks[run[0]]
                if len(run) == 1:
                    break
                nxt = toks[run[1]]
                if t.key in INTERFIX and (nxt.key in self.lex.interfix_surnames or
                                          nxt.key in self.known_names):
                    break       # "De Vries zei..." keeps its article
                if t.key in self.lex.common or t.key in INTERFIX or (
                        self.lex.is_word(t.key) and t.key not in self.lex.first_names
                        and t.key not in self.known_names):
                    run = run[1:]
                    while run and toks[run[0]].key in INTERFIX and not toks[run[0]].cap:
                        run = run[1:]
                else:
                    break
            if not run:
                continue
            first = toks[run[0]]
            source = "caps"
            if first.label:
                source = "label"
                # header lines ("Datum:", "Locatie:") and role words are no names
                if len(run) == 1 and first.key not in self.lex.first_names and \
                        first.key not in self.known_names and self.lex.is_word(first.key):
                    continue
            elif len(run) == 1 and first.initial:
                if not self._initial_is_name(first):
                    continue
                source = "caps-initial"
            label = self._classify(text, toks, run)
            if label is None:
                continue
            s, e = toks[run[0]].start, toks[run[-1]].end
            out.append(Detection(s, e, label, text[s:e], source))
        out.extend(self._lowercase(text, toks))
        return out

    # --- lower-case names ---------------------------------------------------------------
    def _lowercase(self, text: str, toks: list[Tok]) -> list[Detection]:
        out = []
        lex = self.lex
        n = len(toks)
        for i, t in enumerate(toks):
            if t.cap or t.blocked or len(t.key) < 3 or t.key in lex.common:
                continue
            k = t.key
            prev = toks[i - 1].key if i > 0 and toks[i - 1].end >= t.start - 2 else ""
            prev2 = toks[i - 2].key if i > 1 else ""
            cue_strong = prev in STRONG_CUES or (prev2 == "ex" and prev in
                                                 ("man", "partner", "vriend"))
            cue_weak = prev in WEAK_CUES
            is_first = k in lex.first_names or lex.diminutive_base(k) is not None
            hit = False
            if cue_strong and (is_first or k in lex.surnames or not lex.is_word(k)):
                hit = True
            elif cue_weak and (is_first or (k in lex.surnames and not lex.is_word(k))):
                hit = True
            elif prev in PLACE_CUES and k in lex.places and not lex.is_word(k):
                s = t.start
                out.append(Detection(s, t.end, PLAATS, t.text, "lower-place"))
                continue
            elif is_first and not lex.is_word(k) and len(k) >= 4 and k not in lex.places:
                hit = True
            elif k in self.known_names and not lex.is_word(k):
                hit = True
            if not hit:
                continue
            # extend over "de vries", "el amrani"
            j = i + 1
            end = t.end
            while j < n and toks[j].start - end <= 1:
                if toks[j].key in INTERFIX and j + 1 < n and (
                        toks[j + 1].key in lex.surnames or toks[j + 1].key in
                        lex.interfix_surnames or not lex.is_word(toks[j + 1].key)):
                    end = toks[j + 1].end
                    j += 2
                elif toks[j].key in lex.surnames and not lex.is_word(toks[j].key):
                    end = toks[j].end
                    j += 1
                else:
                    break
            out.append(Detection(t.start, end, PERSOON, text[t.start:end], "lower-name"))
        return out
