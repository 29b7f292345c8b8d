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
usually speaks first); ``study.yaml: speakers`` overrides. Errors name the file, never its
content.
"""
from __future__ import annotations

import codecs
import hashlib
import html
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import InputError
from .models import ROLES, Segment, StageDirection, Transcript

if TYPE_CHECKING:  # pragma: no cover
    from .respondents import RespondentTable
    from .study import Study

SUPPORTED = (".txt", ".md", ".docx", ".vtt", ".srt")
MAX_BYTES = 50 * 1024 * 1024

# Files in interviews/ that are not transcripts and are skipped without a fuss.
_RESPONDENT_TABLES = {"respondenten.csv", "respondenten.xlsx"}
_SKIP_NAMES = {"thumbs.db", "desktop.ini"}
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
_PLACEHOLDER = re.compile(r"^\[[A-Z][A-Z_]*(?:-\d+)?\]$")

# Header keys (lower case) of the block before the first turn.
_HEADER_KEYS = {
    "interview", "interviewnummer", "datum", "date", "locatie", "plaats", "location", "aanwezig",
    "aanwezigen", "wijze", "duur", "tijd", "tijdstip", "begin", "einde", "transcriptie",
    "getranscribeerd door", "transcribent", "project", "onderzoek", "opname", "bestand",
    "respondentnummer", "nummer", "taal", "opmerking", "opmerkingen", "notitie", "notities",
    "codering", "versie", "titel", "setting", "context", "kenmerken",
}
# Capitalised words that start speech lines and must never be taken for a name label.
_NOT_NAMES = {
    "nou", "ja", "nee", "dus", "maar", "en", "toen", "want", "oké", "oke", "ok", "okay", "goed",
    "kijk", "zeg", "zegmaar", "nb", "let op", "tip", "vraag", "antwoord", "noot", "let", "ps",
    "eh", "ehm", "uh", "uhm", "hm", "mm", "hè", "he", "nouja", "echt", "precies", "klopt",
    "gemeente", "svb", "uwv", "belastingdienst", "veilig thuis", "ind", "coa", "politie",
    "jeugdzorg", "opvang", "de opvang", "woningcorporatie", "rechtbank", "note", "yes", "no",
    "well", "so", "and", "but", "end", "example", "voorbeeld", "bijvoorbeeld", "vervolg",
    "dag", "hallo", "hoi", "doei", "sorry", "dank", "bedankt", "welkom",
}
_PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "in", "op", "von",
              "du", "la", "le", "da", "di", "dos", "el", "al", "bin", "ibn", "ben", "'s", "d'"}

# Stage-direction words for *parenthesised* remarks ("(lacht)"); brackets always count.
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
# Interpreter turns that render the respondent's answer.
# An interpreter rendering the respondent's answer: "Ze zegt: ...", also after a short
# lead-in ("Ja. Ze zegt dat ...", "Ze lacht, ze zegt: ...").
_INTERPRETED = re.compile(
    r"(?:^|[.!?,;:]\s+|^\W*)(?:(?:ze|zij|mevrouw|de respondente?|de vrouw|she)\s+"
    r"(?:zegt|zei|vertelt|vertelde|antwoordt|antwoordde|bedoelt|geeft\s+aan|legt\s+uit|"
    r"vraagt|zegt\s+dat|says|said|tells)\b|haar\s+antwoord\s+(?:is|was)\b|"
    r"(?:\w+\W+){0,3}zegt\s+(?:ze|zij)\b)", re.I)

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
_STAGE_BRACKET = re.compile(r"\[[^\[\]\n]{1,200}\]")
_STAGE_PAREN = re.compile(r"\(([^()\n]{1,80})\)")
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


def _sniff_refusal(raw: bytes, suffix: str) -> str | None:
    head = raw[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ("oud Word-formaat (.doc) of een beveiligd document; sla het in Word op als "
                ".docx zonder wachtwoord")
    if head.startswith(b"%PDF"):
        return "PDF; exporteer het transcript als .docx of .txt"
    if head.startswith(b"{\\rtf"):
        return "RTF; sla het op als .docx of .txt"
    if head.startswith(b"PK\x03\x04") and suffix != ".docx":
        return ("een zip- of Office-bestand met de extensie " + (suffix or "(geen)")
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
    if _PLACEHOLDER.match(label.strip()):
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
    if not words or label_key(label) in _NOT_NAMES or words[0].casefold() in _NOT_NAMES:
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

    def __init__(self, path: Path):
        from docx.oxml.parser import parse_xml
        from lxml import etree

        self.path = path
        try:
            with zipfile.ZipFile(path) as zf:
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


def _read_docx(path: Path) -> tuple[str, str, list[_Line]]:
    if not zipfile.is_zipfile(path):
        raise InputError("geen geldig Word-document (.docx is geen zip-bestand); open en bewaar "
                         "het opnieuw in Word", path)
    from docx.table import Table

    package = _DocxPackage(path)
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


def _read_cues(raw: bytes, path: Path, fmt: str) -> tuple[str, str, list[_Line]]:
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
    cands = [None if v else _candidate(_Line(0, t)) for _, v, t in cues]
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
    warnings: list[str] = field(default_factory=list)


def _parse(text: str, lines: list[_Line]) -> _Parsed:
    cands = [_candidate(ln) for ln in lines]
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

def _stage_directions(text: str, start: int, end: int) -> list[StageDirection]:
    seg = text[start:end]
    if "[" not in seg and "(" not in seg:
        return []
    found: list[tuple[int, int]] = []
    for m in _STAGE_BRACKET.finditer(seg):
        if _PLACEHOLDER.match(m.group(0)):
            continue
        found.append((m.start(), m.end()))
    for m in _STAGE_PAREN.finditer(seg):
        inner = m.group(1).strip()
        first = re.split(r"\W+", inner.casefold().lstrip("*_ "), maxsplit=1)[0]
        if _TS.fullmatch(m.group(0)) or first in _STAGE_WORDS:
            found.append((m.start(), m.end()))
    found.sort()
    out, last = [], -1
    for a, b in found:
        if a < last:
            continue
        out.append(StageDirection(seg[a:b], start + a, start + b))
        last = b
    return out


def _speech_of(text: str, start: int, end: int, sds: list[StageDirection]) -> str:
    out, pos = [], start
    for sd in sds:
        out.append(text[pos:sd.start])
        pos = sd.end
    out.append(text[pos:end])
    return " ".join(" ".join(out).split())


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


def _interpreted(speech: str, sds: list[StageDirection]) -> bool:
    return bool(_INTERPRETED.search(speech))


@dataclass
class _SpeakerStats:
    label: str
    first: int
    turns: int = 0
    words: int = 0
    questions: int = 0
    interpreted: int = 0
    interprets: int = 0  # turns with [spreekt ...] / [vertaalt]


def assign_roles(stats: dict[str, _SpeakerStats], fixed: dict[str, str]) -> dict[str, str]:
    """Roles per label key: fixed ones as given, the rest inferred from how they speak."""
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
        if qratio(k) >= 0.5 and stats[k].words < resp_words:
            roles[k] = "interviewer"
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
                    warnings: list[str] | None = None) -> Transcript:
    """Read one transcript file into a ``Transcript`` with segments and roles.

    ``speakers`` maps labels (any case) to roles and overrides inference; ``warnings``
    (optional) collects remarks for ``klantreis check`` (file names and counts only).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    raw = _check_file(path)
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError("leeg bestand: er staat geen tekst in", path)
    refusal = _sniff_refusal(raw, suffix)
    if suffix in _REFUSED_EXT and (refusal is None or refusal.startswith("een zip")):
        refusal = _REFUSED_EXT[suffix]
    if refusal:
        raise InputError(f"dit bestandstype wordt niet ondersteund: {refusal}", path)
    if suffix not in SUPPORTED:
        raise InputError(f"bestandstype '{suffix or '(geen extensie)'}' wordt niet ondersteund "
                         f"(gebruik {' '.join(SUPPORTED)})", path)
    fmt = suffix[1:]
    if fmt == "docx":
        text, enc, lines = _read_docx(path)
    elif fmt in ("vtt", "srt"):
        text, enc, lines = _read_cues(raw, path, fmt)
    else:
        text, enc, lines = _read_plain(raw, path, markdown=fmt == "md")
    if not text.strip():
        raise InputError("leeg bestand: er staat geen tekst in", path)
    notes: list[str] = []
    if _MOJIBAKE.search(text[:100_000]):
        notes.append("de tekst bevat verminkte tekens (zoals 'Ã©'): is het bestand twee keer "
                     "omgezet? Controleer de codering")
    parsed = _parse(text, lines)
    if not parsed.turns:
        raise InputError("geen sprekerbeurten gevonden: begin elke beurt met een label zoals "
                         "'I:' en 'R:', 'Interviewer:' of een naam met dubbele punt", path)
    rid = respondent_id or path.stem
    segments = _build_segments(text, lines, parsed, rid, speakers or {})
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


