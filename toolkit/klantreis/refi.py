"""REFI-QDA exchange (ATLAS.ti, NVivo, MAXQDA, QualCoder, qc) and the Excel export.

    >>> from klantreis.refi import read_qdpx, write_qdpx, write_qdc, import_into_study
    >>> project = read_qdpx("project.qdpx")          # also .qde and .qdc
    >>> project.summary()                             # counts, never text or names
    >>> write_qdpx(study, "reports/studie.qdpx")      # validates against Project-mrt2019.xsd
    >>> write_qdc(study.codebook, "reports/codeboek.qdc")
    >>> import_into_study("project.qdpx", study)      # new transcripts + codings/<coder>/*.yaml

Export: one ``TextSource`` per transcript whose plain text is ``Transcript.text`` (UTF-8, LF)
so positions are the toolkit's own offsets (characters, end exclusive). Categories become
non-codable codes holding their codes; every coding is one ``PlainTextSelection`` (its memo
is the selection's description); store memos become notes referenced from the code,
category, source or project; respondent attributes become variables and one case per
respondent. GUIDs are uuid5 of what an element is, so exporting twice gives the same file.

Import: vendors disagree on how positions are counted (README in ../shared/eval). NVivo for
Windows counts UTF-16 code units over the text with CR/LF as two; qc counts characters over
LF text. Per source we try the four combinations (characters or UTF-16 units; CR/LF as one
or two) and keep the one under which every selection fits and most selections start and
end on a word boundary; positions are then mapped to the LF text the toolkit stores.
ATLAS.ti's flattened ``A::B`` code names are turned back into a hierarchy. Media, pictures,
PDFs, links, sets and graphs are counted in ``QdaProject.skipped``, not read.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
from lxml import etree

from .coding import trim_span
from .errors import InputError, KlantreisError
from .fileio import _usual_mode, write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .models import Coding, Transcript
    from .store import Store
    from .study import Study

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# Fixed namespace for uuid5: the same study gives the same GUIDs in every export.
GUID_NAMESPACE = uuid.UUID("6f1c2b0e-3d5a-5b7e-9a40-6b6c616e7472")
IMPORT_CATEGORY = "geimporteerd"
MAX_MEMBER_BYTES = 512 * 1024 * 1024   # refuse zip bombs: no real project file is this big

# Dutch labels for what an import leaves out (keys are REFI element names or reasons).
SKIP_LABELS = {
    "AudioSource": "audiobronnen",
    "VideoSource": "videobronnen",
    "PictureSource": "afbeeldingsbronnen",
    "PDFSource": "pdf-bronnen",
    "Link": "koppelingen (links)",
    "Set": "sets (groepen)",
    "Graph": "netwerken (graphs)",
    "selection-in-skipped-source": "selecties in overgeslagen bronnen",
    "source-without-text": "tekstbronnen zonder tekstbestand",
    "empty-selection": "lege selecties",
    "source-coding": "coderingen van een hele bron",
    "coding-unknown-code": "coderingen met een onbekende code-GUID",
}

_SCHEMES = {  # name -> (units for CR/LF, count UTF-16 code units)
    "lf": (1, False),
    "crlf": (2, False),
    "utf16": (1, True),
    "utf16+crlf": (2, True),
}
_VENDOR_ORDER = ("utf16+crlf", "utf16", "crlf", "lf")   # .NET / Cocoa strings are UTF-16
_PLAIN_ORDER = ("lf", "crlf", "utf16", "utf16+crlf")     # Python tools and the toolkit
_UTF16_VENDORS = ("nvivo", "atlas", "maxqda")
_DOC_SUFFIXES = {".txt", ".docx", ".doc", ".rtf", ".odt", ".md", ".pdf", ".htm", ".html",
                 ".vtt", ".srt"}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


# --- what a REFI file holds ------------------------------------------------------------------

@dataclass
class QdaUser:
    guid: str
    name: str
    id: str = ""


@dataclass
class QdaCode:
    guid: str
    name: str
    description: str = ""
    color: str | None = None
    codable: bool = True
    parent: str | None = None                    # guid of the parent code
    children: list["QdaCode"] = field(default_factory=list)
    path: tuple[str, ...] = ()                   # names from the root down to this code


@dataclass
class QdaCoding:
    guid: str
    code: str                                    # code guid
    source: str                                  # source guid
    selection: str                               # selection guid
    start: int                                   # offsets into QdaSource.text (LF text)
    end: int
    user: str | None = None                      # user guid


@dataclass
class QdaSelection:
    guid: str
    source: str
    start: int                                   # offsets into QdaSource.text, end exclusive
    end: int
    text: str                                    # QdaSource.text[start:end]
    raw_start: int                               # the positions as written in the file
    raw_end: int
    name: str = ""
    description: str = ""
    user: str | None = None
    codings: list[QdaCoding] = field(default_factory=list)
    line: int | None = None                      # line of the element in the project file


@dataclass
class QdaSource:
    guid: str
    name: str
    text: str                                    # plain text, CR/LF and lone CR turned to LF
    path: str = ""                               # plainTextPath as written
    description: str = ""
    user: str | None = None
    selections: list[QdaSelection] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    offsets: str = "lf"                          # the counting scheme found (see _SCHEMES)
    boundary_ratio: float = 1.0                  # selections starting/ending on word bounds


@dataclass
class QdaNote:
    guid: str
    name: str
    text: str
    description: str = ""
    user: str | None = None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (element, guid) refs


@dataclass
class QdaVariable:
    guid: str
    name: str
    type: str = "Text"
    description: str = ""


@dataclass
class QdaCase:
    guid: str
    name: str
    description: str = ""
    values: dict[str, Any] = field(default_factory=dict)   # variable name -> value
    sources: list[str] = field(default_factory=list)       # source guids
    codes: list[str] = field(default_factory=list)         # code guids


@dataclass
class QdaProject:
    """Everything read from a .qdpx, .qde or .qdc (a codebook has only ``codes``)."""

    path: Path
    kind: str                                    # "project" | "codebook"
    name: str = ""
    origin: str = ""
    description: str = ""
    users: list[QdaUser] = field(default_factory=list)
    codes: list[QdaCode] = field(default_factory=list)       # roots of the code tree
    sources: list[QdaSource] = field(default_factory=list)
    notes: list[QdaNote] = field(default_factory=list)
    variables: list[QdaVariable] = field(default_factory=list)
    cases: list[QdaCase] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def all_codes(self) -> list[QdaCode]:
        out: list[QdaCode] = []
        stack = list(reversed(self.codes))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(code.children))
        return out

    def code(self, guid: str) -> QdaCode:
        for c in self.all_codes():
            if c.guid == guid:
                return c
        raise KeyError(guid)

    @property
    def selections(self) -> list[QdaSelection]:
        return [sel for s in self.sources for sel in s.selections]

    @property
    def codings(self) -> list[QdaCoding]:
        return [c for sel in self.selections for c in sel.codings]

    def user_name(self, guid: str | None) -> str | None:
        for u in self.users:
            if u.guid == guid:
                return u.name or u.id or None
        return None

    def summary(self) -> dict[str, int]:
        """Counts only (safe to print)."""
        return {"users": len(self.users), "codes": len(self.all_codes()),
                "sources": len(self.sources),
                "selections": len(self.selections),
                "coded_selections": sum(1 for s in self.selections if s.codings),
                "codings": len(self.codings), "notes": len(self.notes),
                "variables": len(self.variables), "cases": len(self.cases)}


# --- small helpers --------------------------------------------------------------------------

def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el, name: str) -> list:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _kid(el, name: str):
    found = _kids(el, name)
    return found[0] if found else None


def _text_of(el, name: str) -> str:
    child = _kid(el, name)
    return (child.text or "") if child is not None else ""


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def make_guid(*parts: str) -> str:
    """A stable GUID for what an element is (uuid5 in the toolkit's namespace)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts)))


def _xml_safe(text: str) -> str:
    return _XML_BAD.sub("", text or "")


def _el_where(el, member: str) -> str:
    guid = el.get("guid")
    where = f"{member}, {_local(el)}" if member else _local(el)
    if guid:
        where += f" {guid}"
    if el.sourceline:
        where += f" (regel {el.sourceline})"
    return where


# --- reading --------------------------------------------------------------------------------

class _Files:
    """The text files a project refers to: inside the zip, or next to a .qde on disk."""

    def __init__(self, path: Path, archive: zipfile.ZipFile | None = None, prefix: str = "",
                 folder: Path | None = None):
        self.path = path
        self.archive = archive
        self.prefix = prefix
        self.folder = folder
        self.index = ({n.lower(): n for n in archive.namelist()} if archive else {})

    def read(self, ref: str) -> bytes | None:
        """Bytes of the file ``ref`` (a plainTextPath) points to; None when absent/external."""
        for candidate in _candidates(ref):
            data = self._get(candidate)
            if data is not None:
                return data
        return None

    def _get(self, name: str) -> bytes | None:
        if self.archive is not None:
            member = self.index.get((self.prefix + name).lower())
            if member is None:
                return None
            return _read_member(self.archive, member, self.path)
        if self.folder is None:
            return None
        target = (self.folder / name).resolve()
        if not target.is_relative_to(self.folder.resolve()) or not target.is_file():
            return None  # never read outside the project's folder
        return target.read_bytes()


def _candidates(ref: str) -> list[str]:
    ref = (ref or "").strip().replace("\\", "/")
    if not ref:
        return []
    if ref.lower().startswith("internal://"):
        name = ref[len("internal://"):].lstrip("/")
    elif "://" in ref or ref.startswith("/") or re.match(r"^[A-Za-z]:/", ref):
        return []  # relative:// and file:// point outside the archive
    else:
        name = ref.removeprefix("./")
    return [f"sources/{name}", f"Sources/{name}", name]


def _read_member(archive: zipfile.ZipFile, member: str, path: Path) -> bytes:
    info = archive.getinfo(member)
    if info.file_size > MAX_MEMBER_BYTES:
        raise InputError(f"{member}: bestand in het archief is te groot", path)
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        raise InputError(f"{member}: beschadigd in het zip-archief", path) from None


def read_qdpx(path: str | Path) -> QdaProject:
    """Read a REFI-QDA project (.qdpx zip or bare .qde) or codebook (.qdc)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("dit is een map, geen bestand" if path.is_dir()
                         else "bestand bestaat niet", path)
    if zipfile.is_zipfile(path):
        return _read_archive(path)
    if path.suffix.lower() == ".qdpx":
        raise InputError("geen zip-archief: een .qdpx is een zip met project.qde en sources/",
                         path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"kan bestand niet lezen ({exc.strerror})", path) from None
    root = _parse_xml(data, path, path.name, standalone=True)
    return _read_root(root, path, "", _Files(path, folder=path.parent))


def _read_archive(path: Path) -> QdaProject:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError("geen geldig zip-archief", path) from None
    with archive:
        member = _project_member(archive, path)
        prefix = member.rpartition("/")[0]
        prefix = prefix + "/" if prefix else ""
        root = _parse_xml(_read_member(archive, member, path), path, member)
        return _read_root(root, path, member, _Files(path, archive=archive, prefix=prefix))


def _project_member(archive: zipfile.ZipFile, path: Path) -> str:
    names = [n for n in archive.namelist() if n.lower().endswith(".qde")
             and not n.rsplit("/", 1)[-1].startswith(("._", "."))]
    if not names:
        raise InputError("geen projectbestand (project.qde) in het archief", path)
    top = [n for n in names if "/" not in n]
    for pool in (top, names):
        named = [n for n in pool if n.rsplit("/", 1)[-1].lower() == "project.qde"]
        if len(named) == 1:
            return named[0]
        if len(pool) == 1:
            return pool[0]
    raise InputError(f"{len(names)} projectbestanden (.qde) in het archief; verwacht er één",
                     path)


def _parse_xml(data: bytes, path: Path, member: str, standalone: bool = False):
    # no entities, no network: a project file must not make us read other files
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (None, None)
        where = f"kolom {col}" if col else ""
        if standalone:
            raise InputError(f"geen geldige XML{' (' + where + ')' if where else ''}", path,
                             line) from None
        at = f", regel {line}" if line else ""
        raise InputError(f"{member}{at}: geen geldige XML", path) from None


def _read_root(root, path: Path, member: str, files: _Files) -> QdaProject:
    kind = _local(root)
    if kind == "CodeBook":
        project = QdaProject(path=path, kind="codebook", origin=root.get("origin", ""))
        codes = _kid(root, "Codes")
        project.codes = _read_codes(codes) if codes is not None else []
        _finish_codes(project)
        sets = _kid(root, "Sets")
        if sets is not None:
            project.skipped["Set"] += len(_kids(sets, "Set"))
        return project
    if kind != "Project":
        raise InputError(f"{member + ': ' if member else ''}geen REFI-QDA-bestand "
                         f"(hoofdelement '{kind}', verwacht 'Project' of 'CodeBook')", path)
    return _read_project(root, path, member, files)


def _read_project(root, path: Path, member: str, files: _Files) -> QdaProject:
    project = QdaProject(path=path, kind="project", name=root.get("name", ""),
                         origin=root.get("origin", ""), description=_text_of(root, "Description"))
    users = _kid(root, "Users")
    for u in (_kids(users, "User") if users is not None else []):
        project.users.append(QdaUser(_guid(u.get("guid")), u.get("name", ""), u.get("id", "")))
    book = _kid(root, "CodeBook")
    codes = _kid(book, "Codes") if book is not None else None
    project.codes = _read_codes(codes) if codes is not None else []
    _finish_codes(project)
    _read_variables(root, project)
    sources = _kid(root, "Sources")
    for el in (list(sources) if sources is not None else []):
        if not isinstance(el.tag, str):
            continue
        if _local(el) == "TextSource":
            source = _read_text_source(el, project, member, files)
            if source is not None:
                project.sources.append(source)
        else:
            _skip_element(el, project)
    _read_cases(root, project)
    _read_notes(root, project, files)
    for name, item in (("Links", "Link"), ("Sets", "Set"), ("Graphs", "Graph")):
        holder = _kid(root, name)
        if holder is not None:
            project.skipped[item] += len(_kids(holder, item))
    _check_coding_codes(project)
    return project


def _skip_element(el, project: QdaProject) -> None:
    project.skipped[_local(el)] += 1
    selections = [d for d in el.iter() if isinstance(d.tag, str)
                  and _local(d).endswith("Selection")]
    if selections:
        project.skipped["selection-in-skipped-source"] += len(selections)


# --- codes ---

def _read_codes(holder, parent: str | None = None) -> list[QdaCode]:
    out = []
    for el in _kids(holder, "Code"):
        color = el.get("color")
        code = QdaCode(guid=_guid(el.get("guid")), name=el.get("name", ""),
                       description=_text_of(el, "Description").strip(),
                       color=color if color and _RGB.match(color) else None,
                       codable=(el.get("isCodable", "true").strip().lower() in ("true", "1")),
                       parent=parent)
        code.children = _read_codes(el, code.guid)
        out.append(code)
    return out


def _finish_codes(project: QdaProject) -> None:
    project.codes = _unflatten(project.codes)
    _set_paths(project.codes, ())


def _unflatten(roots: list[QdaCode]) -> list[QdaCode]:
    """ATLAS.ti writes a hierarchy as flat names 'A::B'; rebuild the tree."""
    plain = [c for c in roots if "::" not in c.name]
    for code in (c for c in roots if "::" in c.name):
        parts = [p.strip() for p in code.name.split("::")]
        siblings, parent = plain, None
        for depth, part in enumerate(parts[:-1]):
            found = next((c for c in siblings if c.name == part), None)
            if found is None:  # a group without a code of its own
                found = QdaCode(guid=make_guid("code-group", *parts[:depth + 1]), name=part,
                                codable=False, parent=parent.guid if parent else None)
                siblings.append(found)
            parent, siblings = found, found.children
        code.name = parts[-1]
        code.parent = parent.guid if parent else None
        siblings.append(code)
    return plain


def _set_paths(codes: list[QdaCode], prefix: tuple[str, ...]) -> None:
    for c in codes:
        c.path = prefix + (c.name,)
        _set_paths(c.children, c.path)


# --- sources and selections ---

def _read_text_source(el, project: QdaProject, member: str, files: _Files) -> QdaSource | None:
    guid = _guid(el.get("guid"))
    content = _kid(el, "PlainTextContent")
    ref = el.get("plainTextPath", "")
    if content is not None and content.text:
        raw = content.text
    else:
        data = files.read(ref)
        if data is None:
            project.skipped["source-without-text"] += 1
            n = len(_kids(el, "PlainTextSelection"))
            if n:
                project.skipped["selection-in-skipped-source"] += n
            return None
        raw = _decode(data, files.path, ref)
    name = el.get("name") or Path(ref.split("://")[-1]).name or guid
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    source = QdaSource(guid=guid, name=name, text=text, path=ref,
                       description=_text_of(el, "Description").strip(),
                       user=_guid(el.get("creatingUser")) or None)
    source.variables = _variable_values(el, project)
    _read_selections(el, source, raw, project, member)
    if _kids(el, "Coding"):
        project.skipped["source-coding"] += len(_kids(el, "Coding"))
    return source


def _decode(data: bytes, path: Path, ref: str) -> str:
    from .transcripts import decode_bytes

    try:
        text, _ = decode_bytes(data, path)
    except InputError as exc:
        raise InputError(f"{Path(ref.split('://')[-1]).name}: {exc.message}", path) from None
    return text


def _read_selections(el, source: QdaSource, raw: str, project: QdaProject,
                     member: str) -> None:
    elements = _kids(el, "PlainTextSelection")
    spans = []
    for sel in elements:
        try:
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        except (TypeError, ValueError):
            raise InputError(f"{_el_where(sel, member)}: startPosition/endPosition ontbreekt "
                             f"of is geen geheel getal", project.path) from None
        if start < 0 or end < start:
            raise InputError(f"{_el_where(sel, member)}: ongeldige posities ({start}, {end})",
                             project.path)
        spans.append((start, end))
    if not spans:
        return
    scheme, mapped, total = _choose_scheme(raw, source.text, spans, project.origin)
    source.offsets = scheme
    inside = 0
    for sel, (start, end), lf in zip(elements, spans, mapped):
        if lf is None:
            raise InputError(f"{_el_where(sel, member)}: selectie ({start}, {end}) valt buiten "
                             f"de tekst van de bron (lengte {total})", project.path)
        a, b = lf
        if a == b:
            project.skipped["empty-selection"] += 1
            continue
        inside += _on_word_bounds(source.text, a, b)
        selection = QdaSelection(
            guid=_guid(sel.get("guid")) or make_guid("selection", source.guid, str(start),
                                                     str(end)),
            source=source.guid, start=a, end=b, text=source.text[a:b], raw_start=start,
            raw_end=end, name=sel.get("name", ""),
            description=_text_of(sel, "Description").strip(),
            user=_guid(sel.get("creatingUser")) or None, line=sel.sourceline)
        for c in _kids(sel, "Coding"):
            ref = _kid(c, "CodeRef")
            selection.codings.append(QdaCoding(
                guid=_guid(c.get("guid")), code=_guid(ref.get("targetGUID")) if ref is not None
                else "", source=source.guid, selection=selection.guid, start=a, end=b,
                user=_guid(c.get("creatingUser")) or selection.user))
        source.selections.append(selection)
    if source.selections:
        source.boundary_ratio = inside / len(source.selections)
        if len(source.selections) >= 5 and source.boundary_ratio < 0.5:
            project.warnings.append(
                f"tekstbron {len(project.sources) + 1}: {len(source.selections) - inside} van "
                f"{len(source.selections)} selecties beginnen of eindigen midden in een woord; "
                f"controleer de posities")


def _on_word_bounds(text: str, a: int, b: int) -> bool:
    def bound(i: int) -> bool:
        return i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum())
    return bound(a) and bound(b)


@dataclass
class _UnitMap:
    """Vendor positions (units) -> offsets in the LF text, for one counting scheme."""

    ends: np.ndarray        # cumulative units after each raw character
    widths: np.ndarray      # units per raw character (0 for a CR of CR/LF counted once)
    lf_index: np.ndarray    # offset in the LF text of each raw character
    mid_crlf: np.ndarray    # True for the LF of a CR/LF whose CR has its own unit
    total: int
    lf_len: int

    def map(self, x: int) -> tuple[int, bool] | None:
        """(LF offset, on a character boundary) or None when outside the text."""
        if x < 0 or x > self.total:
            return None
        if x == self.total:
            return self.lf_len, True
        i = int(np.searchsorted(self.ends, x, side="right"))
        start = int(self.ends[i] - self.widths[i])
        return int(self.lf_index[i]), x == start and not bool(self.mid_crlf[i])


def _unit_map(raw: str, crlf_units: int, utf16: bool) -> _UnitMap:
    cps = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    n = len(cps)
    is_cr, is_lf = cps == 13, cps == 10
    cr_of_crlf = np.zeros(n, dtype=bool)
    if n > 1:
        cr_of_crlf[:-1] = is_cr[:-1] & is_lf[1:]
    lf_of_crlf = np.zeros(n, dtype=bool)
    lf_of_crlf[1:] = cr_of_crlf[:-1]
    widths = np.ones(n, dtype=np.int64)
    if utf16:
        widths[cps > 0xFFFF] = 2
    if crlf_units == 1:
        widths[cr_of_crlf] = 0
    kept = (~cr_of_crlf).astype(np.int64)
    lf_index = np.cumsum(kept) - kept        # a CR of CR/LF maps to its LF
    ends = np.cumsum(widths)
    return _UnitMap(ends=ends, widths=widths, lf_index=lf_index,
                    mid_crlf=lf_of_crlf if crlf_units == 2 else np.zeros(n, dtype=bool),
                    total=int(ends[-1]) if n else 0, lf_len=int(kept.sum()))


def _choose_scheme(raw: str, lf_text: str, spans: list[tuple[int, int]], origin: str
                   ) -> tuple[str, list[tuple[int, int] | None], int]:
    """The counting scheme that fits the selections best, the mapped spans and the text
    length in that scheme's units."""
    has_cr, has_astral = "\r" in raw, any(ord(ch) > 0xFFFF for ch in raw)
    vendor = any(v in origin.lower() for v in _UTF16_VENDORS)
    order = _VENDOR_ORDER if vendor else _PLAIN_ORDER
    best = None
    for rank, scheme in enumerate(order):
        if _reduce(scheme, has_cr, has_astral) != scheme:
            continue  # same positions as a simpler scheme for this text
        umap = _unit_map(raw, *_SCHEMES[scheme])
        mapped, fits, bounds = [], 0, 0
        for start, end in spans:
            a, b = umap.map(start), umap.map(end)
            if a is None or b is None:
                mapped.append(None)
                continue
            fits += 1
            mapped.append((a[0], b[0]))
            bounds += a[1] and b[1] and _on_word_bounds(lf_text, a[0], b[0])
        key = (fits, bounds, -rank)
        if best is None or key > best[0]:
            best = (key, scheme, mapped, umap.total)
    return best[1], best[2], best[3]


def _reduce(scheme: str, has_cr: bool, has_astral: bool) -> str:
    crlf_units, utf16 = _SCHEMES[scheme]
    crlf_units = crlf_units if has_cr else 1
    utf16 = utf16 and has_astral
    return next(k for k, v in _SCHEMES.items() if v == (crlf_units, utf16))


def _check_coding_codes(project: QdaProject) -> None:
    known = {c.guid for c in project.all_codes()}
    for source in project.sources:
        for sel in source.selections:
            good = [c for c in sel.codings if c.code in known]
            project.skipped["coding-unknown-code"] += len(sel.codings) - len(good)
            sel.codings = good
    if not project.skipped["coding-unknown-code"]:
        del project.skipped["coding-unknown-code"]


# --- variables, cases, notes ---

def _read_variables(root, project: QdaProject) -> None:
    holder = _kid(root, "Variables")
    for v in (_kids(holder, "Variable") if holder is not None else []):
        project.variables.append(QdaVariable(_guid(v.get("guid")), v.get("name", ""),
                                             v.get("typeOfVariable", "Text"),
                                             _text_of(v, "Description").strip()))


def _variable_values(el, project: QdaProject) -> dict[str, Any]:
    names = {v.guid: v.name for v in project.variables}
    out: dict[str, Any] = {}
    for vv in _kids(el, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        name = names.get(_guid(ref.get("targetGUID")) if ref is not None else "")
        if name is None:
            continue
        for child in vv:
            if isinstance(child.tag, str) and _local(child).endswith("Value"):
                out[name] = _typed(_local(child), child.text or "")
    return out


def _typed(kind: str, value: str) -> Any:
    value = value.strip()
    try:
        if kind == "BooleanValue":
            return value.lower() in ("true", "1")
        if kind == "IntegerValue":
            return int(value)
        if kind == "FloatValue":
            return float(value)
    except ValueError:
        pass
    return value


def _read_cases(root, project: QdaProject) -> None:
    holder = _kid(root, "Cases")
    for c in (_kids(holder, "Case") if holder is not None else []):
        project.cases.append(QdaCase(
            guid=_guid(c.get("guid")), name=c.get("name", ""),
            description=_text_of(c, "Description").strip(),
            values=_variable_values(c, project),
            sources=[_guid(r.get("targetGUID")) for r in _kids(c, "SourceRef")],
            codes=[_guid(r.get("targetGUID")) for r in _kids(c, "CodeRef")]))


def _read_notes(root, project: QdaProject, files: _Files) -> None:
    holder = _kid(root, "Notes")
    refs: dict[str, list[tuple[str, str]]] = {}
    for ref in root.iter():
        if not isinstance(ref.tag, str) or _local(ref) != "NoteRef":
            continue
        parent = ref.getparent()
        kind = _local(parent)
        target = "" if kind == "Project" else _guid(parent.get("guid"))
        if kind == "Coding":  # a note on a coding belongs to its selection
            kind, target = "PlainTextSelection", _guid(parent.getparent().get("guid"))
        refs.setdefault(_guid(ref.get("targetGUID")), []).append((kind, target))
    for n in (_kids(holder, "Note") if holder is not None else []):
        text = _text_of(n, "PlainTextContent")
        if not text and n.get("plainTextPath"):
            data = files.read(n.get("plainTextPath"))
            text = _decode(data, files.path, n.get("plainTextPath")) if data else ""
        guid = _guid(n.get("guid"))
        project.notes.append(QdaNote(
            guid=guid, name=n.get("name", ""),
            text=text.replace("\r\n", "\n").replace("\r", "\n").strip(),
            description=_text_of(n, "Description").strip(),
            user=_guid(n.get("creatingUser")) or None, targets=refs.get(guid, [])))


# --- from a project to the toolkit's codings and memos -----------------------------------------

@dataclass
class MemoRecord:
    kind: str          # code | category | respondent | study | storyline (store.MEMO_KINDS)
    target: str
    coder: str
    text: str


@dataclass
class ProjectData:
    """A project in the toolkit's terms (respondent ids, code ids, coder names)."""

    respondents: dict[str, str]            # source guid -> respondent id
    codings: list["Coding"]                # mapped codes only, offsets trimmed
    memos: list[MemoRecord]
    code_map: dict[str, tuple[str, str]]   # code guid -> ("code" | "category", id)
    unmapped: list[QdaCode]                # codes not in the codebook
    skipped: Counter                       # reason -> count


_MEMO_NAMES = {"code": "code", "category": "categorie", "respondent": "respondent",
               "study": "studie", "storyline": "verhaallijn"}


def slug(name: str, *, lower: bool = False, fallback: str = "") -> str:
    """ASCII letters, digits, _ and -; safe as a file name, respondent or code id."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")
    return (text.lower() if lower else text) or fallback


def respondent_ids(project: QdaProject) -> dict[str, str]:
    """Source guid -> respondent id (the source name without extension, made safe)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for i, s in enumerate(project.sources, 1):
        name = s.name
        if Path(name).suffix.lower() in _DOC_SUFFIXES:
            name = Path(name).stem
        base = slug(name, fallback=f"bron{i}")
        rid, n = base, 2
        while rid.lower() in used:
            rid, n = f"{base}-{n}", n + 1
        used.add(rid.lower())
        out[s.guid] = rid
    return out


def coder_name(project: QdaProject, guid: str | None, fallback: str = "import") -> str:
    """The coder for a user: the user name when it is a safe folder name (codings/<coder>/),
    else the name made safe."""
    name = (project.user_name(guid) or "").strip()
    if re.fullmatch(r"\w[\w.-]*", name):
        return name
    return slug(name, fallback=fallback)


def map_codes(project: QdaProject, codebook: "Codebook") -> dict[str, tuple[str, str]]:
    """Code guid -> ("code" | "category", id) for every imported code the codebook knows:
    by the toolkit's own GUID, by id, by name, or by the name made into an id."""
    out: dict[str, tuple[str, str]] = {}
    by_guid = {make_guid("code", c.id): c.id for c in codebook.codes}
    cat_guid = {make_guid("category", c.id): c.id for c in codebook.categories}
    for q in project.all_codes():
        if q.guid in by_guid:
            out[q.guid] = ("code", by_guid[q.guid])
        elif q.guid in cat_guid:
            out[q.guid] = ("category", cat_guid[q.guid])
        else:
            hit = _match_name(q, project, codebook)
            if hit is not None:
                out[q.guid] = hit
    return out


def _match_name(q: QdaCode, project: QdaProject, codebook: "Codebook"
                ) -> tuple[str, str] | None:
    name = q.name.strip()
    folded, ident = name.casefold(), slug(name, lower=True)
    codes = [c for c in codebook.codes if name == c.id or folded == c.name.strip().casefold()
             or ident == c.id]
    if codes:
        if len(codes) > 1 and q.parent:  # the same name in two categories: use the parent
            parent = project.code(q.parent).name.casefold()
            codes = [c for c in codes if parent in (c.category.casefold(),
                     codebook.category(c.category).name.casefold())] or codes
        return ("code", codes[0].id)
    cats = [c for c in codebook.categories if name == c.id
            or folded == c.name.strip().casefold() or ident == c.id]
    if cats and q.children:
        return ("category", cats[0].id)
    return None


def project_data(project: QdaProject, codebook: "Codebook") -> ProjectData:
    """The project's codings and memos as the toolkit's ``Coding``s and memo records."""
    from .models import Coding

    rids = respondent_ids(project)
    code_map = map_codes(project, codebook)
    skipped: Counter = Counter()
    notes_on = _notes_by_target(project)
    codings: list[Coding] = []
    for source in project.sources:
        for sel in source.selections:
            memo = "\n\n".join(t for t in [sel.description] + notes_on.get(sel.guid, []) if t)
            if not sel.codings:
                skipped["selection-without-code"] += 1
            for c in sel.codings:
                kind, code_id = code_map.get(c.code, ("", ""))
                if kind != "code":
                    skipped["coding-category" if kind else "coding-unmapped-code"] += 1
                    continue
                a, b = trim_span(source.text, c.start, c.end)
                if a == b:
                    skipped["empty-selection"] += 1
                    continue
                codings.append(Coding(
                    respondent_id=rids[source.guid], code=code_id, start=a, end=b,
                    coder=coder_name(project, c.user), quote=source.text[a:b], memo=memo,
                    origin="import"))
    memos = _memo_records(project, code_map, rids, skipped)
    mapped = set(code_map)
    unmapped = [q for q in project.all_codes() if q.guid not in mapped and q.codable]
    return ProjectData(rids, _dedupe(codings), memos, code_map, unmapped, skipped)


def _dedupe(codings: list["Coding"]) -> list["Coding"]:
    seen, out = set(), []
    for c in codings:
        key = (c.respondent_id, c.code, c.start, c.end, c.coder)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _notes_by_target(project: QdaProject) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n in project.notes:
        for kind, target in n.targets:
            if kind == "PlainTextSelection" and n.text:
                out.setdefault(target, []).append(n.text)
    return out


def _memo_records(project: QdaProject, code_map: dict[str, tuple[str, str]],
                  rids: dict[str, str], skipped: Counter) -> list[MemoRecord]:
    out = []
    for n in project.notes:
        text = n.text or n.description
        if not text:
            continue
        coder = coder_name(project, n.user)
        targets = [t for t in n.targets if t[0] != "PlainTextSelection"]
        if not n.targets:  # a free memo (ATLAS.ti's memos are mostly like this)
            targets = [("Project", "")]
        for kind, guid in targets:
            record = _memo_target(kind, guid, n.name, code_map, rids)
            if record is None:
                skipped["memo-unknown-target"] += 1
            else:
                out.append(MemoRecord(record[0], record[1], coder, text))
    return out


def _memo_target(kind: str, guid: str, name: str, code_map, rids) -> tuple[str, str] | None:
    if kind == "Code":
        return code_map.get(guid)
    if kind == "TextSource":
        return ("respondent", rids[guid]) if guid in rids else None
    if kind == "Project":
        label = name.casefold()
        return ("storyline", "") if label.startswith(f"memo {_MEMO_NAMES['storyline']}") \
            or label == "storyline" else ("study", "")
    return None


# --- writing: atomic files --------------------------------------------------------------------

# --- writing: the codebook (.qdc) -------------------------------------------------------------

def _version() -> str:
    from . import __version__
    return f"klantreis {__version__}"


def _code_elements(parent, codebook: "Codebook", notes: dict[str, list[str]] | None,
                   extra: Iterable[str] = ()) -> None:
    """Categories (not codable) holding their codes; ``notes`` adds NoteRefs (project)."""
    def add(holder, guid: str, name: str, codable: bool, color: str | None,
            description: str, note_key: str):
        el = etree.SubElement(holder, "Code", guid=guid, name=_xml_safe(name) or guid,
                              isCodable="true" if codable else "false")
        if color and _RGB.match(color):
            el.set("color", color)
        if description:
            etree.SubElement(el, "Description").text = _xml_safe(description)
        for note in (notes or {}).get(note_key, []):
            etree.SubElement(el, "NoteRef", targetGUID=note)
        return el

    for cat in codebook.categories:
        cel = add(parent, make_guid("category", cat.id), cat.name, False, cat.color,
                  cat.description, f"category:{cat.id}")
        for code in cat.codes:
            add(cel, make_guid("code", code.id), code.name, True, None, code.definition,
                f"code:{code.id}")
    for code_id in extra:  # codes used in codings but no longer in the codebook
        add(parent, make_guid("code", code_id), code_id, True, None, "", f"code:{code_id}")


def codebook_xml(codebook: "Codebook") -> bytes:
    """The codebook as a REFI-QDA .qdc document (Codebook-mrt2019.xsd)."""
    if not codebook.codes:
        raise KlantreisError("het codeboek heeft geen codes", codebook.path)
    root = etree.Element("CodeBook", nsmap={None: CODEBOOK_NS}, origin=_version())
    _code_elements(etree.SubElement(root, "Codes"), codebook, None)
    _qualify(root, CODEBOOK_NS)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_qdc(codebook: "Codebook", path: str | Path, *, force: bool = False) -> Path:
    """Write the codebook as .qdc (categories -> codes; description = definition)."""
    return write_atomic(path, codebook_xml(codebook), overwrite=force)


def _qualify(root, ns: str) -> None:
    # elements were made without a namespace for brevity; put them in the REFI namespace
    for el in root.iter():
        if isinstance(el.tag, str) and not el.tag.startswith("{"):
            el.tag = f"{{{ns}}}{el.tag}"


# --- writing: the project (.qdpx) -------------------------------------------------------------

def _refuse_existing(path: str | Path, force: bool) -> Path:
    """Check before the work, not after it: an existing file needs --force."""
    path = Path(path)
    if path.exists() and not force:
        raise KlantreisError("bestaat al; gebruik --force om het te overschrijven", path)
    return path


def _with_store(study, store, build):
    """``build(study, store)`` with the given store, or the study's own opened for it."""
    from .store import Store
    own = store is None
    store = store if store is not None else Store(study.store_path)
    try:
        return build(study, store)
    finally:
        if own:
            store.close()


@dataclass
class ExportSummary:
    path: Path
    users: int = 0
    codes: int = 0
    sources: int = 0
    codings: int = 0
    notes: int = 0
    cases: int = 0
    variables: int = 0
    skipped: Counter = field(default_factory=Counter)


@dataclass
class _Export:
    """What goes into the archive."""

    xml: bytes
    files: dict[str, bytes]
    summary: ExportSummary


def build_qdpx(study: "Study", store: "Store") -> _Export:
    """project.qde and the source texts for a study (see ``write_qdpx``)."""
    from .coding import HUMAN_ORIGINS, sync_codings_dir
    from .respondents import load_respondents

    transcripts = list(study.transcripts)
    sync_codings_dir(study, store, transcripts=transcripts)
    codings = store.codings(origin=HUMAN_ORIGINS)
    memos = store.memos()
    table = load_respondents(study)
    summary = ExportSummary(path=Path())
    by_rid = {t.respondent_id: t for t in transcripts}
    codings = _exportable(codings, by_rid, summary.skipped)

    root = etree.Element("Project", nsmap={None: PROJECT_NS},
                         name=_xml_safe(study.config.title) or "klantreis", origin=_version())
    coders = sorted({c.coder for c in codings} | {m.coder for m in memos})
    if coders:
        users = etree.SubElement(root, "Users")
        for name in coders:
            etree.SubElement(users, "User", guid=make_guid("user", name), name=_xml_safe(name))
    note_refs, notes = _memo_notes(memos, study, by_rid)
    known = set(study.codebook.code_ids())
    extra = sorted({c.code for c in codings} - known)
    if study.codebook.categories or extra:  # <Codes> may not be empty
        codes_el = etree.SubElement(etree.SubElement(root, "CodeBook"), "Codes")
        _code_elements(codes_el, study.codebook, note_refs, extra)
    variables = _variables(table)
    _write_variables(root, variables)
    cases = _write_cases(root, table, transcripts, variables)
    files = _write_sources(root, transcripts, codings, note_refs)
    if notes:
        holder = etree.SubElement(root, "Notes")
        for note in notes:
            holder.append(note)
    if study.config.research_question:
        etree.SubElement(root, "Description").text = _xml_safe(study.config.research_question)
    for guid in note_refs.get("project", []):
        etree.SubElement(root, "NoteRef", targetGUID=guid)
    _qualify(root, PROJECT_NS)
    summary.users, summary.codes = len(coders), len(study.codebook.codes) + len(extra)
    summary.sources, summary.codings = len(transcripts), len(codings)
    summary.notes, summary.cases, summary.variables = len(notes), cases, len(variables)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return _Export(xml, files, summary)


def _exportable(codings: list["Coding"], by_rid: dict[str, "Transcript"],
                skipped: Counter) -> list["Coding"]:
    out = []
    for c in codings:
        t = by_rid.get(c.respondent_id)
        if t is None:
            skipped["codings-without-transcript"] += 1
        elif not 0 <= c.start < c.end <= len(t.text):
            skipped["codings-outside-transcript"] += 1
        else:
            out.append(c)
    return sorted(out, key=lambda c: (c.respondent_id, c.start, c.end, c.code, c.coder,
                                      c.memo or ""))


def _memo_notes(memos, study: "Study", by_rid) -> tuple[dict[str, list[str]], list]:
    """Note elements for the store's memos, and where each is referenced from."""
    refs: dict[str, list[str]] = {}
    notes = []
    seen: Counter = Counter()
    categories = {c.id for c in study.codebook.categories}
    codes = set(study.codebook.code_ids())
    for m in sorted(memos, key=lambda m: (m.kind, m.target, m.coder, m.text, m.id)):
        key = (m.kind, m.target, m.coder, m.text)
        seen[key] += 1
        guid = make_guid("note", *key, str(seen[key]))
        label = f"Memo {_MEMO_NAMES.get(m.kind, m.kind)}" + (f": {m.target}" if m.target else "")
        note = etree.Element("Note", guid=guid, name=_xml_safe(label),
                             creatingUser=make_guid("user", m.coder))
        etree.SubElement(note, "PlainTextContent").text = _xml_safe(m.text)
        notes.append(note)
        if m.kind == "code" and m.target in codes:
            where = f"code:{m.target}"
        elif m.kind == "category" and m.target in categories:
            where = f"category:{m.target}"
        elif m.kind == "respondent" and m.target in by_rid:
            where = f"source:{m.target}"
        else:  # study, storyline, or a target that no longer exists
            where = "project"
        refs.setdefault(where, []).append(guid)
    return refs, notes


def _variables(table) -> list[tuple[str, str, str]]:
    """(column, REFI type, guid) for the respondent table's columns."""
    out = []
    for col in table.columns:
        if col == "id":
            continue
        values = [r.get(col) for r in table.rows.values() if r.get(col) is not None]
        out.append((col, _refi_type(values), make_guid("variable", col)))
    return out


def _refi_type(values: list[Any]) -> str:
    import datetime as dt

    if values and all(isinstance(v, bool) for v in values):
        return "Boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "Float"
    if values and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime)
                      for v in values):
        return "Date"
    return "Text"


