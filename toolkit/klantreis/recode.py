"""Rename and merge codes across a whole study without losing a single coding.

A code id lives in several hand-edited files and in the study store:

- the codebook (``study.yaml: codebook``): a code's ``id``;
- the codings in text form (``codings/<coder>/*.yaml`` and ``*.yml``): each coding's ``code``;
- ``findings.yaml`` (``study.yaml: findings``): the items of ``codes`` (findings, themes) and
  the code items of a recommendation's ``answers`` (a finding id there stays a finding);
- the persona archetypes (``personas/*.yaml``): the items of ``codes``;
- the journeys (``journeys/*.yaml``): the keys of ``code_map``;
- the store: every coding and every code memo (``Store.rename_code`` / ``merge_codes``).

Only those places change. A code id is often an ordinary word ("urgentie", "jeugdhulp",
"schuldhulpverlening"): the same word in a quote, an example, a cue, an organisation list or
a step name is left alone. References in the researchers' own explanations (a coding's
``memo``; a code's ``definition``, ``use_when`` and ``not_when``; a category's
``description``; the ``storyline``; a finding's ``text``) follow as whole words, but only for
ids that cannot be an ordinary word (with ``_`` or ``-``: "zie ook wachten_op_uitkering").

``rename_code`` and ``merge_codes`` work in three steps:

1. the new text of every affected file is computed in memory by editing the YAML at the
   positions of those values (from the YAML parser's marks), so comments, order, quoting
   and layout stay as the researcher wrote them; a merge also removes the merged codes'
   definitions from the codebook, their duplicates from lists and their ``code_map``
   entries when the target has one. Each edited file is parsed again and must hold exactly
   the expected data, or nothing happens;
2. the result is validated by loading it as a study in a temporary folder (codebook,
   journeys, personas, findings and every codings file against the real transcripts), so a
   rename that would break the study is refused before anything is written;
3. in one store transaction the codings files are synced and the store recoded, then each
   file is replaced atomically; when a file cannot be written the files already written are
   put back and the store transaction is rolled back, so store and files never disagree.

    >>> rename_code(study, "wachten_op_geld", "wachten_op_uitkering", who="A")
"""
from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import KlantreisError
from .fileio import write_atomic

ID = re.compile(r"^[a-z0-9_-]+$")
_BOM = b"\xef\xbb\xbf"
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_DROP = object()


@dataclass
class RecodeResult:
    codings: int                                          # codings in the store that moved
    files: list[Path] = field(default_factory=list)       # files rewritten

    def __str__(self) -> str:
        return (f"{self.codings} codering(en) in de opslag aangepast, "
                f"{len(self.files)} bestand(en) bijgewerkt")


def _token(code: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])")


def _identifier_like(code: str) -> bool:
    """An id that cannot be an ordinary word: its mentions in free text are references."""
    return "_" in code or "-" in code


# --- the files --------------------------------------------------------------------------------

@dataclass
class _StudyFile:
    path: Path
    kind: str          # codebook | findings | journey | persona | codings
    copy_as: str       # where it goes in the validation copy (relative)


def _study_files(study) -> list[_StudyFile]:
    from .coding import codings_files

    root = Path(study.root)
    out = []
    codebook = root / study.config.codebook
    if codebook.is_file():
        out.append(_StudyFile(codebook, "codebook", "codebook.yaml"))
    findings = root / study.config.findings
    if findings.is_file():
        out.append(_StudyFile(findings, "findings", "findings.yaml"))
    for p in sorted((root / "journeys").glob("*.yaml")):
        out.append(_StudyFile(p, "journey", f"journeys/{p.name}"))
    for p in sorted((root / "personas").glob("*.yaml")):
        out.append(_StudyFile(p, "persona", f"personas/{p.name}"))
    for p in codings_files(study):
        out.append(_StudyFile(p, "codings", f"codings/{p.parent.name}/{p.name}"))
    return out