def _build_segments(text: str, lines: list[_Line], parsed: _Parsed, rid: str,
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
        speech = _speech_of(text, turn.start, turn.end, sds)
        st = stats.get(c.key)
        if st is None:
            st = stats[c.key] = _SpeakerStats(written[c.key], idx)
        if c.key in config:
            fixed[c.key] = config[c.key]
        elif c.hint and c.key not in fixed:
            fixed[c.key] = c.hint
        if not speech and not sds:
            continue
        st.turns += 1
        st.words += len(speech.split())
        st.questions += _is_question(speech)
        is_interp = _interpreted(speech, sds)
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
              ".webm", ".avi", ".png", ".jpg", ".jpeg", ".gif", ".csv", ".xlsx", ".xls", ".json",
              ".yaml", ".yml", ".zip", ".qdpx", ".qde", ".html", ".htm", ".xml", ".bak", ".tmp"}


def _natural_key(p: Path):
    return [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", p.name)]


def transcript_files(folder: Path, warnings: list[str] | None = None) -> list[Path]:
    """The files in ``interviews/`` that are (or claim to be) transcripts, in natural order."""
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir(), key=_natural_key):
        name = p.name
        if name.startswith((".", "~$", "_")) or name.lower() in _SKIP_NAMES or not p.is_file():
            continue
        if name.lower() in _RESPONDENT_TABLES:
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
    """All transcripts of a study with the respondent table and the remarks for the user."""

    transcripts: list[Transcript]
    respondents: "RespondentTable"
    warnings: list[str] = field(default_factory=list)


