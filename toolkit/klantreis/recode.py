"""Rename and merge codes across a whole study without losing a single coding.

A code id lives in several hand-edited files: the codebook, the codings in text form
(``codings/<coder>/*.yaml``), the journey's ``code_map``, the persona archetypes and
``findings.yaml``; and in the study store. ``rename_code`` and ``merge_codes`` change all of
them together:

1. the new text of every affected file is computed in memory (whole-token replacement of
   the id, so comments, order and layout stay as the researcher wrote them; a merge also
   removes the merged codes' blocks from the codebook and duplicate ids from lists);
2. the result is validated by loading it as a study (in a temporary copy that reads the
   real transcripts) and parsing every codings file, so a rename that would break the
   study is refused before anything is written;
3. the store is recoded in one transaction (codings and code memos follow, with an event
   in the log), then each file is replaced atomically.

    >>> rename_code(study, "wachten_op_geld", "wachten_op_uitkering", who="A")
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import KlantreisError
from .fileio import write_atomic

ID = re.compile(r"^[a-z0-9_-]+$")
STUDY_YAML_GLOBS = ("codebook.yaml", "findings.yaml", "journeys/*.yaml", "personas/*.yaml",
                    "codings/*/*.yaml")


@dataclass
class RecodeResult:
    codings: int                                          # codings in the store that moved
    files: list[Path] = field(default_factory=list)       # files rewritten

    def __str__(self) -> str:
        return (f"{self.codings} codering(en) in de opslag aangepast, "
                f"{len(self.files)} bestand(en) bijgewerkt")


def _token(code: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])")


def _dedupe_flow_lists(text: str, code: str) -> str:
    """``[a, b, a]`` -> ``[a, b]`` on lines that mention ``code`` (after a merge)."""
    def fix(m: re.Match) -> str:
        items = [i.strip() for i in m.group(1).split(",")]
        return "[" + ", ".join(dict.fromkeys(i for i in items if i)) + "]"
    out = []
    for line in text.splitlines(keepends=True):
        if code in line and "[" in line:
            line = re.sub(r"\[([^\[\]]*)\]", fix, line)
        out.append(line)
    return "".join(out)


def _drop_code_block(text: str, code: str) -> str:
    """Remove the ``- id: <code>`` item (and its indented body) from a codebook."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines)
                  if re.match(rf"^(\s*)- id:\s*['\"]?{re.escape(code)}['\"]?\s*$", ln)), None)
    if start is None:
        return text
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines):
        ln = lines[end]
        if ln.strip() and (len(ln) - len(ln.lstrip())) <= indent:
            break
        end += 1
    return "".join(lines[:start] + lines[end:])


def _drop_code_map_key(text: str, code: str) -> str:
    """Remove ``code:`` entries (one line or a block) from a journey's ``code_map``."""
    lines = text.splitlines(keepends=True)
    out, skip_indent = [], None
    for ln in lines:
        indent = len(ln) - len(ln.lstrip())
        if skip_indent is not None:
            if ln.strip() and indent > skip_indent:
                continue
            skip_indent = None
        if re.match(rf"^\s+{re.escape(code)}:", ln):
            skip_indent = indent
            continue
        out.append(ln)
    return "".join(out)


def _study_files(root: Path) -> list[Path]:
    return [p for pattern in STUDY_YAML_GLOBS for p in sorted(root.glob(pattern)) if p.is_file()]


def _planned_texts(study, sources: list[str], into: str, merge: bool) -> dict[Path, str]:
    root = Path(study.root)
    planned: dict[Path, str] = {}
    codebook_path = Path(study.codebook.path) if study.codebook.path else root / "codebook.yaml"
    for path in _study_files(root):
        text = original = path.read_text(encoding="utf-8")
        for code in sources:
            if merge and path.resolve() == codebook_path.resolve():
                text = _drop_code_block(text, code)
            if merge and path.parent.name == "journeys" and _token(into).search(text):
                text = _drop_code_map_key(text, code)
            text = _token(code).sub(into, text)
        if merge:
            text = _dedupe_flow_lists(text, into)
        if text != original:
            planned[path] = text
    return planned


def _validate(study, planned: dict[Path, str]) -> None:
    """Load the changed study in a temporary copy (transcripts from the real folder)."""
    from .coding import codings_files, parse_codings_file
    from .study import Study
    root = Path(study.root)
    with tempfile.TemporaryDirectory(prefix="klantreis-hercoderen-") as tmp:
        copy = Path(tmp) / "studie"
        copy.mkdir()
        for path in [root / "study.yaml", *_study_files(root)]:
            target = copy / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path in planned:
                target.write_text(planned[path], encoding="utf-8")
            else:
                shutil.copy2(path, target)
        os.symlink(study.interviews_dir, copy / "interviews")
        try:
            changed = Study.load(copy)
            transcripts = {t.respondent_id: t for t in study.transcripts}
            for path in codings_files(changed):
                parse_codings_file(path, changed, transcripts)
        except KlantreisError as err:
            raise KlantreisError(f"de wijziging zou de studie ongeldig maken en is niet "
                                 f"uitgevoerd: {err.message}") from None


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
    planned = _planned_texts(study, sources, into, merge)
    _validate(study, planned)
    with Store(study.store_path) as store:
        sync_codings_dir(study, store)          # every file coding is in the store first
        moved = (store.merge_codes(sources, into, who=who) if merge
                 else store.rename_code(sources[0], into, who=who))
    for path, text in planned.items():
        write_atomic(path, text)
    return RecodeResult(moved, sorted(planned))


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
