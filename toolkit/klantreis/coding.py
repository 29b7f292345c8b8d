"""Open coding: the Python API researchers use in Jupyter, and the reviewable text form.

    >>> from klantreis import Study
    >>> from klantreis.coding import CodingSession
    >>> session = CodingSession(Study.load("."), coder="A")
    >>> session.code("R01", "wachten_op_uitkering", quote="zes weken gewacht")
    >>> session.undo()

Codings live in the study store (``store.py``); ``codings/<coder>/<respondent>.yaml`` is the
text form that is reviewed in git. ``load_codings_dir`` syncs that text form into the store
(idempotently) and ``export_codings_dir`` writes it back. Once a file lists a coding that was
made in the store (after an export, say), the file governs it: taking it out of the file
takes it out of the store.

The later stages get their codings from ``load_analysis_codings`` (one sync, one store
connection): the primary coder's codings, where they come from, every human coder's codings
and the transcripts that changed after codings were made in the store.

Machine suggestions (``suggestions.py``) are never stored as human codings: a researcher
turns one into a coding with ``CodingSession.accept``.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from array import array
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import KlantreisError
from .fileio import write_atomic
from .models import Coding, Transcript
from .store import MEMO_KINDS, Memo, SourceChange, Store
from .yamlio import check_keys, dump_yaml, expect, get, load_yaml, parse_yaml

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .study import Study

# Origins that count as a researcher's own coding (suggestions do not).
HUMAN_ORIGINS = ("human", "accepted-suggestion", "import")
_FILE_KEYS = ("coder", "respondent", "codings")
_ITEM_KEYS = ("code", "quote", "occurrence", "valence", "phase", "memo")
# Part of the import fingerprint: bump to force a re-import of every file. 2: a file adopts
# the codings made in the store that it lists (older stores kept them as "by hand").
_FORMAT_VERSION = "2"


# --- quotes ---------------------------------------------------------------------------------

def quote_pattern(quote: str) -> re.Pattern:
    """A regex matching ``quote`` with any whitespace (or none) between its characters."""
    chars = [ch for ch in quote if not ch.isspace()]
    if not chars:
        raise ValueError("empty quote")
    return re.compile(r"\s*".join(re.escape(ch) for ch in chars))


@lru_cache(maxsize=32)
def _squeezed(text: str) -> tuple[str, array]:
    """``text`` without whitespace, and the offset in ``text`` of every kept character
    (4 bytes per character: a list of ints would take ten times as much per cached text)."""
    offsets = array("i", (i for i, ch in enumerate(text) if not ch.isspace()))
    return "".join(text[i] for i in offsets), offsets


def find_quote(text: str, quote: str, *, ignore_case: bool = False) -> list[tuple[int, int]]:
    """Every occurrence of ``quote`` in ``text`` (whitespace-insensitive, overlaps counted).

    Same result as searching with ``quote_pattern`` but via ``str.find`` on the text with
    whitespace removed: long quotes make slow regexes."""
    needle = "".join(quote.split())
    if not needle:
        raise ValueError("empty quote")
    if ignore_case:  # rare (error hints only): casefolding may change lengths, so regex
        pattern = re.compile(quote_pattern(quote).pattern, re.IGNORECASE)
        spans, pos = [], 0
        while (m := pattern.search(text, pos)) is not None:
            spans.append(m.span())
            pos = m.start() + 1
        return spans
    hay, offsets = _squeezed(text)
    spans, pos = [], hay.find(needle)
    while pos >= 0:
        spans.append((offsets[pos], offsets[pos + len(needle) - 1] + 1))
        pos = hay.find(needle, pos + 1)
    return spans


def locate_quote(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th appearance of ``quote``; ``LookupError`` explains."""
    if not quote or not quote.strip():
        raise LookupError("het citaat is leeg")
    spans = find_quote(text, quote)
    if not spans:
        hint = ""
        if find_quote(text, quote, ignore_case=True):
            hint = " (wel gevonden als hoofdletters niet meetellen: neem het letterlijk over)"
        raise LookupError(f"citaat niet gevonden in het transcript{hint}")
    if not 1 <= occurrence <= len(spans):
        raise LookupError(f"occurrence {occurrence} gevraagd, maar het citaat komt "
                          f"{len(spans)} keer voor")
    return spans[occurrence - 1]


def occurrence_of(text: str, quote: str, start: int) -> int:
    """Which occurrence of ``quote`` starts at ``start`` (1 when it cannot be found)."""
    try:
        spans = find_quote(text, quote)
    except ValueError:
        return 1
    for i, (s, _) in enumerate(spans, 1):
        if s == start:
            return i
    if spans:  # text changed since coding: the nearest occurrence is the best guess
        return min(range(len(spans)), key=lambda i: abs(spans[i][0] - start)) + 1
    return 1


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``/``end`` moved inwards past whitespace at either edge."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def close_matches(word: str, options: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(options), n=n, cutoff=0.5)