def import_study(study: "Study") -> StudyImport:
    from .respondents import load_respondents

    warnings: list[str] = []
    folder = study.interviews_dir
    if not folder.is_dir():
        raise InputError("de map interviews/ ontbreekt", study.root)
    files = transcript_files(folder, warnings)
    table = load_respondents(study)
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
                                warnings=warnings)
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


def segments_table(transcripts: Iterable[Transcript]) -> list[dict[str, Any]]:
    """One row per segment, without text (safe to print)."""
    rows = []
    for t in transcripts:
        for s in t.segments:
            rows.append({"respondent": s.respondent_id, "index": s.index, "speaker": s.speaker,
                         "role": s.role, "start": s.start, "end": s.end,
                         "words": len(s.speech.split()), "line": s.line,
                         "interpreted": s.interpreted, "timestamp": s.timestamp})
    return rows


def transcript_overview(transcripts) -> list[dict]:
    """One row per transcript: file, format, encoding, speakers with their roles, turns and
    words (all and the respondent's). Counts only, never transcript text."""
    rows = []
    for t in transcripts:
        roles = speaker_roles(t)
        rows.append({
            "bestand": t.path.name,
            "respondent": t.respondent_id,
            "formaat": t.format,
            "codering": t.encoding,
            "sprekers": ", ".join(f"{label}={role}" for label, role in roles.items()),
            "beurten": len(t.segments),
            "woorden": sum(len(s.speech.split()) for s in t.segments),
            "respondent_woorden": sum(len(s.speech.split()) for s in t.respondent_segments),
        })
    return rows


__all__ = ["transcript_overview", "read_transcript", "load_study_transcripts", "import_study", "StudyImport",
           "decode_bytes", "normalize_newlines", "transcript_files", "speaker_roles",
           "segments_table", "assign_roles", "label_key", "SUPPORTED", "MAX_BYTES"]
