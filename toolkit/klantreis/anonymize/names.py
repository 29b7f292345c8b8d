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

from .base import ADRES, INSTELLING, PERSOON, PLAATS, Detection
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
               "hotel", "thuiszorg", "zorggroep", "buurtcentrum", "wijkcentrum", "kdv", "bso",
               "jenaplanschool", "vrije", "islamitische", "christelijke", "katholieke"} | {
               # Companies and institutions in news text, derived from CoNLL-2002 ned.train
               # only (ned.testa is held out): every capitalised word that occurs in at
               # least 3 different multi-word ORG names there, in no PER name, with >= 90%
               # of its entity names ORG, and on no name list.
               "raad", "zaken", "ned", "europese", "toerisme", "nederland", "bank",
               "universiteit", "systems", "post", "people's", "liberation", "koninklijke",
               "hogeschool", "fortis", "fonds", "collines", "band"}
# Type words in front of a name ("OBS De Tweemaster", "KDV Het Boefje", "ROC Mondriaan",
# "Hotel De Zeemeeuw") and legal forms after it ("Flexwerk Polska BV", "Van Dalen & Zonen").
ORG_TYPES = {"obs", "cbs", "rkbs", "pcbs", "sbo", "ikc", "kdv", "bso", "roc", "mbo", "hbo", "vmbo",
             "hotel", "restaurant", "café", "cafe", "kinderopvang", "thuiszorg", "kindcentrum",
             "basisschool", "school", "stichting", "zorggroep", "bakkerij", "kapsalon", "garage",
             "transportbedrijf", "schoonmaakbedrijf", "uitzendbureau", "buurtcentrum",
             "wijkcentrum", "sportschool", "huisartsenpraktijk", "tandartspraktijk",
             "peuterspeelzaal", "kinderdagverblijf", "gastouderbureau", "hogeschool", "apotheek", "drogisterij", "supermarkt", "kinderdagopvang", "tandarts", "kliniek",
             "montessorischool", "daltonschool", "jenaplanschool", "praktijk", "bedrijf"}
LEGAL_FORMS = {"bv", "b.v", "nv", "n.v", "vof", "v.o.f", "holding", "zonen", "zn", "co", "cv",
               "groep", "group", "partners",
               # a region after the name: "Thuiszorg Friesland Zuid"
               "noord", "zuid", "oost", "west", "midden", "noordoost", "noordwest", "zuidoost",
               "zuidwest"}
_STREET_ENDINGS = ("straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dreef",
                   "steeg", "dijk", "plantsoen", "boulevard", "allee")
# Header words before a colon that are no speaker's name ("IBAN: ...", "BSN: ...").
_HEADER_WORDS = {"iban", "bsn", "tel", "telefoon", "adres", "naam", "mail", "email", "e-mail",
                 "datum", "nr", "nummer", "kenteken", "postcode", "url", "web", "www", "id",
                 "ref", "mob", "mobiel", "gsm", "fax", "woonplaats", "geboortedatum", "leeftijd",
                 "locatie", "duur", "tijd", "plaats", "onderwerp", "aanwezig", "opname"}
_BARE_PLACE_CUES = {"in", "uit", "naar", "vanuit", "gemeente", "richting"}   # not "te" (te keren)
_SCHOOLISH = {"school", "basisschool", "kinderdagverblijf", "kdv", "bso", "peuterspeelzaal",
              "kinderopvang", "creche", "crèche", "obs", "kindcentrum", "buitenschoolse",
              "peuteropvang", "gastouderbureau", "schooltje", "daltonschool", "montessorischool"}
_ORG_ENDINGS = ("school", "college", "lyceum", "academie", "kliniek", "praktijk", "centrum",
                "opvang", "bedrijf", "bureau", "vereniging", "stichting")
# Type words after a name that make it an organisation ("Isala ziekenhuis").
ORG_AFTER = {"ziekenhuis", "gasthuis", "hospitaal", "kliniek", "revalidatiecentrum",
             "ziekenhuizen", "zorggroep", "college", "lyceum", "basisschool", "school",
             "kinderopvang", "kinderdagverblijf", "bso", "kdv", "bv", "b.v", "nv"}