def _unknown(what: str, value: str, options: Iterable[str]) -> str:
    options = list(options)
    near = close_matches(value, options)
    if near:
        return f"onbekende {what} '{value}'; bedoelde je: {', '.join(near)}?"
    return f"onbekende {what} '{value}' ({len(options)} bekend)"


def _phase_ids(study: "Study") -> list[str]:
    return [p for j in study.journeys for p in j.phase_ids()]


# --- search results ---------------------------------------------------------------------------

@dataclass
class Passage:
    """A stretch of a transcript: a search hit or a retrieved coding."""

    respondent_id: str
    start: int
    end: int
    text: str                    # transcript.text[start:end]
    line: int
    segment: int | None = None   # index of the turn it is in
    speaker: str = ""
    role: str = ""
    context: str = ""            # the whole turn


# --- the Jupyter session ----------------------------------------------------------------------

@dataclass
class _Change:
    action: str       # code | uncode | memo | accept
    target: int       # coding id or memo id


class CodingSession:
    """Code transcripts as one coder; every change is an event in the study store.

    ``coder`` defaults to ``study.yaml: coding.primary_coder``; without one it must be
    given (every coding belongs to someone). ``transcripts`` replaces ``study.transcripts``
    (handy in tests and for subsets).
    """

    def __init__(self, study: "Study", coder: str | None = None, *,
                 store: Store | None = None, transcripts: list[Transcript] | None = None):
        if coder is None:
            coder = (study.config.coding or {}).get("primary_coder")
            if coder is None:
                raise KlantreisError("geef een codeur op, bijvoorbeeld CodingSession(studie, "
                                     "coder='A'), of zet coding: primary_coder in study.yaml")
        if not str(coder).strip():
            raise KlantreisError("geef een codeur op, bijvoorbeeld coder='A'")
        self.study = study
        self.coder = str(coder)
        self._owns_store = store is None
        self.store = store if store is not None else Store(study.store_path)
        self._transcripts = transcripts
        self._history: list[_Change] = []
        self.store.ensure_coder(self.coder)

    # --- look-ups -------------------------------------------------------------------------
    @property
    def transcripts(self) -> list[Transcript]:
        if self._transcripts is None:
            self._transcripts = list(self.study.transcripts)
        return self._transcripts

    def transcript(self, respondent_id: str) -> Transcript:
        for t in self.transcripts:
            if t.respondent_id == respondent_id:
                return t
        raise KlantreisError(_unknown("respondent", respondent_id,
                                      [t.respondent_id for t in self.transcripts]))

    def _check_code(self, code: str) -> None:
        if code not in self.study.codebook:
            raise KlantreisError(_unknown("code", code, self.study.codebook.code_ids()))

    def _check_valence_phase(self, valence: Any, phase: Any) -> None:
        if valence is not None and (isinstance(valence, bool) or not isinstance(valence, int)
                                    or not -3 <= valence <= 3):
            raise KlantreisError("valence moet een geheel getal van -3 tot en met 3 zijn")
        phases = _phase_ids(self.study)
        if phase is not None and phases and phase not in phases:
            raise KlantreisError(_unknown("fase", str(phase), phases))

    # --- coding ---------------------------------------------------------------------------
    def code(self, respondent_id: str, code: str, *, start: int | None = None,
             end: int | None = None, quote: str | None = None, occurrence: int = 1,
             memo: str = "", valence: int | None = None, phase: str | None = None) -> Coding:
        """Code a passage, given by offsets (``start``/``end``) or by quoting it."""
        self._check_code(code)
        self._check_valence_phase(valence, phase)
        t = self.transcript(respondent_id)
        start, end = self._span(t, start, end, quote, occurrence)
        coding = Coding(respondent_id=respondent_id, code=code, start=start, end=end,
                        coder=self.coder, quote=t.text[start:end], memo=memo or "",
                        valence=valence, phase=phase, origin="human", source_sha256=t.sha256)
        return self._add(coding, t, "code")

    def _span(self, t: Transcript, start, end, quote, occurrence) -> tuple[int, int]:
        if start is None and end is None:
            if quote is None:
                raise KlantreisError("geef start en end, of een quote")
            try:
                return locate_quote(t.text, quote, occurrence)
            except LookupError as exc:
                raise KlantreisError(f"{t.respondent_id}: {exc}") from None
        if start is None or end is None:
            raise KlantreisError("geef zowel start als end")
        if not (isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= len(t.text)):
            raise KlantreisError(f"{t.respondent_id}: posities ({start}, {end}) vallen buiten "
                                 f"het transcript (lengte {len(t.text)})")
        start, end = trim_span(t.text, start, end)
        if start == end:
            raise KlantreisError(f"{t.respondent_id}: de passage ({start}, {end}) is leeg")
        if quote is not None and quote_pattern(quote).fullmatch(t.text, start, end) is None:
            raise KlantreisError(f"{t.respondent_id}: quote en posities ({start}, {end}) "
                                 f"komen niet overeen")
        return start, end

    def _add(self, coding: Coding, t: Transcript, action: str) -> Coding:
        for existing in self.store.codings(coding.respondent_id, coding.code, self.coder):
            if (existing.start, existing.end) == (coding.start, coding.end) \
                    and existing.origin in HUMAN_ORIGINS:
                return existing  # already coded: no duplicate, no change to undo
        with self.store.transaction():
            self.store.record_source(t)
            new = self.store.add_coding(coding, who=self.coder)
        self._history.append(_Change(action, new.id))
        return new

    def uncode(self, coding_id: int) -> Coding:
        """Remove a coding (kept in the history; ``undo`` brings it back)."""
        coding = self.store.get_coding(coding_id)
        if coding.coder != self.coder:
            raise KlantreisError(f"codering {coding_id} is van codeur '{coding.coder}', "
                                 f"niet van '{self.coder}'")
        self.store.delete_coding(coding_id, who=self.coder)
        self._history.append(_Change("uncode", coding_id))
        return coding

    def accept(self, suggestion: Coding) -> Coding:
        """Turn a machine suggestion into a coding by this coder."""
        self._check_code(suggestion.code)
        t = self.transcript(suggestion.respondent_id)
        start, end = self._span(t, suggestion.start, suggestion.end, None, 1)
        coding = Coding(respondent_id=t.respondent_id, code=suggestion.code, start=start,
                        end=end, coder=self.coder, quote=t.text[start:end],
                        memo=suggestion.memo or "", valence=suggestion.valence,
                        phase=suggestion.phase, origin="accepted-suggestion",
                        source_sha256=t.sha256)
        return self._add(coding, t, "accept")

    def memo(self, kind: str, target: str = "", text: str = "") -> Memo:
        """Write a memo about a code, category, respondent, the study or the storyline."""
        if kind not in MEMO_KINDS:
            raise KlantreisError(_unknown("memosoort", kind, MEMO_KINDS))
        book = self.study.codebook
        if kind == "code":
            self._check_code(target)
        elif kind == "category" and target not in [c.id for c in book.categories]:
            raise KlantreisError(_unknown("categorie", target, [c.id for c in book.categories]))
        elif kind == "respondent":
            self.transcript(target)
        if not text.strip():
            raise KlantreisError("een memo zonder tekst wordt niet bewaard")
        memo = self.store.add_memo(kind, target, self.coder, text)
        self._history.append(_Change("memo", memo.id))
        return memo

    def undo(self) -> str:
        """Revert this session's last change; returns what was undone."""
        if not self._history:
            raise KlantreisError("er is niets om ongedaan te maken in deze sessie")
        change = self._history[-1]
        with self.store.transaction():
            if change.action in ("code", "accept"):
                self.store.delete_coding(change.target, who=self.coder)
            elif change.action == "uncode":
                self.store.restore_coding(change.target, who=self.coder)
            elif change.action == "memo":
                self.store.delete_memo(change.target, who=self.coder)
            self.store.log(self.coder, "undo", of=change.action, id=change.target)
        self._history.pop()
        return f"{change.action} {change.target} ongedaan gemaakt"

    # --- reading --------------------------------------------------------------------------
    def codings(self, respondent_id: str | None = None, code: str | None = None) -> list[Coding]:
        """This coder's live codings (suggestions excluded)."""
        return self.store.codings(respondent_id, code, self.coder, HUMAN_ORIGINS)

    def search(self, pattern: str | re.Pattern, *, regex: bool = False,
               respondent_only: bool = False) -> list[Passage]:
        """Find text in every transcript: a plain string is matched case- and
        whitespace-insensitively; a compiled pattern (or ``regex=True``) as a regex."""
        if isinstance(pattern, re.Pattern):
            rx = pattern
        elif regex:
            try:
                rx = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise KlantreisError(f"ongeldige reguliere expressie ({exc})") from None
        else:
            try:
                rx = re.compile(quote_pattern(pattern).pattern, re.IGNORECASE)
            except ValueError:
                raise KlantreisError("geef een zoekterm") from None
        out = []
        for t in self.transcripts:
            for m in rx.finditer(t.text):
                if m.end() == m.start():
                    continue
                p = _passage(t, m.start(), m.end())
                if respondent_only and p.role and p.role not in ("respondent", "interpreter"):
                    continue
                out.append(p)
        return out

    def retrieve(self, code: str, *, all_coders: bool = False) -> "pd.DataFrame":
        """Every passage coded with ``code`` (or any code of a category) as a DataFrame."""
        import pandas as pd

        book = self.study.codebook
        if code in book:
            codes = [code]
        elif code in [c.id for c in book.categories]:
            codes = [k.id for k in book.category(code).codes]
        else:
            raise KlantreisError(_unknown("code", code,
                                          book.code_ids() + [c.id for c in book.categories]))
        coder = None if all_coders else self.coder
        rows = []
        by_id = {t.respondent_id: t for t in self.transcripts}
        for c in self.store.codings(code=codes, coder=coder, origin=HUMAN_ORIGINS):
            t = by_id.get(c.respondent_id)
            p = _passage(t, c.start, c.end) if t is not None else None
            rows.append({
                "coding_id": c.id, "respondent": c.respondent_id, "code": c.code,
                "coder": c.coder, "start": c.start, "end": c.end,
                "quote": p.text if p else c.quote, "line": p.line if p else None,
                "speaker": p.speaker if p else "", "valence": c.valence, "phase": c.phase,
                "memo": c.memo, "origin": c.origin,
                "changed": bool(t is not None and c.source_sha256
                                and c.source_sha256 != t.sha256),
            })
        columns = ["coding_id", "respondent", "code", "coder", "start", "end", "quote", "line",
                   "speaker", "valence", "phase", "memo", "origin", "changed"]
        return pd.DataFrame(rows, columns=columns)

    def show(self, respondent_id: str, *, all_coders: bool = False):
        """The transcript with this coder's (or everyone's) codings marked, for Jupyter."""
        from .display import Html, transcript_html
        t = self.transcript(respondent_id)
        codings = self.store.codings(respondent_id, coder=None if all_coders else self.coder,
                                     origin=HUMAN_ORIGINS)
        return Html(transcript_html(t, codings, self.study.codebook))

    def memos(self, kind: str | None = None, target: str | None = None) -> list[Memo]:
        return self.store.memos(kind, target)

    def close(self) -> None:
        """Close the store when this session opened it."""
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> "CodingSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CodingSession(coder={self.coder!r}, codings={len(self.codings())})"

    def _repr_html_(self) -> str:
        from .display import session_html
        return session_html(self)


