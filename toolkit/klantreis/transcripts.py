"""Transcript import: the files research teams actually produce -> ``Transcript`` objects.

Formats: ``.txt``/``.md`` (UTF-8, UTF-8 with BOM, UTF-16 with BOM, Windows-1252 from Word's
"save as text"), ``.docx`` (paragraphs, "Spreker | Tekst" tables, bold labels) and
``.vtt``/``.srt`` subtitles (voice tags ``<v Name>`` or ``Name:`` prefixes).

Every format is first turned into the *stored text* (see docs/design.md, "Offsets") plus
per-line hints (a bold prefix, table cells, a subtitle voice). One parser then finds the
header block and the speaker turns, so all formats get the same label rules:

* a label is at the start of a line, short (<= 3 capitalised words) or a placeholder
  (``[PERSOON-2]``), and either a known label (``I``, ``Interviewer``, ``Tolk``,
  ``Speaker 1``...) or a name-like token that is used repeatedly (or in capitals, bold,
  a table cell or a subtitle voice). ``Ze zegt:`` or ``Nou:`` inside speech is no label.
* timestamps may stand before or after the label: ``[00:12:31] I:``, ``R (00:07:45):``.
* lines without a label continue the previous turn.

Roles of names and numbered speakers are inferred (the interviewer asks the questions and
usually speaks first; other speakers who answer at length are respondents too, as in a duo
interview); ``study.yaml: speakers`` overrides. Errors name the file, never its content.

Organisations are no speakers: a respondent's "Gemeente: die deed niks." is speech. The words
that are never a name label come from the bundled keep list of public bodies
(``data/anonymize/keep.txt``) plus, for a study, its journey organisations and its own
``anonymization/keep.txt``.

Stage directions (``[lacht]``, ``[spreekt Tigrinya]``, ``(lacht)``, ``(00:12:31)``) have one
rule, ``STAGE_DIRECTION_RE``, which ``quotes.py`` uses as well; placeholders such as
``[PERSOON-1]`` are never stage directions.
"""
from __future__ import annotations

import codecs
import hashlib
import html
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import InputError
from .models import PLACEHOLDER_RE, ROLES, Segment, StageDirection, Transcript, speech_text
from .respondents import TABLE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from .respondents import RespondentTable
    from .study import Study

SUPPORTED = (".txt", ".md", ".docx", ".vtt", ".srt")
MAX_BYTES = 50 * 1024 * 1024

# Files in interviews/ that are not transcripts and are skipped without a fuss (lower case):
# the respondent table under any of its names (respondents.TABLE_NAMES) and system files.
# A table named in study.yaml (respondent_table) is skipped by import_study as well.
RESPONDENT_TABLES = frozenset(TABLE_NAMES)
SKIP_NAMES = RESPONDENT_TABLES | {"thumbs.db", "desktop.ini"}
# Document types we recognise but cannot read: refused so the user notices.
_REFUSED_EXT = {
    ".doc": "oud Word-formaat (.doc); sla het in Word op als .docx",
    ".pdf": "PDF; exporteer het transcript als .docx of .txt",
    ".rtf": "RTF; sla het op als .docx of .txt",
    ".odt": "OpenDocument (.odt); sla het op als .docx",
    ".pages": "Pages-document; exporteer het als .docx",
    ".wpd": "WordPerfect-document; sla het op als .docx",
}

# --- label vocabulary ------------------------------------------------------------------

_KNOWN_LABELS: dict[str, str] = {}
for _role, _labels in {
    "interviewer": ("i", "int", "iv", "intv", "interviewer", "interviewster", "onderzoeker",
                    "onderzoekster", "gespreksleider", "moderator", "q"),
    "respondent": ("r", "resp", "respondent", "respondente", "geïnterviewde", "geinterviewde",
                   "deelnemer", "deelneemster", "cliënt", "client", "cliënte", "cliente",
                   "interviewee", "a"),
    "interpreter": ("t", "tolk", "interpreter", "vertaler", "vertaalster"),
    "other": ("b", "begeleider", "begeleidster", "hulpverlener", "mentor"),
}.items():
    for _label in _labels:
        _KNOWN_LABELS[_label] = _role

# Role words that may head a longer label ("Tolk Amal", "Interviewer 2").
_ROLE_WORDS = {k: v for k, v in _KNOWN_LABELS.items() if len(k) > 2}
# Single letters: only a label with a colon, a tab or a timestamp (never at end of line).
_SHORT_LABELS = {k for k in _KNOWN_LABELS if len(k) <= 2}
_ROLE_HINTS = {**_ROLE_WORDS, "i": "interviewer", "r": "respondent", "t": "interpreter",
               "b": "other", "kind": "other", "partner": "other"}

_NUMBERED = re.compile(r"^(?:speaker|spreker|persoon|deelnemer|participant|stem)"
                       r"(?:[\s_-]*\d{1,3}|[\s_-]+[a-z])$", re.I)
_ROLE_NUMBERED = re.compile(r"^([a-zë]+)[\s_-]*\d{1,2}$", re.I)

# Header keys (lower case) of the block before the first turn.
_HEADER_KEYS = {
    "interview", "interviewnummer", "datum", "date", "locatie", "plaats", "location", "aanwezig",
    "aanwezigen", "wijze", "duur", "tijd", "tijdstip", "begin", "einde", "transcriptie",
    "getranscribeerd door", "transcribent", "project", "onderzoek", "opname", "bestand",
    "respondentnummer", "nummer", "taal", "opmerking", "opmerkingen", "notitie", "notities",
    "codering", "versie", "titel", "setting", "context", "kenmerken",
}
# Capitalised words that start speech lines and must never be taken for a name label
# (ordinary discourse words; organisations come from the keep lists, see _keep_words).
_NOT_NAMES = {
    "nou", "ja", "nee", "dus", "maar", "en", "toen", "want", "oké", "oke", "ok", "okay", "goed",
    "kijk", "zeg", "zegmaar", "nb", "let op", "tip", "vraag", "antwoord", "noot", "let", "ps",
    "eh", "ehm", "uh", "uhm", "hm", "mm", "hè", "he", "nouja", "echt", "precies", "klopt",
    "note", "yes", "no",
    "well", "so", "and", "but", "end", "example", "voorbeeld", "bijvoorbeeld", "vervolg",
    "dag", "hallo", "hoi", "doei", "sorry", "dank", "bedankt", "welkom",
}


def read_word_list(text: str) -> set[str]:
    """Phrases of a keep list (one a line, ``#`` comments), as label keys (lower case)."""
    out = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.add(label_key(line))
    return out


@lru_cache(maxsize=1)
def _keep_words() -> frozenset[str]:
    """The bundled keep list of public bodies and services (``data/anonymize/keep.txt``,
    shared with the anonymizer): never a speaker's name."""
    try:
        text = (resources.files("klantreis") / "data" / "anonymize" / "keep.txt").read_text(
            "utf-8")
    except OSError:  # pragma: no cover - a broken install; labels still work
        return frozenset()
    return frozenset(read_word_list(text))


_PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "in", "op", "von",
              "du", "la", "le", "da", "di", "dos", "el", "al", "bin", "ibn", "ben", "'s", "d'"}