_LEGAL_STRICT = {"bv", "b.v", "nv", "n.v", "vof", "v.o.f", "holding", "zonen", "zn"}
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

# Titles and forms of address: the capitalised word after one is a name even when it is
# also an ordinary word ("dokter Visser", "dr. Veer", "mevrouw De Boer").
TITLES = {"dr", "drs", "mr", "ir", "ing", "prof", "professor", "dokter", "mevrouw", "meneer",
          "mevr", "mw", "mvr", "dhr", "juf", "juffrouw", "meester", "zuster", "pastoor", "imam",
          "pater", "dominee", "ds", "burgemeester", "wethouder", "rechter", "advocaat",
          "advocate", "notaris", "agent", "agente", "inspecteur", "tante", "oom", "opa", "oma"}
_ABBREV_TITLES = {"dr", "drs", "mr", "ir", "ing", "prof", "mevr", "mw", "mvr", "dhr", "ds"}
# Family words: like a title, they make the capitalised word after them a name even when a
# keep or shop list knows it, if a name list knows it too ("mijn broer Frans"; after a
# title always: "mevrouw Pool", "meneer Coop"). Not "mijn dochter Nederlands leren". Role
# words ("consulent", "casemanager") are no such cue: "mijn consulent Jeugdzorg" is the
# service.
FAMILY_CUES = {"tante", "oom", "opa", "oma", "zoon", "zoontje", "dochter", "dochtertje", "broer",
               "broertje", "zus", "zusje", "zuster", "neef", "nicht", "buurvrouw", "buurman",
               "vriendin", "vriend", "vriendje", "vriendinnetje", "man", "partner", "vader",
               "moeder", "schoonmoeder", "schoonvader", "stiefvader", "zwager", "schoonzus",
               "kind", "kindje", "jongste", "oudste", "baby", "mama", "papa", "ex-schoonmoeder"}