def _passage(t: Transcript, start: int, end: int) -> Passage:
    seg = next((s for s in t.segments if s.start <= start < s.end), None) or next(
        (s for s in t.segments if s.start < end and start < s.end), None)
    return Passage(respondent_id=t.respondent_id, start=start, end=end, text=t.text[start:end],
                   line=t.line_of(start), segment=seg.index if seg else None,
                   speaker=seg.speaker if seg else "", role=seg.role if seg else "",
                   context=seg.text if seg else "")


# --- the text form: codings/<coder>/<respondent>.yaml -------------------------------------------

@dataclass
class SyncReport:
    """What ``sync_codings_dir`` did."""

    files: int = 0
    changed_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    codings: list[Coding] = field(default_factory=list)   # the files' codings, file order
    adopted: int = 0         # codings made in the store that a file now governs


@dataclass
class _ParsedFile:
    key: str                 # path relative to the study root, '/'-separated
    coder: str
    respondent_id: str
    fingerprint: str
    codings: list[Coding]


def codings_files(study: "Study") -> list[Path]:
    """The text-form files (``.yaml`` and ``.yml``), sorted; a YAML file outside a coder
    folder is an error."""
    root = study.codings_dir
    if not root.is_dir():
        return []
    files = []
    for item in sorted(root.iterdir()):
        if item.name.startswith((".", "_")):
            continue
        if item.is_file() and item.suffix.lower() in (".yaml", ".yml"):
            raise KlantreisError("coderingen horen in een map per codeur: "
                                 "codings/<codeur>/<respondent>.yaml", item)
        if item.is_dir():
            files += [p for p in sorted(item.iterdir())
                      if p.is_file() and p.suffix.lower() in (".yaml", ".yml")
                      and not p.name.startswith((".", "_"))]
    return files