def _value_element(kind: str, value: Any) -> tuple[str, str]:
    if kind == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if kind == "Integer":
        return "IntegerValue", str(int(value))
    if kind == "Float":
        text = format(float(value), "f")
        return "FloatValue", (text.rstrip("0").rstrip(".") if "." in text else text) or "0"
    if kind == "Date":
        return "DateValue", value.isoformat()
    if isinstance(value, bool):
        return "TextValue", "ja" if value else "nee"
    return "TextValue", _xml_safe(str(value))


def _write_variables(root, variables) -> None:
    if not variables:
        return
    holder = etree.SubElement(root, "Variables")
    for name, kind, guid in variables:
        etree.SubElement(holder, "Variable", guid=guid, name=_xml_safe(name),
                         typeOfVariable=kind)


def _write_cases(root, table, transcripts, variables) -> int:
    ids = list(dict.fromkeys([t.respondent_id for t in transcripts] + table.ids))
    if not ids:
        return 0
    from .axial import natural_key

    have = {t.respondent_id for t in transcripts}
    holder = etree.SubElement(root, "Cases")
    for rid in sorted(ids, key=natural_key):
        case = etree.SubElement(holder, "Case", guid=make_guid("case", rid), name=rid)
        attrs = table.attributes(rid)
        for name, kind, guid in variables:
            value = attrs.get(name)
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                continue
            vv = etree.SubElement(case, "VariableValue")
            etree.SubElement(vv, "VariableRef", targetGUID=guid)
            tag, text = _value_element(kind, value)
            etree.SubElement(vv, tag).text = text
        if rid in have:
            etree.SubElement(case, "SourceRef", targetGUID=make_guid("source", rid))
    return len(ids)