NAME_CUES = TITLES | FAMILY_CUES | STRONG_CUES
_CUE_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_][\w'’-]*)(?:\.[ \t]?|[ \t])$")
# Words before a language or country name that make it the language or the country
# ("spreekt Frans", "in het Frans", "uit India"), not a person called Frans or India.
_LANGUAGE_CUE = re.compile(r"\b(?:spreek|spreekt|spreken|sprak|praat|praten|praatte|taal|talen|les|"
                           r"lessen|cursus|leren|leer|leert|geleerd|versta|verstaat|verstaan|"
                           r"schrijf|schrijft|lezen|lees|vertaal\w*|tolk|in het|half|beetje|goed|"
                           r"slecht|vloeiend)[ \t]+$", re.I)
_PLACE_CUE = re.compile(r"\b(?:in|uit|naar|van|over|rond|door|via)[ \t]+$", re.I)


def name_cue_before(text: str, start: int) -> str | None:
    """The cue right before ``start``: "title" ("mevrouw Pool", "dr. Flink"), "family"
    ("mijn broer Frans", "mijn ex Coop") or None."""
    m = _CUE_BEFORE.search(text, max(0, start - 30), start)
    if m is None:
        return None
    key = fold(m.group(1))
    if key in TITLES:
        return "title"
    return "family" if key in NAME_CUES else None


def language_cue_before(text: str, start: int) -> bool:
    return _LANGUAGE_CUE.search(text[max(0, start - 30):start]) is not None


def place_cue_before(text: str, start: int) -> bool:
    return _PLACE_CUE.search(text[max(0, start - 12):start]) is not None


def country_cue(text: str, start: int) -> bool:
    """A language or place cue before a word that is also a first name ("spreekt Frans",
    "uit India"): then it is the language or the country."""
    return language_cue_before(text, start) or place_cue_before(text, start)
# A sentence starts after these, and inside square brackets: a stage direction is an
# utterance of its own ("[Lacht]", "[Kiflom komt binnen]").
_BOUNDARY = set(".!?:;…[]")
_WITH_INITIALS_RE = re.compile(
    r"(?<![\w.])((?:(?:[A-Z]|Ph|Th|Ch|Chr|Joh|Jac|Wm|Fr|Dr|Drs|Mr|Ir|Prof)\.[ \t]?){1,6}[ \t]?)"
    r"((?:(?:van|de|der|den|ter|ten|v\.d\.|vd|Van|De|Ter|Ten)[ \t]+){0,3}[A-Z][a-z][\w'’-]*)")
_INITIALS_RE = re.compile(r"^[ \t]*\(?[ \t]*((?=(?:[a-z]*[A-Z]){2})[A-Za-z]{2,5})[ \t]*\)?[ \t]*$", re.M)
_OPENERS = set(" \t\"'“‘(«-–—*_#>•")
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
        # (a tab separates table cells and speaker columns: a new cell starts a sentence)
        j = s - 1
        tab = False
        while j >= 0 and text[j] in _OPENERS:
            tab = tab or text[j] == "\t"
            j -= 1
        initial = tab or j < 0 or text[j] == "\n" or text[j] in _BOUNDARY
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

    def __init__(self, lexicon: Lexicon, keep_countries: bool = True):
        self.lex = lexicon
        self.keep_countries = keep_countries

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
        if "-" in t.text:
            # "FM-radio", "T-shirt", "IT-bedrijf": an acronym or letter before a word
            head, _, tail = t.text.rpartition("-")
            first = head.split("-")[0]
            if (first.isupper() or len(first) == 1) and tail.islower() and \
                    self.lex.is_word(fold(tail)):
                return False
        return True

    def _forced(self, text: str, toks: list[Tok]) -> set[int]:
        """Capitalised words that are names by their context alone: after a title
        ("dokter Visser", "dr. Veer") and after "van der"/"van den" ("Van der Voort")."""
        out: set[int] = set()
        for i, t in enumerate(toks):
            if not t.cap or t.blocked or t.upper or i == 0 or len(t.key) < 2:
                continue
            p = toks[i - 1]
            gap = text[p.end:t.start]
            if p.key in TITLES and not p.blocked and t.key not in ARTICLES and \
                    t.key not in INTERFIX:
                # "dr. Veer" (an abbreviation: any word); "dokter Visser" (no full stop
                # in between, and no ordinary function word after it)
                if (p.key in _ABBREV_TITLES and gap in (" ", ". ", ".")) or \
                        (gap == " " and t.key not in self.lex.common):
                    out.add(i)
                    continue
            if (p.key in WEAK_CUES or p.key in STRONG_CUES) and gap in (" ", ", ") and \
                    not p.blocked and t.key not in self.lex.stop and t.key not in ARTICLES \
                    and t.key not in INTERFIX and not t.initial:
                out.add(i)      # "mijn oudste, Storm,": a name even when also a word
                continue
            # "mevr. Van Wijk", "meneer van den Berg": a title, particles, then the name
            j = i - 1
            while j >= 0 and toks[j].key in INTERFIX and i - j <= 3 and \
                    text[toks[j].end:toks[j + 1].start] == " ":
                j -= 1
            if j < i - 1 and j >= 0 and toks[j].key in TITLES and not toks[j].blocked and \
                    text[toks[j].end:toks[j + 1].start] in (" ", ". ", "."):
                out.add(i)
                out.update(k for k in range(j + 1, i) if toks[k].cap)
                continue
            if i >= 2 and gap == " " and p.key in ("der", "den") and \
                    toks[i - 2].key in ("van", "vd") and text[toks[i - 2].end:p.start] == " ":
                out.add(i)
        return out

    def _initial_is_name(self, t: Tok) -> bool:
        """A capitalised word at the start of a sentence: a name only on good evidence."""
        k = t.key
        if k in self.lex.first_names:
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
    def _runs(self, text: str, toks: list[Tok]) -> tuple[list[list[int]], set[int]]:
        """Runs of candidate tokens, and the tokens that are names by their context alone
        (after a title or family word, a surname after a first name)."""
        runs: list[list[int]] = []
        cur: list[int] = []
        i = 0
        n = len(toks)
        forced = self._forced(text, toks)
        # a capitalised "Van"/"Ter" that starts "Van der Voort"
        for f in list(forced):
            j = f - 1
            while j >= 0 and toks[j].key in INTERFIX and not toks[j].cap and f - j <= 2:
                j -= 1
            if j >= 0 and j < f - 1 and toks[j].cap and toks[j].key in INTERFIX:
                forced.add(j)

        def candidate(k: int, nxt_tok) -> bool:
            return k in forced or self._candidate(toks[k], nxt_tok)

        while i < n:
            t = toks[i]
            nxt = toks[i + 1] if i + 1 < n and self._joined(text, t, toks[i + 1]) else None
            if t.cap and i > 0 and text[max(0, t.start - 3):t.start] in ("'s ", "’s ") and \
                    self.lex.is_word(t.key):
                nxt = None      # "'s Avonds", "'s Namiddags"
                if cur:
                    runs.append(cur)
                    cur = []
                i += 1
                continue
            after_first = cur and toks[cur[-1]].key in self.lex.first_names and \
                toks[cur[-1]].cap and text[toks[cur[-1]].end:t.start] == " "
            if after_first and t.cap and not t.upper and not t.blocked and \
                    t.key not in self.lex.stop:
                forced.add(i)       # "Andras Veer", "Fatima Bloem": a surname after a first name
            elif after_first and t.cap and t.key in INTERFIX and i + 1 < n and \
                    toks[i + 1].cap and not toks[i + 1].blocked and \
                    text[t.end:toks[i + 1].start] == " " and toks[i + 1].key not in self.lex.stop:
                forced.update((i, i + 1))   # "Herman De Prins", "Jan Van Dijk"
            if candidate(i, nxt):
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
                if j < n and candidate(j, None) and all(
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
        return runs, forced

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

    def _classify(self, text: str, toks: list[Tok], run: list[int], forced: set[int]
                  ) -> str | None:
        words = [toks[i] for i in run if toks[i].cap or toks[i].key not in INTERFIX]
        keys = [t.key for t in words]
        key = fold(" ".join(toks[i].text for i in run))
        key = fold(_strip_possessive(key))
        prev = self._prev_words(text, toks, run[0])
        before = text[max(0, toks[run[0]].start - 40): toks[run[0]].start]
        lex = self.lex
        if len(keys) > 1 and any(k in ORG_MARKERS or k.endswith(_ORG_ENDINGS) for k in keys):
            return INSTELLING       # "Stichting Zonnestraal", "Montessorischool Apeldoorn"
        if EMPLOY_RE.search(before) or (prev and prev[0] in ORG_CUES) or \
                (len(prev) > 1 and prev[0] in ARTICLES and prev[1] in ORG_CUES):
            return INSTELLING
        if any(i in forced for i in run):
            return PERSOON          # "mevr. Van Wijk", "dokter Visser": a title or family word
        if len(keys) == 1 and keys[0].endswith(_STREET_ENDINGS) and len(keys[0]) > 6:
            return ADRES            # "van de Lindenlaan" (without a number)
        if (key in lex.countries or all(k in lex.countries for k in keys)) and \
                not (len(keys) == 1 and keys[0] in lex.first_names and
                     not country_cue(text, toks[run[0]].start)):
            # a country or nationality ("uit Eritrea", "zij is Pools"); a first name that is
            # also a language needs a language or place cue ("spreekt Frans"), as for the
            # keep list: "Ik belde Frans gisteren" is a man
            return None if self.keep_countries else PLAATS
        place_cue = bool(prev) and prev[0] in PLACE_CUES or (
            len(prev) > 1 and prev[0] in ("van", "de") and
            prev[1] in ("gemeente", "stad", "dorp", "regio", "provincie", "wijk"))
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
                    and (lex.is_word(k) or k[:-2] in lex.places):
                return None     # "Indiase", "Belgische": adjectives of origin
        if place_cue and prev[0] in ("in", "uit", "naar", "te", "gemeente", "vanuit",
                                     "rond", "richting") and \
                not any(k in lex.first_names or k in lex.surnames for k in keys):
            return PLAATS
        if len(keys) == 1:
            t0 = words[0]
            listed = keys[0] in lex.first_names or keys[0] in lex.surnames
            head, _, tail = t0.text.rpartition("-")
            if head and tail.islower() and lex.is_word(fold(tail)) and not listed and \
                    not any(fold(h) in lex.first_names or fold(h) in lex.surnames
                            for h in head.split("-")):
                return INSTELLING   # "Tractebel-aandelen", "Tobin-taks": a name in a compound
            if sum(ch.isupper() for ch in t0.text[1:]) >= 1 and not t0.upper and not listed \
                    and not re.match(r"(?:Mc|Mac|De|Le|La|Van|Du|Di|O')[A-Z]", t0.text) \
                    and "-" not in t0.text:
                return INSTELLING   # "QuizPeople", "TotalFina": a brand, not a person
        # "de Generale", "de Raad", "het Zonnehuis": Dutch puts no article before a
        # person's name (a listed first name or surname stays a person: "de Jan", "de Vries")
        if prev and prev[0] in ARTICLES and toks[run[0]].key not in ARTICLES and \
                not any(k in lex.first_names or k in lex.surnames or k in lex.interfix_surnames
                        or lex.diminutive_base(k) for k in keys) and \
                text[toks[run[0]].start - 1:toks[run[0]].start] == " ":
            return INSTELLING
        return PERSOON

    def find(self, text: str, toks: list[Tok] | None = None) -> list[Detection]:
        toks = toks if toks is not None else tokenize(text)
        out: list[Detection] = []
        runs, forced = self._runs(text, toks)
        for run in runs:
            # drop ordinary sentence-initial words in front ("Maar Jan zei" -> "Jan")
            while run and toks[run[0]].initial and not toks[run[0]].label:
                t = toks[run[0]]
                if len(run) == 1:
                    break
                nxt = toks[run[1]]
                if t.key in INTERFIX and (nxt.key in self.lex.interfix_surnames or
                                          run[0] in forced):
                    break       # "De Vries zei...", "Van der Voort" keep their particles
                if t.key in self.lex.common or t.key in INTERFIX or (
                        self.lex.is_word(t.key) and t.key not in self.lex.first_names):
                    run = run[1:]
                    while run and toks[run[0]].key in INTERFIX and not toks[run[0]].cap:
                        run = run[1:]
                else:
                    break
            if not run:
                continue
            first = toks[run[0]]
            # a name by its context ("dokter Visser", "mijn oudste, Storm") teaches the
            # rest of the run even when it is also an ordinary word
            source = "caps-cue" if any(i in forced for i in run) else "caps"
            if first.label:
                source = "label"
                # header lines ("Datum:", "Locatie:") and role words are no names
                if len(run) == 1 and first.key not in self.lex.first_names and \
                        (self.lex.is_word(first.key) or first.key in _HEADER_WORDS):
                    continue
            elif len(run) == 1 and first.initial and run[0] not in forced:
                if not self._initial_is_name(first):
                    continue
                source = "caps-initial"
            label = self._classify(text, toks, run, forced)
            if label is None:
                continue
            s, e = toks[run[0]].start, toks[run[-1]].end
            nxt = toks[run[-1] + 1] if run[-1] + 1 < len(toks) else None
            if label == PERSOON and nxt is not None and nxt.key in _LEGAL_STRICT and \
                    text[e:nxt.start] in (" ", " & "):
                label = INSTELLING      # "Flexwerk Polska BV", "Van Dalen & Zonen"
            if label in (PERSOON, PLAATS, INSTELLING) and nxt is not None and \
                    nxt.key in ORG_AFTER and text[e:nxt.start] == " ":
                label = INSTELLING      # "Isala ziekenhuis", "Het Lange Land Ziekenhuis"
                e = nxt.end
            prv = toks[run[0] - 1] if run[0] > 0 else None
            if label == PERSOON and prv is not None and prv.cap and prv.key in ORG_TYPES and \
                    text[prv.end:s] == " ":
                label = INSTELLING      # "Garage Brouwer", "Hotel Smit"
            if label == INSTELLING:
                s, e = self._org_extent(text, toks, run, s, e)
            out.append(Detection(s, e, label, text[s:e], source))
        out.extend(self._lowercase(text, toks))
        out.extend(self._initials(text))
        out.extend(self._with_initials(text))
        return out

    def _with_initials(self, text: str) -> list[Detection]:
        """A surname after initials: "A. Visser", "Dr. A.B. Visser", "Ph. van der Laan"
        (the full stop would otherwise make the surname look sentence-initial)."""
        out = []
        for m in _WITH_INITIALS_RE.finditer(text):
            if not re.search(r"(?<![a-z])[A-Z]\.", m.group(1)) and \
                    not re.search(r"(?:Ph|Th|Ch|Chr|Joh|Jac|Wm|Fr)\.", m.group(1)):
                continue        # titles alone ("Dr. Veer") are handled as titles
            surname = m.group(2).split()[-1]
            k = fold(surname)
            # only surnames a list knows: an unknown word after initials is no more a name
            # than elsewhere ("M. Auricularis", "E. Coli"), and unknown words at the start
            # of a sentence are names anyway
            if k in self.lex.stop or not (k in self.lex.surnames or k in self.lex.interfix_surnames
                                          or k in self.lex.first_names):
                continue
            out.append(Detection(m.start(1), m.end(2), PERSOON, m.group(0), "initials"))
        return out

    def _org_extent(self, text: str, toks: list[Tok], run: list[int], s: int, e: int
                    ) -> tuple[int, int]:
        """An organisation's name with its type word and legal form: "OBS De Tweemaster",
        "Hotel De Zeemeeuw", "Flexwerk Polska BV", "Van Dalen & Zonen"."""
        i = run[0] - 1
        steps = 0
        while i >= 0 and steps < 2:
            t = toks[i]
            if text[t.end:s] != " " or not t.cap or t.blocked and t.key not in ORG_TYPES:
                break
            if t.key not in ORG_TYPES and t.key not in ORG_CUES:
                break
            s = t.start
            i -= 1
            steps += 1
        j = run[-1] + 1
        while j < len(toks):
            t = toks[j]
            gap = text[e:t.start]
            if gap in (" ", " & ") and t.key in LEGAL_FORMS and t.cap:
                e = t.end
                if text[e:e + 1] == ".":
                    e += 1        # "B.V."
                j += 1
                continue
            break
        return s, e

    @staticmethod
    def _initials(text: str) -> list[Detection]:
        """Initials alone on a line, as under a report or a note: "(GSC)", "JvdB"."""
        out = []
        for m in _INITIALS_RE.finditer(text):
            out.append(Detection(m.start(1), m.end(1), PERSOON, m.group(1), "initials"))
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
            if prev in ARTICLES and i > 1 and toks[i - 2].key in _SCHOOLISH and \
                    text[toks[i - 2].end:toks[i - 1].start] == " " and \
                    text[toks[i - 1].end:t.start] == " " and not toks[i - 1].blocked:
                # "naar de basisschool de kameleon": a school's name in lower case
                s = toks[i - 1].start
                out.append(Detection(s, t.end, INSTELLING, text[s:t.end], "lower-org"))
                continue
            if cue_strong and (is_first or k in lex.surnames or not lex.is_word(k)):
                hit = True
            elif cue_weak and (is_first or (k in lex.surnames and not lex.is_word(k))):
                hit = True
            elif prev in PLACE_CUES and k in lex.places and k not in lex.common and \
                    k not in lex.stop and (k not in lex.vocab or prev in _BARE_PLACE_CUES):
                # a listed place after "in", "uit", "gemeente" ("in hoofddorp"); a place
                # that is also a word ("in hoorn") only straight after a preposition, where
                # an ordinary noun would have its article ("in de hoorn")
                s = t.start
                out.append(Detection(s, t.end, PLAATS, t.text, "lower-place"))
                continue
            elif is_first and not lex.is_word(k) and len(k) >= 4 and k not in lex.places \
                    and n > 1:
                # a first name that is no ordinary word, in running text ("ik belde
                # lisa"); a text of one lower-case word alone gives no such evidence
                # (file names have their own rule: ``gate.name_suspects``)
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