def _schema_key(study: "Study") -> str:
    """What a codings file is validated against besides its transcript: the codebook's
    code ids and the journeys' phase ids (a change re-validates every file)."""
    return "\0".join(study.codebook.code_ids()) + "\0\0" + "\0".join(_phase_ids(study))


def _fingerprint(raw_bytes: bytes, transcript_sha256: str, schema: str) -> str:
    digest = hashlib.sha256(raw_bytes)
    digest.update(f"\0{transcript_sha256}\0{_FORMAT_VERSION}\0".encode())
    digest.update(schema.encode("utf-8"))
    return digest.hexdigest()


def _file_key(path: Path, root: Path) -> str:
    path, root = path.resolve(), root.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        load_yaml(path)  # raises the usual InputError (missing, unreadable)
        raise


def parse_codings_file(path: Path, study: "Study", transcripts: dict[str, Transcript],
                       root: Path | None = None) -> _ParsedFile:
    """Read and validate one file; errors name the file and line."""
    path = Path(path)
    return _parse_codings_bytes(path, _file_key(path, root or study.root), _read_bytes(path),
                                study, transcripts, _schema_key(study))


def _parse_codings_bytes(path: Path, key: str, raw_bytes: bytes, study: "Study",
                         transcripts: dict[str, Transcript], schema: str) -> _ParsedFile:
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        load_yaml(path)  # raises the usual InputError ("YAML moet UTF-8 zijn")
        raise
    doc = parse_yaml(text, path)
    raw_root = doc.data if doc.data is not None else {}
    expect(doc, raw_root, dict, name="coderingenbestand")
    check_keys(doc, raw_root, _FILE_KEYS)
    coder = path.parent.name
    written = get(doc, raw_root, "coder", (str, int), required=False)
    if written is not None and str(written) != coder:
        raise doc.error(f"'coder' is '{written}' maar het bestand staat in de map van codeur "
                        f"'{coder}'", "coder")
    rid = str(get(doc, raw_root, "respondent", (str, int), required=False, default=path.stem))
    if rid not in transcripts:
        where = ("respondent",) if "respondent" in raw_root else ()
        raise doc.error(_unknown("respondent", rid, sorted(transcripts)), *where)
    t = transcripts[rid]
    book = study.codebook
    phases = _phase_ids(study)
    items = get(doc, raw_root, "codings", list, required=False, default=[])
    out = []
    for i, raw in enumerate(items):
        at = ("codings", i)
        expect(doc, raw, dict, *at, name="codering")
        check_keys(doc, raw, _ITEM_KEYS, *at)
        code = str(get(doc, raw, "code", (str, int), *at))
        if code not in book:
            raise doc.error(_unknown("code", code, book.code_ids()), *at, "code")
        quote = get(doc, raw, "quote", (str, int, float), *at)
        occurrence = get(doc, raw, "occurrence", int, *at, required=False, default=1)
        valence = get(doc, raw, "valence", int, *at, required=False)
        if valence is not None and not -3 <= valence <= 3:
            raise doc.error("'valence' moet tussen -3 en 3 liggen", *at, "valence")
        phase = get(doc, raw, "phase", (str, int), *at, required=False)
        if phase is not None:
            phase = str(phase)
            if phases and phase not in phases:
                raise doc.error(_unknown("fase", phase, phases), *at, "phase")
        memo = get(doc, raw, "memo", str, *at, required=False, default="")
        try:
            start, end = locate_quote(t.text, str(quote), occurrence)
        except LookupError as exc:
            key_ = "occurrence" if "occurrence" in str(exc) and "occurrence" in raw else "quote"
            raise doc.error(f"{rid}: {exc}", *at, key_) from None
        out.append(Coding(respondent_id=rid, code=code, start=start, end=end, coder=coder,
                          quote=t.text[start:end], memo=memo.strip(), valence=valence,
                          phase=phase, origin="human", source_sha256=t.sha256))
    return _ParsedFile(key, coder, rid, _fingerprint(raw_bytes, t.sha256, schema), out)