def _write_sources(root, transcripts, codings, note_refs) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if not transcripts:
        return files
    holder = etree.SubElement(root, "Sources")
    by_rid: dict[str, list] = {}
    for c in codings:
        by_rid.setdefault(c.respondent_id, []).append(c)
    for t in transcripts:
        guid = make_guid("source", t.respondent_id)
        el = etree.SubElement(holder, "TextSource", guid=guid, name=t.respondent_id,
                              plainTextPath=f"internal://{guid}.txt")
        files[f"sources/{guid}.txt"] = t.text.encode("utf-8")
        seen: Counter = Counter()
        for c in by_rid.get(t.respondent_id, []):
            key = (t.respondent_id, str(c.start), str(c.end), c.code, c.coder)
            seen[key] += 1
            sel_guid = make_guid("selection", *key, str(seen[key]))
            user = make_guid("user", c.coder)
            sel = etree.SubElement(el, "PlainTextSelection", guid=sel_guid,
                                   startPosition=str(c.start), endPosition=str(c.end),
                                   creatingUser=user)
            if c.memo:
                etree.SubElement(sel, "Description").text = _xml_safe(c.memo)
            coding = etree.SubElement(sel, "Coding", guid=make_guid("coding", sel_guid),
                                      creatingUser=user)
            etree.SubElement(coding, "CodeRef", targetGUID=make_guid("code", c.code))
        for note in note_refs.get(f"source:{t.respondent_id}", []):
            etree.SubElement(el, "NoteRef", targetGUID=note)
    return files