# Stage-direction words for *parenthesised* remarks ("(lacht)"); brackets always count.
# A parenthesised remark is a stage direction when its first word is one of these.
_STAGE_WORDS = {
    "lacht", "lachen", "lachend", "gelach", "glimlacht", "grinnikt", "stilte", "pauze", "zucht",
    "zuchten", "zuchtend", "huilt", "huilen", "huilend", "emotioneel", "geëmotioneerd",
    "onverstaanbaar", "onhoorbaar", "onduidelijk", "spreekt", "vertaalt", "knikt", "schudt",
    "hoest", "kucht", "telefoon", "geluid", "geroezemoes", "door", "elkaar", "stil", "lange",
    "korte", "laughs", "laughter", "chuckles", "pause", "silence", "crosstalk", "inaudible",
    "unintelligible", "cries", "sighs",
}

_QUESTION_WORDS = {
    "wat", "hoe", "waarom", "wanneer", "waar", "wie", "welke", "welk", "waardoor", "waarmee",
    "waarover", "waarvan", "hoezo", "hoeveel", "hoelang", "kun", "kan", "kunt", "kon", "heb",
    "hebt", "had", "ben", "bent", "was", "zou", "zijn", "vind", "vond", "wil", "wilt", "weet",
    "mag", "moet", "moest", "gaat", "ging", "doe", "deed", "klopt", "merk", "ervaar",
    "what", "how", "why", "when", "where", "who", "which", "can", "could", "do", "did", "does",
    "would", "are", "were", "is", "have", "has", "will",
}
# An interpreter rendering the respondent's answer: "Ze zegt: ...", "Hij zegt dat ...",
# "Meneer vertelt ...", also after a short lead-in ("Ja. Ze zegt dat ...", "Nee, zegt hij,
# ..."). Female, male and neutral forms: the respondent may be a man or a woman.
_RENDERED_SUBJECT = (r"(?:ze|zij|hij|mevrouw|meneer|de\s+vrouw|de\s+man|de\s+respondente?|"
                     r"de\s+cli[eë]nte?|de\s+deelne(?:mer|emster)|she|he)")
_INTERPRETED = re.compile(
    rf"(?:^|[.!?,;:]\s+|^\W*)(?:{_RENDERED_SUBJECT}\s+"
    r"(?:zegt|zei|vertelt|vertelde|antwoordt|antwoordde|bedoelt|geeft\s+aan|legt\s+uit|"
    r"vraagt|zegt\s+dat|says|said|tells)\b|(?:haar|zijn)\s+antwoord\s+(?:is|was)\b|"
    r"(?:her|his)\s+answer\s+(?:is|was)\b|"
    r"(?:\w+\W+){0,3}zegt\s+(?:ze|zij|hij)\b)", re.I)

# --- small regexes -----------------------------------------------------------------------

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TS = re.compile(rf"(?:\[\s*{_TIME}(?:\s*(?:-|–|-->)\s*{_TIME})?\s*\]"
                 rf"|\(\s*{_TIME}(?:\s*(?:-|–|-->)\s*{_TIME})?\s*\)"
                 rf"|{_TIME}(?![\d:]))")
_TIME_PARTS = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_WS = " \t\u00a0\u2007\u202f"
_LEAD = re.compile(r"[ \t\u00a0\u2007\u202f]*(?:[‘’'\"“”*_>]+[ \t\u00a0]*|-\s+)?")
# A candidate label: a placeholder or up to 40 label characters, not starting with a digit.
_LABEL = re.compile(r"\[[A-Z][A-Z_]*(?:-\d+)?\]|[^\W\d_][\w’'.\- \u00a0]{0,39}", re.U)
_HINT = re.compile(r"\(([^()\n]{1,30})\)")
# Stage directions, one rule (quotes.py uses it too): a bracketed remark of up to 200
# characters that is not a placeholder ([lacht], [spreekt Tigrinya, lang]); a parenthesised
# one of up to 80 characters whose first word is a stage word ((lacht), (*zucht*)) or that
# is a timestamp ((00:12:31)). "(in de zomer)" is speech.
_TS_PAREN = rf"\(\s*{_TIME}(?:\s*(?:-|–|-->)\s*{_TIME})?\s*\)"
STAGE_DIRECTION_RE = re.compile(
    rf"(?!{PLACEHOLDER_RE.pattern})\[[^\[\]\n]{{1,200}}\]"
    r"|\((?=[^()\n]{1,80}\))\s*[*_ ]*(?i:"
    + "|".join(sorted((re.escape(w) for w in _STAGE_WORDS), key=len, reverse=True))
    + r")(?!\w)[^()\n]*\)"
    rf"|(?=\([^()\n]{{1,80}}\)){_TS_PAREN}")
_LABEL_ENDS = (re.compile(r"[:：\t(]"), re.compile(r"\*\*|__"), re.compile(rf"\s{_TIME}"),
               re.compile(r"\s\["))
# the same separators in one pattern: its leftmost match is the first separator
_LABEL_END = re.compile("|".join(p.pattern for p in _LABEL_ENDS))
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_MOJIBAKE = re.compile(r"Ã[\u0080-\u00bf©«¨«¯¶¼½]|â€[™œ\u009d“”˜¦]")


def _norm_ts(raw: str | None) -> str | None:
    if not raw:
        return None
    m = _TIME_PARTS.search(raw)
    if not m:
        return None
    a, b, c = m.groups()
    h, mi, s = (0, int(a), int(b)) if c is None else (int(a), int(b), int(c))
    return f"{h:02d}:{mi:02d}:{s:02d}"


@lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """Key under which two spellings of one label are the same speaker."""
    return " ".join(label.replace("\u00a0", " ").split()).rstrip(".:").casefold()


# --- reading bytes -------------------------------------------------------------------