def _same(a: Coding, b: Coding) -> bool:
    def key(c: Coding) -> tuple:
        return (c.respondent_id, c.code, c.start, c.end, c.coder, c.valence, c.phase,
                c.memo or "", c.source_sha256)
    return key(a) == key(b)


def _span_key(c: Coding) -> tuple:
    return (c.respondent_id, c.code, c.start, c.end)


def sync_codings_dir(study: "Study", store: Store | None = None, *,
                     transcripts: list[Transcript] | None = None) -> SyncReport:
    """Bring the store in line with ``codings/``: every changed file is validated first
    (nothing is written when one is wrong); an unchanged file (same bytes, transcript,
    codebook codes and journey phases as at its last import) is not even parsed; a changed
    file replaces that file's earlier import; a removed file's import is withdrawn.

    Codings made in the store itself are left alone, except that a file listing the same
    passage (same respondent, coder, code and offsets) adopts it: from then on the file
    governs it, so deleting it from the file deletes it from the store (no duplicate is
    ever added)."""
    own = store is None
    store = store if store is not None else Store(study.store_path)
    try:
        return _sync(study, store, transcripts)
    finally:
        if own:
            store.close()


def _sync(study, store: Store, transcripts) -> SyncReport:
    files = codings_files(study)
    report = SyncReport(files=len(files))
    previous = store.imports()
    if not files and not previous:
        return report  # no text form: do not even read the transcripts
    by_id = {t.respondent_id: t for t in (transcripts if transcripts is not None
                                          else study.transcripts)}
    schema = _schema_key(study)
    # compare fingerprints before parsing: line-numbered YAML and locating quotes is the
    # slow part, and most files are unchanged on most runs
    entries: list[tuple[Path, str, bytes, str | None]] = []   # path, key, bytes, fingerprint
    parsed: dict[str, _ParsedFile] = {}
    for path in files:
        key = _file_key(path, study.root)
        raw = _read_bytes(path)
        fp = _unchanged_fingerprint(raw, previous.get(key), by_id, schema)
        entries.append((path, key, raw, fp))
        if fp is None:
            parsed[key] = _parse_codings_bytes(path, key, raw, study, by_id, schema)
    keys = {key for _, key, _, _ in entries}
    with store.transaction():
        previous = store.imports()  # again, under the write lock
        for path, key, raw, fp in entries:
            stored = previous.get(key)
            if fp is not None and stored is not None and stored[0] == fp:
                report.codings += _imported(store, key)
                continue
            pf = parsed.get(key) or _parse_codings_bytes(path, key, raw, study, by_id, schema)
            if stored is not None and stored[0] == pf.fingerprint:  # imported meanwhile
                report.codings += _imported(store, key)
                continue
            _import_file(store, pf, by_id[pf.respondent_id], report)
        for key in sorted(set(previous) - keys):
            gone = store.codings(import_file=key)
            for c in gone:
                store.delete_coding(c.id, who=c.coder)
            store.forget_import(key)
            store.log(previous[key][1], "codings.import-removed", file=key, removed=len(gone))
            report.removed_files.append(key)
            report.removed += len(gone)
    return report