def _zip_bytes(xml: bytes, files: dict[str, bytes]) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in [("project.qde", xml)] + sorted(files.items()):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
    return write


def write_qdpx(study: "Study", path: str | Path, *, store: "Store | None" = None,
               force: bool = False) -> ExportSummary:
    """Export the study as a REFI-QDA project (.qdpx): coders, codebook, transcripts,
    human codings of every coder, memos, respondent attributes (variables and cases)."""

    path = _refuse_existing(path, force)
    export = _with_store(study, store, build_qdpx)
    write_atomic(path, _zip_bytes(export.xml, export.files), overwrite=force)
    export.summary.path = path
    return export.summary


# --- writing: Excel ---------------------------------------------------------------------------

_EXCEL_MAX = 32_000   # a cell holds at most 32,767 characters


def _excel_text(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text or "")
    return text if len(text) <= _EXCEL_MAX else text[:_EXCEL_MAX] + "…"


def excel_sheets(study: "Study", store: "Store") -> dict[str, Any]:
    """The sheets of the Excel export as DataFrames (name -> frame).

    The matrix and co-occurrence sheets are those of the analysis (``AxialAnalysis`` on the
    codings of ``coding.load_analysis_codings``: the primary coder's, with suggestions for
    the interviews not coded yet). The codings sheet lists every human coder's codings and,
    when the analysis used any, the suggestions (coder ``suggesties``)."""
    import pandas as pd

    from .axial import AxialAnalysis
    from .coding import load_analysis_codings
    from .suggestions import SUGGESTION_CODER

    transcripts = list(study.transcripts)
    result = load_analysis_codings(study, store=store, transcripts=transcripts)
    analysis, kind = result.codings, result.source
    suggested = [c for c in analysis if c.origin == "suggestion"]
    listed = result.all_human + suggested
    book = study.codebook
    rids = [t.respondent_id for t in transcripts]
    # codes removed from the codebook since they were used still show (after its codes)
    axial = AxialAnalysis(book, rids, unknown_codes="keep").fit(analysis)
    matrix = axial.matrix_.copy()
    matrix.insert(0, "naam", [book.name_of(c) for c in matrix.index])
    texts = {t.respondent_id: t.text for t in transcripts}
    rows = []
    for c in sorted(listed, key=lambda c: (c.respondent_id, c.start, c.end, c.code, c.coder)):
        text = texts.get(c.respondent_id)
        quote = text[c.start:c.end] if text is not None and c.end <= len(text) else c.quote
        rows.append({"respondent": c.respondent_id, "code": c.code, "coder": c.coder,
                     "start": c.start, "end": c.end, "quote": _excel_text(quote)})
    n_suggested = len({c.respondent_id for c in suggested})
    if kind == "human":
        source = f"menselijke coderingen van codeur {result.coder}"
    elif kind == "mixed":
        source = (f"menselijke coderingen van codeur {result.coder}, aangevuld met "
                  f"codeersuggesties voor {n_suggested} interview(s) die die codeur nog niet "
                  f"gecodeerd heeft")
    else:
        source = "codeersuggesties (nog geen menselijke coderingen)"
    listing = {"human": "alle menselijke coderingen, per codeur",
               "mixed": f"alle menselijke coderingen, per codeur, en de codeersuggesties "
                        f"(codeur '{SUGGESTION_CODER}', niet door een onderzoeker bekeken)",
               "suggestions": f"codeersuggesties (codeur '{SUGGESTION_CODER}', niet door een "
                              f"onderzoeker bekeken)"}[kind]
    info = pd.DataFrame({"onderdeel": ["studie", "matrix en samen-voorkomen", "coderingen",
                                       "posities"],
                         "toelichting": [_excel_text(study.config.title), source, listing,
                                         "tekens in de opgeslagen transcripttekst; end telt "
                                         "niet mee"]})
    return {
        "code x respondent": matrix,
        "samen in passage": axial.passage_.pairs_,
        "samen bij respondent": axial.respondent_.pairs_,
        "passage (matrix)": axial.passage_.counts_,
        "coderingen": pd.DataFrame(rows, columns=["respondent", "code", "coder", "start",
                                                  "end", "quote"]),
        "info": info,
    }