def _read(path: Path) -> tuple[bytes, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KlantreisError(f"kan niet lezen ({exc.strerror})", path) from None
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KlantreisError("YAML moet UTF-8 zijn", path) from None


# --- editing YAML at the positions of its values ------------------------------------------------

def _get(node, key: str):
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _items(node) -> list:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _is_str_scalar(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG


def _is_id_scalar(node) -> bool:
    """A scalar that can be a code id (the codebook reads ``id: 123`` as "123")."""
    return isinstance(node, yaml.ScalarNode) and node.tag in (_STR_TAG, _INT_TAG)


def _render(value: str, node) -> str:
    """``value`` written like ``node`` was (quoted the same way; plain when YAML reads it
    back as the same text, else double-quoted)."""
    if node.style in ("'", '"'):
        return f"{node.style}{value}{node.style}"
    if yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG:
        return value
    return f'"{value}"'


class _Editor:
    """Text edits at node positions of one YAML document, and the data they should give."""

    def __init__(self, path: Path, text: str, sources: list[str], into: str, merge: bool):
        self.path = path
        self.text = text
        self.sources = set(sources)
        self.into = into
        self.merge = merge
        self.edits: list[tuple[int, int, str]] = []      # (start, end, replacement)
        self.sets: list[tuple[tuple, Any]] = []          # (path, new value)
        self.drops: list[tuple[tuple, Any]] = []         # (container path, key or index)
        self.renames: list[tuple[tuple, str, str]] = []  # (mapping path, old key, new key)
        self.mentions = [_token(c) for c in sources if _identifier_like(c)]
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise KlantreisError("geen geldige YAML", path,
                                 mark.line + 1 if mark else None) from None

    # --- the kinds of places -----------------------------------------------------------------
    def id_value(self, node, at: tuple) -> None:
        """A scalar that is one code id (codebook ``id``, coding ``code``)."""
        if _is_id_scalar(node) and node.value in self.sources:
            self._replace(node, _render(self.into, node))
            self.sets.append((at, self.into))

    def mentions_in(self, node, at: tuple) -> None:
        """Free text written by the researchers: identifier-like ids as whole words."""
        if not self.mentions or not _is_str_scalar(node):
            return
        a, b = node.start_mark.index, node.end_mark.index
        source, value = self.text[a:b], node.value
        for rx in self.mentions:
            for m in rx.finditer(source):
                self.edits.append((a + m.start(), a + m.end(), self.into))
            value = rx.sub(self.into, value)
        if value != node.value:
            self.sets.append((at, value))

    def id_list(self, node, at: tuple, keep: set[str] = frozenset()) -> None:
        """A list of code ids; items in ``keep`` are something else (finding ids)."""
        items = _items(node)
        if not items:
            return
        values = [i.value if _is_id_scalar(i) else None for i in items]
        new = [self.into if v in self.sources and v not in keep else v for v in values]
        if new == values:
            return
        drop: set[int] = set()
        if self.merge:              # merged ids become duplicates: keep the first
            first = new.index(self.into)
            drop = {k for k, v in enumerate(new) if v == self.into and k != first}
        if drop and node.flow_style:
            kept = [self.text[i.start_mark.index:i.end_mark.index] if new[k] == values[k]
                    else _render(self.into, i)
                    for k, i in enumerate(items) if k not in drop]
            self._replace(node, "[" + ", ".join(kept) + "]")
        else:
            for k, item in enumerate(items):
                if k in drop:
                    self._remove_item(item)
                elif new[k] != values[k]:
                    self._replace(item, _render(self.into, item))
        for k in range(len(items)):
            if k in drop:
                self.drops.append((at, k))
            elif new[k] != values[k]:
                self.sets.append((at + (k,), self.into))

    def code_map_keys(self, node, at: tuple) -> None:
        """A journey's ``code_map``: keys are code ids."""
        if not isinstance(node, yaml.MappingNode):
            return
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        taken = self.into in keys
        for k, v in node.value:
            if not (_is_id_scalar(k) and k.value in self.sources):
                continue
            if taken:           # the target has its own entry already: drop this one
                if node.flow_style:
                    raise KlantreisError("code_map staat op één regel; zet de codes onder "
                                         "elkaar en probeer opnieuw", self.path,
                                         node.start_mark.line + 1)
                self._remove_lines(k.start_mark.line, _end_line(v), k.start_mark.column)
                self.drops.append((at, k.value))
            else:
                self._replace(k, _render(self.into, k))
                self.renames.append((at, k.value, self.into))
                taken = True

    def code_blocks(self, category, at: tuple) -> None:
        """Merge: remove the merged codes' definitions from a category's ``codes``."""
        key, seq = next(((k, v) for k, v in category.value
                         if isinstance(k, yaml.ScalarNode) and k.value == "codes"),
                        (None, None))
        items = _items(seq)
        gone = [k for k, item in enumerate(items)
                if _is_id_scalar(_get(item, "id")) and _get(item, "id").value in self.sources]
        if not gone:
            return
        if seq.flow_style:
            raise KlantreisError("de codes van een categorie staan op één regel; zet ze "
                                 "onder elkaar en probeer opnieuw", self.path,
                                 seq.start_mark.line + 1)
        for k in gone:
            self._remove_item(items[k])
            self.drops.append((at, k))
        if len(gone) == len(items):     # 'codes:' must stay a list: 'codes: []'
            colon = self.text.index(":", key.end_mark.index)
            self.edits.append((colon + 1, colon + 1, " []"))

    # --- text operations ---------------------------------------------------------------------
    def _replace(self, node, text: str) -> None:
        self.edits.append((node.start_mark.index, node.end_mark.index, text))

    def _line_start(self, line: int) -> int:
        """Offset of the start of 0-based ``line`` (the end of the text past the last)."""
        pos = 0
        for _ in range(line):
            nl = self.text.find("\n", pos)
            if nl < 0:
                return len(self.text)
            pos = nl + 1
        return pos

    def _remove_lines(self, first: int, last: int, column: int) -> None:
        """Remove lines ``first`` .. ``last`` (0-based, inclusive) and the lines right after
        them that are indented deeper than ``column`` (comments that belong to them)."""
        lines = self.text.split("\n")
        end = last + 1
        while end < len(lines) - 1 and lines[end].strip() and \
                len(lines[end]) - len(lines[end].lstrip()) > column and \
                lines[end].lstrip().startswith("#"):
            end += 1
        self.edits.append((self._line_start(first), self._line_start(end), ""))

    def _remove_item(self, item) -> None:
        """Remove a block-sequence item: from its dash to the end of its last value."""
        line = item.start_mark.line
        text_line = self.text.split("\n")[line]
        dash = text_line[:item.start_mark.column].rfind("-")
        if dash < 0 or text_line[:dash].strip():
            raise KlantreisError("kan een lijstitem niet veilig verwijderen; pas het met de "
                                 "hand aan", self.path, line + 1)
        self._remove_lines(line, _end_line(item), dash)

    def new_text(self) -> str:
        # longest first at the same start: a removed stretch swallows the edits inside it
        edits = sorted(self.edits, key=lambda e: (e[0], -e[1]))
        out, pos = [], 0
        for a, b, repl in edits:
            if a < pos:
                if b <= pos:
                    continue    # an edit inside a removed stretch
                raise KlantreisError("overlappende wijzigingen; pas de code met de hand aan",
                                     self.path)
            out.append(self.text[pos:a])
            out.append(repl)
            pos = b
        out.append(self.text[pos:])
        return "".join(out)

    def expected(self, data: Any) -> Any:
        data = copy.deepcopy(data)
        for at, value in self.sets:
            _set(data, at, value)
        for at, old, new in self.renames:
            mapping = _at(data, at)
            mapping[new] = mapping.pop(old)
        by_container: dict[tuple, list] = {}
        for at, key in self.drops:          # drops never nest: one container at a time
            by_container.setdefault(at, []).append(key)
        for at, keys in by_container.items():
            container = _at(data, at)
            for key in sorted(keys, reverse=True) if isinstance(container, list) else keys:
                del container[key]
        return data


def _end_line(node) -> int:
    """The 0-based line where the content of ``node`` ends (block collections end at the
    next token, which may be after comments that belong to what follows)."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        end = node.end_mark
        return end.line - 1 if end.column == 0 and end.line > node.start_mark.line \
            else end.line
    children = ([v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode)
                else list(node.value))
    return max((_end_line(c) for c in children), default=node.start_mark.line)


def _at(data: Any, at: tuple) -> Any:
    for key in at:
        data = data[key]
    return data


def _set(data: Any, at: tuple, value: Any) -> None:
    _at(data, at[:-1])[at[-1]] = value


def _plan_file(f: _StudyFile, text: str, sources: list[str], into: str, merge: bool,
               finding_ids: set[str]) -> _Editor:
    ed = _Editor(f.path, text, sources, into, merge)
    root = ed.root
    if not isinstance(root, yaml.MappingNode):
        return ed
    if f.kind == "codebook":
        ed.mentions_in(_get(root, "storyline"), ("storyline",))
        for ci, cat in enumerate(_items(_get(root, "categories"))):
            where = ("categories", ci)
            ed.mentions_in(_get(cat, "description"), where + ("description",))
            codes = _get(cat, "codes")
            for ki, code in enumerate(_items(codes)):
                kw = where + ("codes", ki)
                ed.id_value(_get(code, "id"), kw + ("id",))
                for key in ("definition", "use_when", "not_when"):
                    ed.mentions_in(_get(code, key), kw + (key,))
            if merge:
                ed.code_blocks(cat, where + ("codes",))
    elif f.kind == "codings":
        for i, item in enumerate(_items(_get(root, "codings"))):
            ed.id_value(_get(item, "code"), ("codings", i, "code"))
            ed.mentions_in(_get(item, "memo"), ("codings", i, "memo"))
    elif f.kind == "findings":
        for i, item in enumerate(_items(_get(root, "findings"))):
            ed.id_list(_get(item, "codes"), ("findings", i, "codes"))
            ed.mentions_in(_get(item, "text"), ("findings", i, "text"))
        for i, item in enumerate(_items(_get(root, "themes"))):
            ed.id_list(_get(item, "codes"), ("themes", i, "codes"))
        for i, item in enumerate(_items(_get(root, "recommendations"))):
            ed.id_list(_get(item, "answers"), ("recommendations", i, "answers"),
                       keep=finding_ids)
    elif f.kind == "persona":
        ed.id_list(_get(root, "codes"), ("codes",))
    elif f.kind == "journey":
        ed.code_map_keys(_get(root, "code_map"), ("code_map",))
    return ed


@dataclass
class _Planned:
    file: _StudyFile
    raw: bytes          # the file as it is now
    new: bytes          # the file as it will be


def _planned_files(study, sources: list[str], into: str, merge: bool) -> list[_Planned]:
    files = _study_files(study)
    texts = {f.path: _read(f.path) for f in files}
    finding_ids: set[str] = set()
    for f in files:
        if f.kind == "findings":
            data = yaml.safe_load(texts[f.path][1]) or {}
            finding_ids = {str(x.get("id")) for x in (data.get("findings") or [])
                           if isinstance(x, dict)}
    out = []
    for f in files:
        raw, text = texts[f.path]
        ed = _plan_file(f, text, sources, into, merge, finding_ids)
        if not ed.edits:
            continue
        new_text = ed.new_text()
        try:
            ok = yaml.safe_load(new_text) == ed.expected(yaml.safe_load(text))
        except (yaml.YAMLError, KeyError, IndexError, TypeError):
            ok = False
        if not ok:
            raise KlantreisError("kan de code-id niet veilig aanpassen in dit bestand; doe "
                                 "het met de hand (er is niets gewijzigd)", f.path)
        if new_text != text:
            bom = _BOM if raw.startswith(_BOM) else b""
            out.append(_Planned(f, raw, bom + new_text.encode("utf-8")))
    return out


# --- validation on a temporary copy --------------------------------------------------------------

def _validate(study, planned: list[_Planned]) -> None:
    """Load the changed study from a temporary folder: codebook, journeys, personas,
    findings and every codings file (against the real transcripts, which are not copied).
    An error names the real file and line."""
    from .coding import parse_codings_file
    from .study import Study

    changed = {p.file.path: p.new for p in planned}
    config = yaml.safe_load(_read(Path(study.root) / "study.yaml")[1]) or {}
    # the copy holds the files under their usual names, wherever study.yaml points
    config["codebook"], config["findings"] = "codebook.yaml", "findings.yaml"
    contents = {"study.yaml": (Path(study.root) / "study.yaml",
                               yaml.safe_dump(config, allow_unicode=True).encode("utf-8"))}
    for f in _study_files(study):
        contents[f.copy_as] = (f.path, changed.get(f.path) or _read(f.path)[0])
    with tempfile.TemporaryDirectory(prefix="klantreis-hercoderen-") as tmp:
        copy_root = Path(tmp) / "studie"
        real_of: dict[Path, Path] = {}
        codings = []
        try:
            for rel, (real, data) in contents.items():
                target = copy_root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                real_of[target.resolve()] = real
                if rel.startswith("codings/"):
                    codings.append(target)
        except OSError as exc:
            raise KlantreisError(f"kan de tijdelijke kopie voor de controle niet maken "
                                 f"({exc.strerror}); er is niets gewijzigd") from None
        transcripts = {t.respondent_id: t for t in study.transcripts}
        try:
            new = Study.load(copy_root)
            new.findings  # noqa: B018 - loading validates findings.yaml against the codebook
            for path in codings:
                parse_codings_file(path, new, transcripts)
        except KlantreisError as err:
            where = real_of.get(err.path.resolve()) if err.path is not None else None
            raise KlantreisError(f"de wijziging zou de studie ongeldig maken en is niet "
                                 f"uitgevoerd: {err.message}", where, err.line) from None


# --- store and files together -------------------------------------------------------------------

def _recode(study, sources: list[str], into: str, *, who: str, merge: bool) -> RecodeResult:
    from .coding import sync_codings_dir
    from .store import Store

    known = set(study.codebook.code_ids())
    for code in sources:
        if code not in known:
            raise KlantreisError(f"code '{code}' staat niet in het codeboek", study.codebook.path)
    if not ID.match(into):
        raise KlantreisError(f"'{into}' is geen geldige code-id (alleen a-z, 0-9, _ en -)")
    if merge and into not in known:
        raise KlantreisError(f"code '{into}' staat niet in het codeboek; samenvoegen kan "
                             f"alleen in een bestaande code (of hernoem eerst)",
                             study.codebook.path)
    if not merge and into in known:
        raise KlantreisError(f"code '{into}' bestaat al; gebruik samenvoegen (merge_codes)",
                             study.codebook.path)
    planned = _planned_files(study, sources, into, merge)
    _validate(study, planned)
    with Store(study.store_path) as store:
        with store.transaction():      # rolled back when a file cannot be written
            sync_codings_dir(study, store)          # every file coding is in the store first
            moved = (store.merge_codes(sources, into, who=who) if merge
                     else store.rename_code(sources[0], into, who=who))
            _write_all(planned)
    return RecodeResult(moved, sorted(p.file.path for p in planned))


def _write_all(planned: list[_Planned]) -> None:
    """Write every planned file; on a failure put back the ones already written."""
    done: list[_Planned] = []
    try:
        for p in planned:
            write_atomic(p.file.path, p.new)
            done.append(p)
    except KlantreisError:
        for p in reversed(done):
            try:
                write_atomic(p.file.path, p.raw)
            except KlantreisError:
                pass    # the error below names the file that could not be written
        raise


def rename_code(study, old: str, new: str, *, who: str = "") -> RecodeResult:
    """Give code ``old`` the id ``new`` everywhere in the study; every coding follows."""
    if old == new:
        return RecodeResult(0)
    return _recode(study, [old], new, who=who, merge=False)


def merge_codes(study, codes: Iterable[str], into: str, *, who: str = "") -> RecodeResult:
    """Merge ``codes`` into the existing code ``into``: their codings, memos and every
    reference move to ``into`` and their definitions leave the codebook."""
    sources = [c for c in dict.fromkeys(codes) if c != into]
    if not sources:
        return RecodeResult(0)
    return _recode(study, sources, into, who=who, merge=True)


__all__ = ["rename_code", "merge_codes", "RecodeResult"]