def _imported(store: Store, key: str) -> list[Coding]:
    """The codings of an unchanged file, in the order they were imported (ids follow the
    file's order at its import; the file is not parsed again to find out)."""
    return sorted(store.codings(import_file=key), key=lambda c: c.id or 0)


def _unchanged_fingerprint(raw: bytes, stored: tuple[str, str, str] | None,
                           by_id: dict[str, Transcript], schema: str) -> str | None:
    """The file's fingerprint when it equals the one of its last import, else None."""
    if stored is None or stored[2] not in by_id:
        return None
    fp = _fingerprint(raw, by_id[stored[2]].sha256, schema)
    return fp if fp == stored[0] else None


def _import_file(store: Store, pf: _ParsedFile, transcript: Transcript,
                 report: SyncReport) -> None:
    """Replace the earlier import of one changed file (inside the sync's transaction)."""
    imported = store.codings(import_file=pf.key)
    by_hand = [s.coding for s in store.stored_codings(pf.respondent_id, coder=pf.coder,
                                                      import_file=None)
               if s.coding.origin in HUMAN_ORIGINS]
    kept, added, adopted = [], 0, 0
    pool = list(imported)
    for c in pf.codings:
        hit = next((e for e in pool if _same(e, c)), None)
        if hit is None:  # same passage, edited memo/valence/phase: keep the id
            hit = next((e for e in pool if _span_key(e) == _span_key(c)), None)
            if hit is not None:
                fields = dict(memo=c.memo, valence=c.valence, phase=c.phase,
                              quote=c.quote, source_sha256=c.source_sha256)
                store.update_coding(hit.id, who=pf.coder, **fields)
                hit = replace(hit, **fields)
        if hit is not None:
            pool.remove(next(e for e in pool if e.id == hit.id))
            kept.append(hit)
            continue
        twin = next((e for e in by_hand if _span_key(e) == _span_key(c)), None)
        if twin is not None:  # made in the store (e.g. exported): the file governs it now
            by_hand.remove(twin)
            store.adopt_coding(twin.id, pf.key, who=pf.coder)
            kept.append(twin)
            adopted += 1
            continue
        kept.append(store.add_coding(c, who=pf.coder, import_file=pf.key))
        added += 1
    for gone in pool:
        store.delete_coding(gone.id, who=pf.coder)
    store.record_source(transcript)
    store.set_import(pf.key, pf.fingerprint, pf.coder, pf.respondent_id)
    store.log(pf.coder, "codings.import", file=pf.key, added=added, removed=len(pool),
              adopted=adopted, total=len(pf.codings))
    report.changed_files.append(pf.key)
    report.added += added
    report.removed += len(pool)
    report.adopted += adopted
    report.codings += kept