def write_xlsx(study: "Study", path: str | Path, *, store: "Store | None" = None,
               force: bool = False) -> Path:
    """Excel workbook: code x respondent matrix, co-occurrence tables and the codings."""
    import pandas as pd


    path = _refuse_existing(path, force)
    sheets = _with_store(study, store, excel_sheets)
    with_index = {"code x respondent", "passage (matrix)"}

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, frame in sheets.items():
                frame.to_excel(xw, sheet_name=name, index=name in with_index)
    return write_atomic(path, write, overwrite=force)


# --- importing into a study ------------------------------------------------------------------

@dataclass
class ImportReport:
    """What ``import_into_study`` did (counts and file paths only)."""

    project: QdaProject
    new_transcripts: list[Path] = field(default_factory=list)
    reused_transcripts: list[str] = field(default_factory=list)    # respondent ids
    codings_files: list[Path] = field(default_factory=list)         # written
    unchanged_files: list[Path] = field(default_factory=list)
    codings: int = 0
    mapped_codes: int = 0
    unknown_codes: list[QdaCode] = field(default_factory=list)
    unknown_codings: int = 0                                        # codings not written
    codebook_proposal: Path | None = None
    respondents_file: Path | None = None
    memos_added: int = 0
    skipped: Counter = field(default_factory=Counter)