def decode_bytes(raw: bytes, path: str | Path) -> tuple[str, str]:
    """Decode a text file as Dutch teams save it; return (text, encoding name).

    UTF-8 (with or without BOM) first, UTF-16 when it has a BOM (Word "Unicode text"),
    else Windows-1252 (Word "save as text" on Windows), else Latin-1. Binary data is refused.
    """
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(f"ongeldige UTF-8 na het BOM (byte {exc.start + 3})", path) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError("ongeldige UTF-16-tekst", path) from None
    if b"\x00" in raw:
        raise InputError("dit is geen tekstbestand (binaire gegevens)", path)
    try:
        text, enc = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, enc = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, enc = raw.decode("latin-1"), "latin-1"
    sample = text[:200_000]
    bad = len(_CONTROL.findall(sample))
    if sample and bad > max(8, len(sample) // 100):
        raise InputError("dit is geen tekstbestand (veel niet-afdrukbare tekens)", path)
    return text, enc


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sniff_refusal(raw: bytes, suffix: str) -> tuple[str, str] | None:
    """(kind, reason) for content we recognise but cannot read: kind is "ole", "pdf", "rtf"
    or "zip" (a zip under another extension than .docx)."""
    head = raw[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole", ("oud Word-formaat (.doc) of een beveiligd document; sla het in Word op "
                       "als .docx zonder wachtwoord")
    if head.startswith(b"%PDF"):
        return "pdf", "PDF; exporteer het transcript als .docx of .txt"
    if head.startswith(b"{\\rtf"):
        return "rtf", "RTF; sla het op als .docx of .txt"
    if head.startswith(b"PK\x03\x04") and suffix != ".docx":
        return "zip", ("een zip- of Office-bestand met de extensie " + (suffix or "(geen)")
                       + "; is het een .docx? Geef het dan die extensie")
    return None


# --- lines and hints -------------------------------------------------------------------

@dataclass
class _Line:
    """One line of the stored text, with format hints from docx/vtt/tables."""

    start: int
    text: str
    bold: int = 0                             # length of a bold prefix (docx)
    cells: list[tuple[int, int]] | None = None  # table cells, relative spans
    voice: tuple[int, int] | None = None      # forced label span (subtitle voice)
    ts: str | None = None                     # timestamp known from the format
    skip: bool = False                        # table header row, markdown rule


@dataclass
class _Cand:
    label: str
    key: str
    speech: int                # relative offset where speech starts (may be len(line))
    sep: str                   # ':' | 'tab' | 'eol' | 'bold' | 'cell' | 'voice' | 'space'
    ts: str | None = None
    hint: str | None = None    # role from "(tolk)" or "Tolk Amal"
    kind: str = "name"         # known | numbered | placeholder | name | other
    caps: bool = False


@lru_cache(maxsize=4096)
def _classify(label: str) -> tuple[str, str | None]:
    """(kind, role) of a label text."""
    key = label_key(label)
    if key in _KNOWN_LABELS:
        return "known", _KNOWN_LABELS[key]
    if PLACEHOLDER_RE.fullmatch(label.strip()):
        return "placeholder", None
    if _NUMBERED.match(key):
        return "numbered", None
    m = _ROLE_NUMBERED.match(key)
    if m and m.group(1) in _KNOWN_LABELS:
        return "known", _KNOWN_LABELS[m.group(1)]
    words = key.split()
    if 1 < len(words) <= 3 and words[0] in _ROLE_WORDS and label.split()[1][:1].isupper():
        return "known", _ROLE_WORDS[words[0]]       # "Tolk Amal", "Interviewer Jeske"
    if _name_like(label):
        return "name", None
    return "other", None


def _name_like(label: str) -> bool:
    words = label.replace("\u00a0", " ").split()
    if not words or _is_not_name(label_key(label), words[0].casefold(), _NOT_NAMES):
        return False
    if _is_not_name(label_key(label), words[0].casefold(), _keep_words()):
        return False
    if label_key(label) in _HEADER_KEYS or words[0].casefold() in _HEADER_KEYS:
        return False
    caps = 0
    for i, w in enumerate(words):
        if w[:1].isupper() and re.fullmatch(r"[^\W\d_][\w’'\-]*\.?", w):
            caps += 1
        elif i > 0 and (w.casefold() in _PARTICLES or re.fullmatch(r"[’']\d{2}", w)):
            continue
        else:
            return False
    return 1 <= caps <= 3


def _is_not_name(key: str, first: str, words: set[str] | frozenset[str]) -> bool:
    """A label (key, first word) that one of ``words`` rules out ("gemeente", "Gemeente
    Utrecht", "Belastingdienst/Toeslagen")."""
    return key in words or first in words


def _take_ts(text: str, pos: int) -> tuple[str | None, int]:
    m = _TS.match(text, pos)
    if not m:
        return None, pos
    return m.group(0), _skip_ws(text, m.end(), "-–")


_WS_RUNS: dict[str, re.Pattern] = {}


def _skip_ws(text: str, pos: int, extra: str = "") -> int:
    """The first position from ``pos`` on that is not whitespace (or in ``extra``)."""
    if pos >= len(text):
        return pos
    run = _WS_RUNS.get(extra)
    if run is None:
        run = _WS_RUNS[extra] = re.compile("[" + re.escape(_WS + extra) + "]*")
    return run.match(text, pos).end()


def _candidate(line: _Line) -> _Cand | None:
    """The label a line would start with, if any (acceptance is decided per file)."""
    text = line.text
    if line.skip or not text or text.isspace():
        return None
    if line.voice is not None:
        a, b = line.voice
        label = text[a:b]
        kind, role = _classify(label)
        pos = _skip_ws(text, b)
        if pos < len(text) and text[pos] in ":：":
            pos = _skip_ws(text, pos + 1)
        return _Cand(label, label_key(label), pos, "voice", line.ts, role, kind)
    if line.cells is not None and len(line.cells) >= 2:
        return _cell_candidate(line)
    m = _LEAD.match(text)
    pos = m.end()
    ts1, pos = _take_ts(text, pos)
    if ts1:
        pos = _skip_ws(text, pos, "*_")        # "[00:01:02] **I:**"
    if ts1 is None and line.ts:
        ts1 = line.ts
    lm = _LABEL.match(text, pos)
    if not lm:
        return None
    label_start = pos
    raw = lm.group(0)
    # The label ends at the first separator: a colon, a tab, "(", a timestamp or "**".
    cut = len(raw)
    if line.bold and label_start < line.bold:
        cut = min(cut, line.bold - label_start)
    sm = _LABEL_END.search(text, label_start, label_start + cut + 12)
    if sm and sm.start() - label_start <= cut:
        cut = sm.start() - label_start
    label = text[label_start:label_start + cut].rstrip(_WS)
    if not label:
        return None
    pos = label_start + len(label)
    pos = _skip_ws(text, pos)
    hint = None
    hm = _HINT.match(text, pos)
    if hm and not _TS.fullmatch(hm.group(0)):
        hint_word = hm.group(1).strip().casefold()
        if hint_word in _ROLE_HINTS:
            hint = _ROLE_HINTS[hint_word]
            pos = _skip_ws(text, hm.end())
        else:
            return None
    pos = _skip_ws(text, pos, "*_")
    ts2, pos2 = _take_ts(text, pos)
    if ts2:
        pos = _skip_ws(text, pos2, "*_")
    sep = None
    if pos < len(text) and text[pos] in ":：":
        sep, pos = ":", pos + 1
        if pos < len(text) and text[pos] == ":":
            return None
    elif pos < len(text) and text[pos] == "\t":
        sep = "tab"
    elif pos >= len(text):
        sep = "eol"
    elif line.bold and label_start + len(label) <= line.bold + 1:
        sep = "bold"
    else:
        return None
    pos = _skip_ws(text, pos, "*_")
    ts3, pos3 = _take_ts(text, pos)
    if ts3:
        pos = pos3
    pos = _skip_ws(text, pos)
    kind, role = _classify(label)
    if hint:
        role = hint
    caps = kind == "name" and label.upper() == label and sum(ch.isalpha() for ch in label) >= 2
    cand = _Cand(label, label_key(label), pos, sep, _norm_ts(ts1 or ts2 or ts3), role, kind, caps)
    if line.bold and label_start < line.bold:
        cand.sep = "bold" if sep in ("bold", "eol") else sep
        cand.caps = cand.caps or kind == "name"   # bold names count as strong
    return cand


def _cell_candidate(line: _Line) -> _Cand | None:
    text = line.text
    cells = line.cells or []
    parts = [text[a:b].strip(_WS + "\n") for a, b in cells]
    first = 0
    ts = None
    if len(cells) >= 3 and _TS.fullmatch(parts[0]):
        ts, first = _norm_ts(parts[0]), 1
    label = parts[first].rstrip(":：").strip(_WS + "*")
    speech_cell = first + 1
    if speech_cell >= len(cells):
        return None
    a = cells[speech_cell][0]
    if a > len(text):          # a multi-line first cell: no label we can trust
        return None
    pos = _skip_ws(text, a, "\n")
    if not label:
        return _Cand("", "", pos, "cell", ts, None, "continuation")
    if len(label.split()) > 4:
        return None
    hint = None
    hm = re.search(r"\(([^()]{1,30})\)\s*$", label)
    if hm and hm.group(1).strip().casefold() in _ROLE_HINTS:
        hint = _ROLE_HINTS[hm.group(1).strip().casefold()]
        label = label[:hm.start()].strip()
    kind, role = _classify(label)
    return _Cand(label, label_key(label), pos, "cell", ts, hint or role, kind)


def _accept(c: _Cand, counts: Counter) -> bool:
    if c.kind == "continuation":
        return False
    if c.sep in ("cell", "voice"):
        return c.kind != "other" or len(c.label.split()) <= 3
    if c.kind in ("known", "numbered", "placeholder"):
        if c.sep == ":" or c.sep == "tab" or c.sep == "bold":
            return True
        # a lone "I" or "A" at the end of a line is speech, a lone "Interviewer" is a label
        return c.sep == "eol" and (c.ts is not None or c.key not in _SHORT_LABELS)
    if c.kind == "name":
        strong = c.caps or counts[c.key] >= 2 or c.hint is not None   # "Amal (tolk):"
        if c.sep in (":", "tab", "bold"):
            return strong
        return c.sep == "eol" and c.ts is not None and counts[c.key] >= 2
    return False


# --- format readers: raw file -> stored text + lines -----------------------------------

def _lines_of(text: str) -> list[_Line]:
    out, pos = [], 0
    for part in text.split("\n"):
        out.append(_Line(pos, part))
        pos += len(part) + 1
    return out


_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _markdown_cells(lines: list[_Line]) -> None:
    """Markdown tables (| Spreker | Tekst |): mark cells; the rule line is skipped."""
    for ln in lines:
        t = ln.text
        if not t.lstrip().startswith("|"):
            continue
        if _MD_RULE.match(t):
            ln.skip = True
            continue
        bars = [i for i, ch in enumerate(t) if ch == "|"]
        if len(bars) < 3:
            continue
        ln.cells = [(bars[i] + 1, bars[i + 1]) for i in range(len(bars) - 1)]
        _mark_table_header(ln)


_TABLE_HEADER_WORDS = {"spreker", "sprekers", "tekst", "tijd", "naam", "wie", "speaker", "text",
                       "time", "timestamp", "tijdcode", "transcript", "uitspraak", "inhoud", "rol",
                       "wat", "beurt", "nr", "#", "tijdstip", "gesprek", ""}


def _mark_table_header(ln: _Line) -> None:
    parts = [ln.text[a:b].strip(_WS + "*\n").casefold() for a, b in ln.cells or []]
    if any(parts) and all(p in _TABLE_HEADER_WORDS for p in parts):
        ln.skip = True


def _read_plain(raw: bytes, path: Path, markdown: bool) -> tuple[str, str, list[_Line]]:
    text, enc = decode_bytes(raw, path)
    text = normalize_newlines(text)
    lines = _lines_of(text)
    if markdown:
        _markdown_cells(lines)
    return text, enc, lines


class _DocxPackage:
    """The main document part of a .docx, parsed with python-docx's oxml layer.

    python-docx's ``Document()`` parses every part (styles, theme, numbering...) up front,
    which costs more than the transcript itself; we parse the body and, only when a run uses
    a character style, the styles part.
    """

    def __init__(self, raw: bytes, path: Path):
        from docx.oxml.parser import parse_xml
        from lxml import etree

        self.path = path
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = set(zf.namelist())
                main = "word/document.xml"
                if "_rels/.rels" in names:
                    rels = etree.fromstring(zf.read("_rels/.rels"))
                    for rel in rels:
                        if str(rel.get("Type", "")).endswith("/officeDocument"):
                            main = str(rel.get("Target", main)).lstrip("/")
                if main not in names:
                    raise InputError("geen Word-document: het zip-bestand mist de documenttekst "
                                     "(is het een ander Office-bestand?)", path)
                self.root = parse_xml(zf.read(main))
                self._styles_xml = zf.read("word/styles.xml") if "word/styles.xml" in names \
                    else None
        except InputError:
            raise
        except Exception:  # bad zip member, broken XML
            raise InputError("geen geldig Word-document (.docx); open en bewaar het opnieuw in "
                             "Word", path) from None
        self._bold_styles: dict[str, bool] | None = None

    def style_bold(self, style_id: str) -> bool:
        if self._bold_styles is None:
            self._bold_styles = {}
            if self._styles_xml:
                from docx.oxml.ns import qn
                from lxml import etree

                try:
                    styles = etree.fromstring(self._styles_xml)
                except etree.XMLSyntaxError:
                    styles = None
                for st in (styles if styles is not None else []):
                    b = st.find(f"{qn('w:rPr')}/{qn('w:b')}")
                    if b is not None:
                        val = b.get(qn("w:val"), "true")
                        self._bold_styles[str(st.get(qn("w:styleId")))] = val not in ("0", "false")
        return self._bold_styles.get(style_id, False)

    def blocks(self):
        """Body paragraphs and tables in document order (content controls included)."""
        from docx.oxml.ns import qn
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        body = self.root.find(qn("w:body"))
        if body is None:
            return
        p_tag, tbl_tag, sdt_tag = qn("w:p"), qn("w:tbl"), qn("w:sdt")
        content_tag = qn("w:sdtContent")

        def walk(parent):
            for child in parent.iterchildren():
                if child.tag == p_tag:
                    yield Paragraph(child, None)
                elif child.tag == tbl_tag:
                    yield Table(child, None)
                elif child.tag == sdt_tag:
                    content = child.find(content_tag)
                    if content is not None:
                        yield from walk(content)

        yield from walk(body)


@lru_cache(maxsize=1)
def _w_tags() -> tuple[str, str, frozenset[str]]:
    """Clark names of w:r, w:hyperlink and the run children that carry text."""
    from docx.oxml.ns import qn

    inner = frozenset(qn(f"w:{t}") for t in ("br", "cr", "noBreakHyphen", "ptab", "t", "tab"))
    return qn("w:r"), qn("w:hyperlink"), inner


def _run_text(r) -> str:
    """``CT_R.text`` without its per-run XPath query: the text-bearing children
    (w:t, w:tab, w:br, w:cr, w:noBreakHyphen, w:ptab) in document order, each as its
    python-docx ``str()``."""
    inner = _w_tags()[2]
    return "".join([str(e) for e in r.iterchildren() if e.tag in inner])


def _paragraph_text(p, runs: list | None = None) -> str:
    """``Paragraph.text`` (its w:r and w:hyperlink children, in order) without XPath;
    the paragraph's own runs are appended to ``runs`` as (element, text)."""
    r_tag, h_tag, _ = _w_tags()
    parts = []
    for child in p.iterchildren():
        tag = child.tag
        if tag == r_tag:
            t = _run_text(child)
            parts.append(t)
            if runs is not None:
                runs.append((child, t))
        elif tag == h_tag:
            parts.append("".join([_run_text(r) for r in child.iterchildren(r_tag)]))
    return "".join(parts)


def _row_cells(row) -> list[str]:
    """Cell texts of a table row; a vertically merged continuation cell is empty."""
    out = []
    for tc in row._tr.tc_lst:
        if tc.vMerge == "continue":
            out.append("")
        else:   # _Cell.text: its paragraphs joined by newlines
            out.append(normalize_newlines("\n".join(_paragraph_text(p) for p in tc.p_lst)))
    return out


def _run_bold(r, package: _DocxPackage) -> bool:
    """``Run.bold`` (w:rPr/w:b, its w:val read by python-docx), else the bold of the
    run's character style."""
    rpr_tag, b_tag = _rpr_tags()
    rpr = r.find(rpr_tag)
    if rpr is None:
        return False          # no w:rPr: neither direct bold nor a character style
    b = rpr.find(b_tag)
    if b is not None:
        return b.val
    if rpr.rStyle is None:
        return False
    return package.style_bold(rpr.rStyle.val)


@lru_cache(maxsize=1)
def _rpr_tags() -> tuple[str, str]:
    from docx.oxml.ns import qn

    return qn("w:rPr"), qn("w:b")


def _bold_prefix(runs: list, text: str, package: _DocxPackage) -> int:
    """Length of the leading bold runs of a paragraph (0 when not bold or not aligned).
    ``runs``: the paragraph's own runs as (element, text)."""
    acc = []
    for r, t in runs:
        if _run_bold(r, package):
            acc.append(t)
        elif not t.strip() and not acc:
            acc.append(t)
        else:
            break
    prefix = "".join(acc)
    if not prefix.strip() or not text.startswith(prefix):
        return 0
    return len(prefix)


def _read_docx(raw: bytes, path: Path) -> tuple[str, str, list[_Line]]:
    """The stored text of a .docx from its bytes (read once by ``read_transcript``)."""
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputError("geen geldig Word-document (.docx is geen zip-bestand); open en bewaar "
                         "het opnieuw in Word", path)
    from docx.table import Table

    package = _DocxPackage(raw, path)
    parts: list[str] = []
    lines: list[_Line] = []
    pos = 0

    def add(text: str, **hint) -> None:
        nonlocal pos
        text = normalize_newlines(text)
        for i, piece in enumerate(text.split("\n")):
            lines.append(_Line(pos, piece, **(hint if i == 0 else {})))
            pos += len(piece) + 1
        parts.append(text)

    try:
        for block in package.blocks():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = _row_cells(row)
                    row_text = "\t".join(cells)
                    if len(cells) >= 2:
                        spans, off = [], 0
                        for c in cells:
                            spans.append((off, off + len(c)))
                            off += len(c) + 1
                        first = len(lines)
                        add(row_text, cells=spans)
                        _mark_table_header(lines[first])
                    else:
                        add(row_text)
            else:
                runs: list = []
                text = _paragraph_text(block._p, runs)
                add(text, bold=_bold_prefix(runs, text, package))
    except InputError:
        raise
    except Exception:
        raise InputError("het Word-document kon niet worden gelezen (beschadigd?)", path) from None
    return "\n".join(parts), "utf-8", lines


_CUE_TIME = re.compile(r"^\s*((?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*"
                       r"((?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[\w.\-]+)*\s+([^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d{1,2}:\d{2}[^>]*>|\{\\[^}]*\}")


def _read_cues(raw: bytes, path: Path, fmt: str, labels: "_LabelRules | None" = None
               ) -> tuple[str, str, list[_Line]]:
    """Subtitles -> one stored line per cue: '[00:01:02] Label: text'.

    A label is written only when the speaker changes, so a speaker's cues form one turn
    and the cue timestamps inside it are stage directions (not speech).
    """
    decoded, enc = decode_bytes(raw, path)
    decoded = normalize_newlines(decoded)
    cues: list[tuple[str, str | None, str]] = []   # (timestamp, voice, text)
    blocks = re.split(r"\n[ \t]*\n", decoded)
    for block in blocks:
        rows = [r for r in block.split("\n") if r.strip()]
        if not rows:
            continue
        if rows[0].lstrip("\ufeff").startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            # the header may be followed directly by a cue without a blank line
            idx = next((i for i, r in enumerate(rows) if _CUE_TIME.match(r)), None)
            if idx is None:
                continue
            rows = rows[idx:]
        t_idx = next((i for i, r in enumerate(rows[:3]) if _CUE_TIME.match(r)), None)
        if t_idx is None:
            continue
        ts = _norm_ts(_CUE_TIME.match(rows[t_idx]).group(1))
        voice = None
        new_cue = True
        for payload in rows[t_idx + 1:]:
            vm = _VOICE.search(payload)
            if vm:
                voice = " ".join(vm.group(1).split())
            clean = html.unescape(_TAG.sub("", payload)).replace("\u00a0", " ")
            clean = " ".join(clean.split())
            if not clean:
                continue
            if vm or new_cue:
                cues.append((ts, voice, clean))
                new_cue = False
            else:
                prev = cues[-1]
                cues[-1] = (prev[0], prev[1], prev[2] + " " + clean)
    if not cues:
        raise InputError(f"geen ondertitels (tijdcodes met '-->') gevonden in dit "
                         f".{fmt}-bestand", path)
    # "Name: text" prefixes (no voice tags): accept them with the same rules as elsewhere.
    rules = labels or _LabelRules()
    cands = [None if v else rules.apply(_candidate(_Line(0, t))) for _, v, t in cues]
    counts = Counter(c.key for c in cands if c is not None and c.kind == "name")
    out: list[str] = []
    lines: list[_Line] = []
    pos = 0
    current = None
    for (ts, voice, text), cand in zip(cues, cands):
        label = voice
        if label is None and cand is not None and _accept(cand, counts):
            label, text = cand.label, text[cand.speech:]
        prefix = f"[{ts}] "
        span = None
        if label is not None and label_key(label) != current:
            span = (len(prefix), len(prefix) + len(label))
            line = f"{prefix}{label}: {text}"
            current = label_key(label)
        else:
            line = prefix + text
        lines.append(_Line(pos, line, voice=span, ts=ts))
        out.append(line)
        pos += len(line) + 1
    return "\n".join(out), enc, lines


# --- the parser ------------------------------------------------------------------------

_LONG_ROLE_LABELS = {k for k in _KNOWN_LABELS if len(k) > 3}


@dataclass
class _Turn:
    cand: _Cand
    line_no: int       # 0-based index into lines
    start: int         # absolute offset of speech
    end: int


@dataclass
class _Parsed:
    header: dict[str, str]
    turns: list[_Turn]


@dataclass
class _LabelRules:
    """What a study adds to the label rules: ``organisations`` (label keys) are never a
    name label; ``speakers`` (label keys from study.yaml) are always a label."""

    organisations: frozenset[str] = frozenset()
    speakers: frozenset[str] = frozenset()

    def apply(self, cand: _Cand | None) -> _Cand | None:
        if cand is None or not cand.key:
            return cand
        if cand.key in self.speakers and cand.kind in ("name", "other"):
            cand.kind = "known"
        elif cand.kind == "name" and _is_not_name(cand.key, cand.key.split()[0],
                                                   self.organisations):
            cand.kind = "other"
        return cand


def _parse(text: str, lines: list[_Line], labels: _LabelRules | None = None) -> _Parsed:
    rules = labels or _LabelRules()
    cands = [rules.apply(_candidate(ln)) for ln in lines]
    counts = Counter(c.key for c in cands if c is not None and c.kind == "name")
    header: dict[str, str] = {}
    free: list[str] = []
    turns: list[_Turn] = []
    in_header = True
    header_seen = False
    for i, (ln, cand) in enumerate(zip(lines, cands)):
        stripped = ln.text.strip(_WS)
        if in_header:
            if not stripped or ln.skip:
                continue
            accepted = cand is not None and _accept(cand, counts)
            if cand is not None and cand.kind != "continuation" and _is_header_line(
                    cand, ln, accepted, header_seen):
                key = cand.label.strip().strip("*_#").casefold()
                header[key] = ln.text[cand.speech:].strip(_WS + "*_")
                header_seen = True
                continue
            if not accepted:
                kv = re.match(r"^[#*_\s]*([^\W\d_][\w ’'\-]{0,30}?)\s*[:：]\s*(.*)$", stripped)
                if kv and len(kv.group(1).split()) <= 3:
                    header[kv.group(1).strip().casefold()] = kv.group(2).strip(_WS + "*_")
                    header_seen = True
                else:
                    free.append(stripped.lstrip("#").strip(_WS + "*_"))
                continue
            in_header = False
        if cand is not None and _accept(cand, counts):
            turns.append(_Turn(cand, i, ln.start + cand.speech, ln.start + len(ln.text)))
            continue
        if turns and stripped and not ln.skip:
            turns[-1].end = ln.start + len(ln.text)
    if free:
        header.setdefault("titel", free[0])
        if len(free) > 1:
            header.setdefault("opmerkingen", " | ".join(free[1:]))
    for t in turns:
        # speech may start on the next line (a label alone on its line)
        seg = text[t.start:t.end]
        lead = len(seg) - len(seg.lstrip())
        t.start += lead
        seg = text[t.start:t.end]
        t.end = t.start + len(seg.rstrip())
        if t.end < t.start:
            t.end = t.start
    return _Parsed(header, turns)


def _is_header_line(cand: _Cand, ln: _Line, accepted: bool, header_seen: bool) -> bool:
    key = cand.key
    if not key:
        return False
    if key in _HEADER_KEYS or key.split()[0] in _HEADER_KEYS:
        return cand.sep in (":", "cell", "tab")
    if accepted and header_seen and key in _LONG_ROLE_LABELS and cand.sep in (":", "cell"):
        value = ln.text[cand.speech:].strip(_WS + "*_")
        return len(value.split()) <= 4 and not value.endswith((".", "?", "!", "…"))
    return False


# --- stage directions, roles ---------------------------------------------------------------

def stage_direction_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every stage direction in ``text`` (``STAGE_DIRECTION_RE``)."""
    if "[" not in text and "(" not in text:
        return []
    return [m.span() for m in STAGE_DIRECTION_RE.finditer(text)]


def strip_stage_directions(text: str) -> str:
    """``text`` without its stage directions (the rule of ``STAGE_DIRECTION_RE``)."""
    return STAGE_DIRECTION_RE.sub("", text)


def _stage_directions(text: str, start: int, end: int) -> list[StageDirection]:
    seg = text[start:end]
    return [StageDirection(seg[a:b], start + a, start + b) for a, b in stage_direction_spans(seg)]


_LETTERS = re.compile(r"[^\W\d_]+")


def _is_question(speech: str) -> bool:
    s = speech.rstrip(" \"'”’)").rstrip()
    if s.endswith("?"):
        return True
    if "?" in s[-80:]:
        return True
    words = _LETTERS.findall(s[:40].casefold())
    if words and words[0] in ("en", "maar", "dus", "oké", "ok", "and", "so") and len(words) > 1:
        words = words[1:]
    return bool(words) and words[0] in _QUESTION_WORDS


def _interpreted(speech: str) -> bool:
    return bool(_INTERPRETED.search(speech))


@dataclass
class _SpeakerStats:
    first: int
    turns: int = 0
    words: int = 0
    questions: int = 0
    interpreted: int = 0
    interprets: int = 0  # turns with [spreekt ...] / [vertaalt]


# A further speaker is a respondent too (a duo interview, a couple) when that speaker rarely
# asks questions and speaks a lot: at most this share of the turns are questions, and at
# least this share of the main respondent's words, in at least this many turns.
DUO_MAX_QUESTIONS = 0.3
DUO_MIN_WORDS = 0.25
DUO_MIN_TURNS = 3


def assign_roles(stats: dict[str, _SpeakerStats], fixed: dict[str, str]) -> dict[str, str]:
    """Roles per label key: fixed ones as given, the rest inferred from how they speak.

    An interpreter relays ("ze zegt ...", [vertaalt]); the interviewer asks the questions
    (and usually speaks first); the one who speaks most is the respondent, and so is every
    other speaker who rarely asks and speaks a lot (``DUO_*``); the rest is "other"
    (a companion, a child), or an interviewer when mostly asking."""
    roles = dict(fixed)
    unknown = [k for k in stats if k not in roles]
    if not unknown:
        return roles
    for k in list(unknown):
        s = stats[k]
        if s.turns >= 2 and (s.interpreted + s.interprets) / s.turns >= 0.2:
            roles[k] = "interpreter"
            unknown.remove(k)

    def qratio(k: str) -> float:
        s = stats[k]
        return s.questions / s.turns if s.turns else 0.0

    total_words = sum(s.words for s in stats.values()) or 1
    if unknown and "interviewer" not in roles.values():
        first = min(unknown, key=lambda k: stats[k].first)

        def score(k: str) -> float:
            return (qratio(k) + (0.25 if k == first else 0.0)
                    - 0.3 * stats[k].words / total_words)

        if len(unknown) >= 2 or "respondent" in roles.values():
            best = max(unknown, key=score)
            roles[best] = "interviewer"
            unknown.remove(best)
    if unknown and "respondent" not in roles.values():
        best = max(unknown, key=lambda k: stats[k].words)
        roles[best] = "respondent"
        unknown.remove(best)
    resp_words = max((stats[k].words for k, r in roles.items() if r == "respondent" and k in stats),
                     default=0)
    for k in unknown:
        s = stats[k]
        if qratio(k) >= 0.5 and s.words < resp_words:
            roles[k] = "interviewer"
        elif (qratio(k) <= DUO_MAX_QUESTIONS and s.turns >= DUO_MIN_TURNS
              and s.words >= DUO_MIN_WORDS * resp_words):
            roles[k] = "respondent"
        else:
            roles[k] = "other"
    return roles


# --- public API ------------------------------------------------------------------------

def _check_file(path: Path) -> bytes:
    if not path.exists():
        raise InputError("bestand bestaat niet", path)
    if not path.is_file():
        raise InputError("dit is geen bestand", path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"bestand is te groot ({size // (1024 * 1024)} MB; maximaal "
                         f"{MAX_BYTES // (1024 * 1024)} MB voor één transcript)", path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"bestand kan niet worden gelezen ({exc.strerror})", path) from None
    return raw


def read_transcript(path: str | Path, *, respondent_id: str | None = None,
                    speakers: dict[str, str] | None = None,
                    warnings: list[str] | None = None,
                    organisations: Iterable[str] = ()) -> Transcript:
    """Read one transcript file into a ``Transcript`` with segments and roles.

    ``speakers`` maps labels (any case) to roles and overrides inference (a label listed
    there is always a label); ``warnings`` (optional) collects remarks for ``klantreis
    check`` (file names and counts only); ``organisations``: names that start speech lines
    ("Gemeente: ...") and are never a speaker, on top of the bundled keep list
    (``import_study`` passes the study's journey organisations and keep list).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    raw = _check_file(path)
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError("leeg bestand: er staat geen tekst in", path)
    sniffed = _sniff_refusal(raw, suffix)
    refusal = sniffed[1] if sniffed else None
    if suffix in _REFUSED_EXT and (sniffed is None or sniffed[0] == "zip"):
        refusal = _REFUSED_EXT[suffix]
    if refusal:
        raise InputError(f"dit bestandstype wordt niet ondersteund: {refusal}", path)
    if suffix not in SUPPORTED:
        raise InputError(f"bestandstype '{suffix or '(geen extensie)'}' wordt niet ondersteund "
                         f"(gebruik {' '.join(SUPPORTED)})", path)
    fmt = suffix[1:]
    rules = _LabelRules(frozenset(label_key(o) for o in organisations if str(o).strip()),
                        frozenset(label_key(k) for k in (speakers or {})))
    if fmt == "docx":
        text, enc, lines = _read_docx(raw, path)
    elif fmt in ("vtt", "srt"):
        text, enc, lines = _read_cues(raw, path, fmt, rules)
    else:
        text, enc, lines = _read_plain(raw, path, markdown=fmt == "md")
    if not text.strip():
        raise InputError("leeg bestand: er staat geen tekst in", path)
    notes: list[str] = []
    if _MOJIBAKE.search(text[:100_000]):
        notes.append("de tekst bevat verminkte tekens (zoals 'Ã©'): is het bestand twee keer "
                     "omgezet? Controleer de codering")
    parsed = _parse(text, lines, rules)
    if not parsed.turns:
        raise InputError("geen sprekerbeurten gevonden: begin elke beurt met een label zoals "
                         "'I:' en 'R:', 'Interviewer:' of een naam met dubbele punt", path)
    rid = respondent_id or path.stem
    segments = _build_segments(text, parsed, rid, speakers or {})
    if not segments:
        raise InputError("alle sprekerbeurten zijn leeg", path)
    if not any(s.is_respondent_voice for s in segments):
        notes.append("geen beurten van de respondent gevonden (controleer de sprekerlabels of "
                     "'speakers' in study.yaml)")
    if warnings is not None:
        warnings.extend(f"{path.name}: {n}" for n in notes)
    return Transcript(respondent_id=rid, path=path, text=text,
                      sha256=hashlib.sha256(raw).hexdigest(), format=fmt, encoding=enc,
                      header=parsed.header, segments=segments)


_TRANSLATES = re.compile(r"\[\s*(vertaalt|tolk)", re.I)
_YEAR = re.compile(r"\s+[’']\d{2}$")


def _aliases(turns: list[_Turn]) -> dict[str, str]:
    """Longer spellings of a name label that also occurs short ("DANYOW ’16" -> "DANYOW",
    "Paul Danyow" -> "Danyow"): one speaker, not two."""
    uses = Counter(t.cand.key for t in turns if t.cand.kind == "name")
    out = {}
    for key in uses:
        base = _YEAR.sub("", key)
        if base != key and base in uses:
            out[key] = base
            continue
        words = base.split()
        if len(words) >= 2 and words[-1] in uses and uses[words[-1]] >= uses[key]:
            out[key] = words[-1]
    return out


def _build_segments(text: str, parsed: _Parsed, rid: str,
                    speakers: dict[str, str]) -> list[Segment]:
    written: dict[str, str] = {}
    stats: dict[str, _SpeakerStats] = {}
    fixed: dict[str, str] = {}
    config = {label_key(k): v for k, v in speakers.items()}
    alias = _aliases(parsed.turns)
    for turn in parsed.turns:
        if turn.cand.key not in alias:
            written.setdefault(turn.cand.key, turn.cand.label.strip())
    rows = []
    for idx, turn in enumerate(parsed.turns):
        c = turn.cand
        if c.key in alias:
            c.key = alias[c.key]
        written.setdefault(c.key, c.label.strip())
        sds = _stage_directions(text, turn.start, turn.end)
        speech = " ".join(speech_text(text[turn.start:turn.end], turn.start, sds).split())
        st = stats.get(c.key)
        if st is None:
            st = stats[c.key] = _SpeakerStats(idx)
        if c.key in config:
            fixed[c.key] = config[c.key]
        elif c.hint and c.key not in fixed:
            fixed[c.key] = c.hint
        if not speech and not sds:
            continue
        st.turns += 1
        st.words += len(speech.split())
        st.questions += _is_question(speech)
        is_interp = _interpreted(speech)
        st.interpreted += is_interp
        # "[vertaalt]" marks the interpreter; "[spreekt Dari]" marks the respondent
        st.interprets += any(_TRANSLATES.match(sd.text) for sd in sds)
        rows.append((turn, sds, speech, is_interp))
    roles = assign_roles({k: s for k, s in stats.items() if s.turns}, fixed)
    segments = []
    for turn, sds, speech, is_interp in rows:
        c = turn.cand
        role = roles.get(c.key, "other")
        if role not in ROLES:
            role = "other"
        segments.append(Segment(
            respondent_id=rid, index=len(segments), speaker=written[c.key], role=role,
            start=turn.start, end=turn.end, text=text[turn.start:turn.end],
            line=turn.line_no + 1, timestamp=c.ts,
            interpreted=role == "interpreter" and is_interp, stage_directions=sds))
    return segments


# --- the study folder ------------------------------------------------------------------

_MEDIA_EXT = {".mp3", ".m4a", ".wav", ".mp4", ".mov", ".ogg", ".opus", ".wma", ".aac", ".flac",
              ".webm", ".avi", ".png", ".jpg", ".jpeg", ".gif", ".csv", ".xlsx", ".xlsm", ".xls",
              ".ods", ".json",
              ".yaml", ".yml", ".zip", ".qdpx", ".qde", ".html", ".htm", ".xml", ".bak", ".tmp"}


def _natural_key(p: Path):
    return [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", p.name)]


def is_skipped_name(name: str) -> bool:
    """Whether a file in ``interviews/`` is passed over without a word: hidden and lock files
    (``.x``, ``~$x``, ``_x``), the respondent table under its standard names
    (``RESPONDENT_TABLES``) and system files. Shared with the anonymizer."""
    return name.startswith((".", "~$", "_")) or name.lower() in SKIP_NAMES


def transcript_files(folder: Path, warnings: list[str] | None = None,
                     skip: Iterable[Path] = ()) -> list[Path]:
    """The files in ``interviews/`` that are (or claim to be) transcripts, in natural order.
    ``skip``: further files that are no transcript (``study.yaml: respondent_table``)."""
    if not folder.is_dir():
        return []
    skipped = {Path(p).resolve() for p in skip}
    out = []
    for p in sorted(folder.iterdir(), key=_natural_key):
        name = p.name
        if is_skipped_name(name) or not p.is_file():
            continue
        if skipped and p.resolve() in skipped:
            continue
        ext = p.suffix.lower()
        if ext in _MEDIA_EXT:
            if warnings is not None:
                warnings.append(f"{name}: overgeslagen (geen transcript)")
            continue
        out.append(p)
    return out


@dataclass
class StudyImport:
    """All transcripts of a study with the respondent table and the remarks for the user
    (``Study.imported``; file names, line numbers and counts only, never transcript text)."""

    transcripts: list[Transcript]
    respondents: "RespondentTable"
    warnings: list[str] = field(default_factory=list)


def study_organisations(study: "Study") -> set[str]:
    """Names of organisations in a study that are never a speaker label: the journeys'
    organisations (also per step) and the study's ``anonymization/keep.txt``."""
    out: set[str] = set()
    for journey in study.journeys:
        out.update(journey.organisations)
        for phase in journey.phases:
            for step in phase.steps:
                out.update(step.organisations)
    keep = study.root / "anonymization" / "keep.txt"
    if keep.is_file():
        try:
            out.update(read_word_list(keep.read_text("utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            pass          # the anonymizer reports an unreadable list; labels still work
    return {o for o in out if str(o).strip()}


def import_study(study: "Study") -> StudyImport:
    """Read every transcript of ``study`` and its respondent table (checked against each
    other once). ``Study.imported`` keeps the result; use that rather than calling this
    again."""
    from .respondents import configured_table, load_respondents

    warnings: list[str] = []
    folder = study.interviews_dir
    if not folder.is_dir():
        raise InputError("de map interviews/ ontbreekt", study.root)
    configured = configured_table(study)
    files = transcript_files(folder, warnings, skip=[configured] if configured else ())
    table = load_respondents(study)
    organisations = study_organisations(study)
    ids_map = study.config.respondent_ids
    seen: dict[str, Path] = {}
    transcripts = []
    problems: list[InputError] = []      # every unreadable file at once, not one per run
    for p in files:
        rid = ids_map.get(p.stem, p.stem)
        try:
            if rid in seen:
                raise InputError(f"respondent '{rid}' heeft twee transcripten: "
                                 f"{seen[rid].name} en {p.name}; verwijder er één of gebruik "
                                 f"respondent_ids in study.yaml", p)
            seen[rid] = p
            t = read_transcript(p, respondent_id=rid, speakers=study.config.speakers,
                                warnings=warnings, organisations=organisations)
        except InputError as err:
            problems.append(err)
            continue
        t.attributes = table.attributes(rid)
        transcripts.append(t)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputError(f"{len(problems)} bestanden kunnen niet worden gelezen:\n"
                         + "\n".join(f"  {err}" for err in problems), folder)
    unused = set(ids_map) - {p.stem for p in files}
    for stem in sorted(unused):
        warnings.append(f"study.yaml: respondent_ids noemt '{stem}', maar er is geen "
                        f"transcript met die naam")
    table.check_transcripts([t.respondent_id for t in transcripts])
    warnings.extend(table.warnings)
    return StudyImport(transcripts, table, warnings)


def load_study_transcripts(study: "Study") -> list[Transcript]:
    """All transcripts of ``study.interviews_dir`` with respondent attributes attached."""
    return import_study(study).transcripts


def speaker_roles(transcript: Transcript) -> dict[str, str]:
    """Label -> role as found in the transcript (order of first turn)."""
    out: dict[str, str] = {}
    for s in transcript.segments:
        out.setdefault(s.speaker, s.role)
    return out


HIDDEN_LABEL = "naam (verborgen)"


def is_public_label(label: str) -> bool:
    """Whether a speaker label may be printed: a role word ("I", "Interviewer", "Tolk"), a
    role word with a number ("Interviewer 2"), a numbered speaker ("Spreker 1",
    "SPEAKER_00") or a placeholder ("[PERSOON-1]"). Anything else is usually a first name."""
    key = label_key(label)
    if key in _KNOWN_LABELS or _NUMBERED.match(key) or PLACEHOLDER_RE.fullmatch(label.strip()):
        return True
    m = _ROLE_NUMBERED.match(key)
    return bool(m and m.group(1) in _KNOWN_LABELS)


def public_label(label: str) -> str:
    """``label`` when ``is_public_label``, else ``HIDDEN_LABEL`` (privacy: what the CLI
    prints)."""
    return label if is_public_label(label) else HIDDEN_LABEL


def segments_table(transcripts: Iterable[Transcript], *, show_names: bool = False
                   ) -> list[dict[str, Any]]:
    """One row per segment, without text (safe to print: a speaker label that may be a
    name is shown as ``HIDDEN_LABEL`` unless ``show_names``)."""
    rows = []
    for t in transcripts:
        for s in t.segments:
            rows.append({"respondent": s.respondent_id, "index": s.index,
                         "speaker": s.speaker if show_names else public_label(s.speaker),
                         "role": s.role, "start": s.start, "end": s.end,
                         "words": s.word_count, "line": s.line,
                         "interpreted": s.interpreted, "timestamp": s.timestamp})
    return rows


def transcript_overview(transcripts, *, show_names: bool = False) -> list[dict]:
    """One row per transcript: file, format, encoding, speakers with their roles (names
    hidden unless ``show_names``), turns and spoken words (all and the respondent's).
    Counts only, never transcript text."""
    rows = []
    for t in transcripts:
        roles = speaker_roles(t)
        rows.append({
            "bestand": t.path.name,
            "respondent": t.respondent_id,
            "formaat": t.format,
            "codering": t.encoding,
            "sprekers": ", ".join(f"{label if show_names else public_label(label)}={role}"
                                  for label, role in roles.items()),
            "beurten": len(t.segments),
            "woorden": t.word_count,
            "respondent_woorden": t.respondent_word_count,
        })
    return rows


__all__ = ["transcript_overview", "read_transcript", "load_study_transcripts", "import_study",
           "StudyImport", "decode_bytes", "normalize_newlines", "transcript_files",
           "speaker_roles", "segments_table", "assign_roles", "label_key", "SUPPORTED",
           "MAX_BYTES", "STAGE_DIRECTION_RE", "stage_direction_spans", "strip_stage_directions",
           "RESPONDENT_TABLES", "SKIP_NAMES", "is_skipped_name", "public_label",
           "is_public_label", "HIDDEN_LABEL", "study_organisations", "read_word_list"]