def load_codings_dir(study: "Study", store: Store | None = None, *,
                     transcripts: list[Transcript] | None = None) -> list[Coding]:
    """Read ``codings/<coder>/<respondent>.yaml``, sync it into the store and return the
    codings it holds (with their store ids)."""
    return sync_codings_dir(study, store, transcripts=transcripts).codings


def codings_document(coder: str, respondent_id: str, codings: Iterable[Coding],
                     text: str | None) -> str:
    """The text form of one coder's codings of one respondent (``codings/<coder>/<rid>.yaml``).

    ``text`` is the transcript text: quotes are taken from it (whitespace collapsed) and
    repeated quotes numbered (``occurrence``); without it the stored quotes are used."""
    items = []
    for c in sorted(codings, key=lambda c: (c.start, c.end, c.code, c.id or 0)):
        raw = text[c.start:c.end] if text is not None and c.end <= len(text) else c.quote
        quote = " ".join(raw.split())
        item: dict[str, Any] = {"code": c.code, "quote": quote}
        occurrence = occurrence_of(text, quote, c.start) if text is not None else 1
        if occurrence != 1:
            item["occurrence"] = occurrence
        if c.valence is not None:
            item["valence"] = c.valence
        if c.phase is not None:
            item["phase"] = c.phase
        if c.memo:
            item["memo"] = c.memo
        items.append(item)
    return dump_yaml({"coder": coder, "respondent": respondent_id, "codings": items})


def export_codings_dir(store: Store, out_dir: str | Path, coder: str, *,
                       transcripts: "Study | Iterable[Transcript] | None" = None,
                       overwrite: bool = False) -> list[Path]:
    """Write one coder's codings as ``out_dir/<coder>/<respondent>.yaml``.

    The transcript text is needed to number repeated quotes (``occurrence``): it comes from
    ``transcripts`` (a Study or a list) or else from the paths recorded in the store.
    Existing files are never overwritten unless ``overwrite=True``. Exported into the
    study's own ``codings/``, the files adopt these codings at the next sync.
    """
    codings = store.codings(coder=coder, origin=HUMAN_ORIGINS)
    target = Path(out_dir) / coder
    by_rid: dict[str, list[Coding]] = {}
    for c in codings:
        by_rid.setdefault(c.respondent_id, []).append(c)
    paths = [target / f"{rid}.yaml" for rid in sorted(by_rid)]
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        raise KlantreisError(f"{len(existing)} bestand(en) bestaan al en worden niet "
                             f"overschreven; kies een lege map", target)
    texts = _texts(store, transcripts, set(by_rid))
    for rid, path in zip(sorted(by_rid), paths):
        write_atomic(path, codings_document(coder, rid, by_rid[rid], texts.get(rid)))
    return paths


def _texts(store: Store, transcripts, wanted: set[str]) -> dict[str, str]:
    if transcripts is not None:
        items = transcripts.transcripts if hasattr(transcripts, "transcripts") else transcripts
        return {t.respondent_id: t.text for t in items if t.respondent_id in wanted}
    from .transcripts import read_transcript

    out = {}
    sources = store.sources()
    for rid in wanted:
        if rid not in sources:
            continue
        try:
            out[rid] = read_transcript(Path(sources[rid][0])).text
        except (KlantreisError, OSError):
            continue  # then the stored quote is used as it is
    return out


# --- what downstream stages use ----------------------------------------------------------------

def primary_coder(study: "Study", store: Store) -> str | None:
    """study.yaml ``coding.primary_coder``, else the coder with most human codings."""
    counts = {coder: sum(n for origin, n in by_origin.items() if origin in HUMAN_ORIGINS)
              for coder, by_origin in store.count_codings().items()}
    counts = {k: v for k, v in counts.items() if v}
    configured = (study.config.coding or {}).get("primary_coder")
    if configured is not None and counts.get(str(configured)):
        return str(configured)
    if not counts:
        return None
    if configured is not None:
        from .progress import say
        say(f"let op: primaire codeur '{configured}' heeft geen coderingen; "
            f"codeur met de meeste coderingen gebruikt")
    return sorted(counts, key=lambda k: (-counts[k], k))[0]