@dataclass
class _Planned:
    path: Path
    content: bytes
    exists_same: bool = False
    generated: bool = False      # a proposal under import/: ours to replace


def import_into_study(source: str | Path | QdaProject, study: "Study", *, force: bool = False,
                      store: "Store | None" = None) -> ImportReport:
    """Bring a REFI-QDA project into a study without changing its input files.

    New text sources become ``interviews/<name>.txt`` (never overwriting; a source whose
    text equals an existing transcript is that transcript). Codings whose code the codebook
    knows are written as ``codings/<coder>/<respondent>.yaml`` (the reviewable text form);
    other codes are listed, with a proposal under ``import/<file>/codebook.yaml`` (category
    "geïmporteerd") to copy into codebook.yaml before importing again. Memos go into the
    store. Everything is checked before the first file is written."""
    project = source if isinstance(source, QdaProject) else read_qdpx(source)
    report = ImportReport(project=project)
    plan = _plan(project, study, report, force)
    _execute(plan, study, report, store)
    return report


@dataclass
class _Plan:
    transcripts: list[_Planned] = field(default_factory=list)
    files: list[_Planned] = field(default_factory=list)
    memos: list[MemoRecord] = field(default_factory=list)


def _plan(project: QdaProject, study: "Study", report: ImportReport, force: bool) -> _Plan:
    plan = _Plan()
    data = project_data(project, study.codebook)
    report.skipped.update(data.skipped)
    report.mapped_codes = sum(1 for k, _ in data.code_map.values() if k == "code")
    report.unknown_codes = data.unmapped
    rid_map, transcripts = _plan_sources(project, study, data, plan, report)
    codings = [c for c in data.codings if c.respondent_id in rid_map]
    if len(codings) < len(data.codings):
        report.skipped["codings-in-skipped-source"] += len(data.codings) - len(codings)
    for c in codings:
        c.respondent_id = rid_map[c.respondent_id]
    report.unknown_codings = sum(1 for sel in project.selections for c in sel.codings
                                 if c.code not in data.code_map)
    _plan_codings(codings, study, transcripts, plan, report)
    plan.memos = [MemoRecord(m.kind, rid_map.get(m.target, m.target)
                             if m.kind == "respondent" else m.target, m.coder, m.text)
                  for m in data.memos if m.kind != "respondent" or m.target in rid_map]
    stem = slug(project.path.stem, fallback="import")
    folder = study.root / "import" / stem
    if data.unmapped:
        plan.files.append(_planned(folder / "codebook.yaml",
                                   _codebook_proposal(project, data.unmapped, study),
                                   generated=True))
        report.codebook_proposal = folder / "codebook.yaml"
    table = _respondent_rows(project, data.respondents, rid_map)
    if table:
        from .respondents import TABLE_NAMES
        existing = any((study.interviews_dir / n).exists() for n in TABLE_NAMES)
        target = folder / "respondenten.csv" if existing else \
            study.interviews_dir / "respondenten.csv"
        plan.files.append(_planned(target, table, generated=existing))
        report.respondents_file = target
    conflicts = [p.path for p in plan.files
                 if p.path.exists() and not p.exists_same and not p.generated]
    if conflicts and not force:
        raise KlantreisError(f"{len(conflicts)} bestand(en) bestaan al met een andere inhoud, "
                             f"o.a. {_rel(conflicts[0], study.root)}; gebruik --force om ze "
                             f"te vervangen (er is niets geschreven)", study.root)
    return plan