@dataclass
class AnalysisCodings:
    """The codings the later stages work from (``load_analysis_codings``)."""

    codings: list[Coding]                 # the primary coder's, plus suggestions if "mixed"
    source: str                           # "human" | "mixed" | "suggestions"
    all_human: list[Coding]               # every human coder's (intercoder agreement)
    changed_sources: list[SourceChange]   # transcripts changed after store codings were made
    coder: str | None = None              # the primary coder
    coded: list[str] = field(default_factory=list)   # respondents the primary coder did


def load_analysis_codings(study: "Study", *, store: Store | None = None,
                          transcripts: list[Transcript] | None = None) -> AnalysisCodings:
    """Sync ``codings/`` once and return everything the later stages need from the store.

    ``source`` says where ``codings`` come from:

    * ``"human"``: the primary coder coded every interview;
    * ``"mixed"``: a study in the middle of coding; interviews the coder has not done yet
      get machine suggestions, so no respondent silently drops out of the analysis;
    * ``"suggestions"``: no human codings at all (a new study); the report says so.

    An interview counts as done when the primary coder has codings in it or a reviewed
    ``codings/<coder>/<respondent>.yaml`` for it (an empty ``codings: []`` is a decision
    too: nothing to code, so no suggestions either).
    """
    transcripts = list(study.transcripts if transcripts is None else transcripts)
    own = store is None
    store = store if store is not None else Store(study.store_path)
    try:
        sync_codings_dir(study, store, transcripts=transcripts)
        coder = primary_coder(study, store)
        human = store.codings(coder=coder, origin=HUMAN_ORIGINS) if coder else []
        everyone = store.codings(origin=HUMAN_ORIGINS)
        changed = store.changed_sources(transcripts)
        reviewed = {rid for _, who, rid in store.imports().values() if who == coder}
    finally:
        if own:
            store.close()
    if not human:
        return AnalysisCodings(machine_suggestions(study, transcripts), "suggestions",
                               everyone, changed, coder)
    done = {c.respondent_id for c in human} | reviewed
    coded = [t.respondent_id for t in transcripts if t.respondent_id in done]
    uncoded = [t for t in transcripts if t.respondent_id not in done]
    if not uncoded:
        return AnalysisCodings(human, "human", everyone, changed, coder, coded)
    return AnalysisCodings(human + machine_suggestions(study, uncoded), "mixed", everyone,
                           changed, coder, coded)


def study_codings(study: "Study", coder: str | None = None, *, store: Store | None = None,
                  transcripts: list[Transcript] | None = None) -> list[Coding]:
    """The human codings of one coder (the primary coder by default), after syncing
    ``codings/`` into the store."""
    own = store is None
    store = store if store is not None else Store(study.store_path)
    try:
        sync_codings_dir(study, store, transcripts=transcripts)
        coder = coder or primary_coder(study, store)
        if coder is None:
            return []
        return store.codings(coder=coder, origin=HUMAN_ORIGINS)
    finally:
        if own:
            store.close()


def codings_for_analysis(study: "Study", *, store: Store | None = None,
                         transcripts: list[Transcript] | None = None
                         ) -> tuple[list[Coding], str]:
    """``(codings, source)`` of ``load_analysis_codings`` (kept for existing callers; a
    stage that also needs every coder's codings or the changed transcripts should call
    ``load_analysis_codings`` once instead)."""
    result = load_analysis_codings(study, store=store, transcripts=transcripts)
    return result.codings, result.source


def all_human_codings(study: "Study", *, store: Store | None = None,
                      transcripts: list[Transcript] | None = None) -> list[Coding]:
    """Every human coder's codings (for intercoder agreement), after syncing ``codings/``
    (``load_analysis_codings(...).all_human`` gives the same without a second sync)."""
    if store is None and not study.store_path.exists() and not codings_files(study):
        return []
    own = store is None
    store = store if store is not None else Store(study.store_path)
    try:
        sync_codings_dir(study, store, transcripts=transcripts)
        return list(store.codings(origin=HUMAN_ORIGINS))
    finally:
        if own:
            store.close()


def machine_suggestions(study: "Study", transcripts: list[Transcript] | None = None
                        ) -> list[Coding]:
    """Deductive suggestions from the codebook's cues (``suggestions.suggest``)."""
    from .suggestions import suggest
    return list(suggest(study, transcripts))


__all__ = ["CodingSession", "Passage", "SyncReport", "AnalysisCodings", "HUMAN_ORIGINS",
           "load_codings_dir", "sync_codings_dir", "export_codings_dir", "codings_document",
           "study_codings", "load_analysis_codings", "codings_for_analysis",
           "all_human_codings", "machine_suggestions", "primary_coder", "locate_quote",
           "find_quote", "parse_codings_file", "codings_files", "trim_span"]