def _planned(path: Path, content: bytes, generated: bool = False) -> _Planned:
    same = path.is_file() and path.read_bytes() == content
    return _Planned(path, content, same, generated)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _plan_sources(project: QdaProject, study: "Study", data: ProjectData, plan: _Plan,
                  report: ImportReport) -> tuple[dict[str, str], dict[str, "Transcript"]]:
    """Import respondent id -> study respondent id, and the transcripts by study id."""
    from .transcripts import read_transcript

    existing = list(study.transcripts)
    by_id = {t.respondent_id.casefold(): t for t in existing}
    by_stem = {t.path.stem.casefold(): t for t in existing}
    rid_map: dict[str, str] = {}
    transcripts = {t.respondent_id: t for t in existing}
    with tempfile.TemporaryDirectory() as tmp:
        for source in project.sources:
            rid = data.respondents[source.guid]
            if not source.text.strip():
                report.skipped["source-empty"] += 1
                continue
            study_rid = study.config.respondent_ids.get(rid, rid)  # study.yaml may rename
            known = by_id.get(study_rid.casefold()) or by_stem.get(rid.casefold())
            target = study.interviews_dir / f"{rid}.txt"
            if known is not None or target.exists():
                if known is None or known.text.rstrip() != source.text.rstrip():
                    raise KlantreisError(
                        f"{_rel(target if known is None else known.path, study.root)} bestaat "
                        f"al met een andere tekst dan de bron in "
                        f"{project.path.name}; hernoem de bron of het bestaande transcript "
                        f"(er is niets geschreven)", study.root)
                rid_map[rid] = known.respondent_id
                report.reused_transcripts.append(known.respondent_id)
                continue
            probe = Path(tmp) / f"{rid}.txt"
            probe.write_bytes(source.text.encode("utf-8"))
            try:
                t = read_transcript(probe, respondent_id=study_rid,
                                    speakers=study.config.speakers)
            except InputError:
                report.skipped["source-not-a-transcript"] += 1
                continue
            t.path = target
            transcripts[study_rid] = t
            rid_map[rid] = study_rid
            plan.transcripts.append(_Planned(target, source.text.encode("utf-8")))
    return rid_map, transcripts


def _plan_codings(codings: list["Coding"], study: "Study", transcripts: dict, plan: _Plan,
                  report: ImportReport) -> None:
    from .coding import codings_document

    groups: dict[tuple[str, str], list] = {}
    for c in codings:
        groups.setdefault((c.coder, c.respondent_id), []).append(c)
    for (coder, rid), items in sorted(groups.items()):
        content = codings_document(coder, rid, items, transcripts[rid].text)
        path = study.codings_dir / coder / f"{rid}.yaml"
        planned = _planned(path, content.encode("utf-8"))
        if path.is_file() and not planned.exists_same:
            planned.exists_same = _same_codings(path, items, study, transcripts)
        plan.files.append(planned)
        report.codings += len(items)
    _check_quotes(plan, study, transcripts)


def _same_codings(path: Path, items, study, transcripts) -> bool:
    """An existing codings file with exactly these passages and codes (valence, phase
    and wording may differ) is left as it is."""
    from .coding import parse_codings_file

    try:
        parsed = parse_codings_file(path, study, transcripts)
    except KlantreisError:
        return False
    return sorted((c.code, c.start, c.end) for c in parsed.codings) == \
        sorted((c.code, c.start, c.end) for c in items)


def _check_quotes(plan: _Plan, study: "Study", transcripts: dict) -> None:
    """Every planned codings file must load with the normal pipeline (same offsets)."""
    from .coding import parse_codings_file

    with tempfile.TemporaryDirectory() as tmp:
        for p in plan.files:
            if p.path.suffix != ".yaml" or p.path.parent.parent != study.codings_dir:
                continue
            probe = Path(tmp) / p.path.parent.name / p.path.name
            probe.parent.mkdir(exist_ok=True)
            probe.write_bytes(p.content)
            parse_codings_file(probe, study, transcripts, root=Path(tmp))


def _codebook_proposal(project: QdaProject, codes: list[QdaCode], study: "Study") -> bytes:
    from .yamlio import dump_yaml

    taken = set(study.codebook.code_ids()) | {c.id for c in study.codebook.categories}
    items = []
    for q in codes:
        ident = slug(q.name, lower=True, fallback="code")
        if ident in taken:
            ident = slug("_".join(q.path), lower=True, fallback="code")
        base, n = ident, 2
        while ident in taken:
            ident, n = f"{base}_{n}", n + 1
        taken.add(ident)
        item: dict[str, Any] = {"id": ident, "name": " / ".join(q.path)}
        if q.description:
            item["definition"] = q.description
        items.append(item)
    head = (f"# Codes uit {project.path.name} die niet in het codeboek staan.\n"
            f"# Neem deze categorie over onder 'categories:' in codebook.yaml en importeer\n"
            f"# opnieuw (met --force) om ook hun coderingen te schrijven.\n")
    body = dump_yaml({"categories": [{"id": IMPORT_CATEGORY, "name": "Geïmporteerd",
                                      "description": f"Codes uit {project.path.name}",
                                      "color": "#999999", "codes": items}]})
    return (head + body).encode("utf-8")


def _respondent_rows(project: QdaProject, rids: dict[str, str], rid_map: dict[str, str]
                     ) -> bytes | None:
    rows: dict[str, dict[str, Any]] = {}
    for case in project.cases:
        linked = [rids[g] for g in case.sources if g in rids]
        rid = linked[0] if len(linked) == 1 else slug(case.name)
        rid = rid_map.get(rid, rid)
        if rid and case.values:
            rows.setdefault(rid, {}).update(case.values)
    for source in project.sources:
        rid = rid_map.get(rids[source.guid])
        if rid and source.variables:
            rows.setdefault(rid, {}).update(source.variables)
    if not rows:
        return None
    columns = list(dict.fromkeys(k for r in rows.values() for k in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id"] + columns)
    for rid, values in rows.items():
        writer.writerow([rid] + [_csv_value(values.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def _execute(plan: _Plan, study: "Study", report: ImportReport, store: "Store | None") -> None:
    for p in plan.transcripts:
        _write_new(p.path, p.content)
        report.new_transcripts.append(p.path)
    for p in plan.files:
        if p.exists_same:
            if p.path.parent.parent == study.codings_dir:
                report.unchanged_files.append(p.path)
            continue
        write_atomic(p.path, p.content)
        if p.path.parent.parent == study.codings_dir:
            report.codings_files.append(p.path)
    if plan.memos:
        report.memos_added = _add_memos(plan.memos, study, store)


def _write_new(path: Path, content: bytes) -> None:
    """Write a new input file; an existing file is never replaced (link fails if present)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        _usual_mode(tmp)
        os.link(tmp, path)
    except FileExistsError:
        raise KlantreisError("bestaat al en wordt niet overschreven", path) from None
    except OSError as exc:
        raise KlantreisError(f"kan niet schrijven ({exc.strerror})", path) from None
    finally:
        tmp.unlink(missing_ok=True)


def _add_memos(memos: list[MemoRecord], study: "Study", store: "Store | None") -> int:
    from .store import Store

    own = store is None
    store = store if store is not None else Store(study.store_path)
    try:
        have = {(m.kind, m.target, m.coder, m.text) for m in store.memos()}
        added = 0
        with store.transaction():
            for m in memos:
                key = (m.kind, m.target, m.coder, m.text)
                if key in have:
                    continue  # importing twice does not double the memos
                store.add_memo(m.kind, m.target, m.coder, m.text)
                have.add(key)
                added += 1
        return added
    finally:
        if own:
            store.close()


def describe_skipped(skipped: Counter) -> list[str]:
    """'3 audiobronnen' lines in Dutch (counts only)."""
    labels = dict(SKIP_LABELS)
    labels.update({"selection-without-code": "selecties zonder code",
                   "coding-category": "coderingen op een categorie",
                   "coding-unmapped-code": "coderingen met een code die niet in het codeboek "
                                           "staat",
                   "source-empty": "lege tekstbronnen",
                   "memo-unknown-target": "notities bij iets dat niet is overgenomen "
                                          "(code buiten het codeboek, case, notitie)",
                   "source-not-a-transcript": "tekstbronnen zonder sprekerbeurten (geen "
                                              "transcript)",
                   "codings-without-transcript": "coderingen zonder transcript",
                   "codings-in-skipped-source": "coderingen in niet overgenomen tekstbronnen",
                   "codings-outside-transcript": "coderingen buiten de tekst (transcript "
                                                 "gewijzigd?)"})
    return sorted(f"{n} {labels.get(k, k)}" for k, n in skipped.items() if n)


__all__ = ["QdaProject", "QdaUser", "QdaCode", "QdaSource", "QdaSelection", "QdaCoding",
           "QdaNote", "QdaVariable", "QdaCase", "MemoRecord", "ProjectData", "ImportReport",
           "ExportSummary", "read_qdpx", "write_qdpx", "write_qdc", "write_xlsx",
           "build_qdpx", "codebook_xml", "excel_sheets", "import_into_study", "project_data",
           "map_codes", "respondent_ids", "make_guid", "describe_skipped",
           "SKIP_LABELS"]
