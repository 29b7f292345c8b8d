"""The privacy check on anonymized text, and the gate before reports and posters.

``check_text(text)`` lists suspects: anything the anonymizer would still replace (a name,
a place, a phone number...) in text that should already be anonymized. Placeholders such
as ``[PERSOON-2]`` and stage directions such as ``[lacht]`` are ignored.

``privacy_gate(study)`` checks every transcript in ``interviews/`` and raises
``PrivacyGateError`` (file:line and the kind of suspect, never the text) unless each
suspect is accepted in ``anonymization/allow.txt``. Persona names (personas/*.yaml) and the
people the study itself names in study.yaml (project team, sounding board, commissioner)
are allowed automatically: they appear in reports by design.

allow.txt: one entry per line, ``#`` starts a comment line.

    interviews/R03.txt:14 Fleur     accept this token on this line of this file only
    R03.txt:14 Fleur                the same (a file name without folder is enough)
    Fleur                           accept this token everywhere
    Wil je                          a phrase: accepted wherever it is the whole suspect

Tokens compare without case and accents. A ``FILE:LINE`` entry without a token accepts
every suspect on that line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import PrivacyGateError, display_path
from .base import REASONS, AnonymizationSettings, Detection
from .lexicon import StudyLists, fold


@dataclass(frozen=True)
class Suspect:
    """Something in anonymized text that looks like personal data."""

    path: Path | None
    line: int
    label: str         # PERSOON, TELEFOON, ...
    token: str         # the suspect text itself (only this is ever shown)
    start: int
    end: int

    @property
    def reason(self) -> str:
        return REASONS.get(self.label, "mogelijk persoonsgegeven")

    def where(self, root: Path | None = None) -> str:
        if self.path is None:
            return f"regel {self.line}"
        shown = self.path
        if root is not None:
            try:
                shown = self.path.resolve().relative_to(Path(root).resolve())
            except ValueError:
                shown = Path(display_path(self.path))
        else:
            shown = Path(display_path(self.path))
        return f"{shown}:{self.line}"


# More suspects than this in one file: it was most likely never anonymized.
RAW_FILE_SUSPECTS = 25

_ENTRY = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+)(?:\s+(?P<token>.+))?$")


class AllowList:
    """Accepted suspects from allow.txt (see the module docstring)."""

    def __init__(self, entries: Iterable[str] = ()):
        self.anywhere: set[str] = set()
        self.at: dict[tuple[str, int], set[str] | None] = {}
        for raw in entries:
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            m = _ENTRY.match(raw)
            if m:
                key = (m.group("file").replace("\\", "/"), int(m.group("line")))
                token = m.group("token")
                if token is None:
                    self.at[key] = None
                elif self.at.get(key, set()) is not None:
                    self.at.setdefault(key, set()).add(fold(token))
            else:
                self.anywhere.add(fold(raw))

    def accepts(self, s: Suspect, root: Path | None = None) -> bool:
        tok = fold(s.token)
        if tok in self.anywhere:
            return True
        if s.path is None:
            return False
        names = {s.path.name}
        if root is not None:
            try:
                names.add(s.path.resolve().relative_to(Path(root).resolve()).as_posix())
            except ValueError:
                pass
        for name in names:
            if (name, s.line) in self.at:
                tokens = self.at[(name, s.line)]
                if tokens is None or tok in tokens:
                    return True
        return False


def _suspects(text: str, dets: Sequence[Detection], path: Path | None) -> list[Suspect]:
    out = []
    for d in dets:
        line = text.count("\n", 0, d.start) + 1
        out.append(Suspect(path, line, d.label, d.text, d.start, d.end))
    return out


def make_detector(study=None, settings: AnonymizationSettings | None = None,
                  use_deduce: bool | None = None, allow_names: Iterable[str] = ()):
    """A detector for checking: the study's keep/deny lists plus names that are allowed
    to appear (personas, project team)."""
    from .detector import Detector
    root = getattr(study, "root", study)
    if settings is None:
        settings = _study_settings(study)
    if use_deduce is not None:
        settings = AnonymizationSettings(**{**settings.__dict__, "use_deduce": use_deduce})
    lists = StudyLists.load(Path(root)) if root is not None else StudyLists()
    allow_names = tuple(allow_names)
    # the report checks text more than once per run: reuse a detector while the study's
    # lists and settings are unchanged
    key = (tuple(sorted(settings.__dict__.items())), tuple(lists.keep),
           tuple((d.text, d.label) for d in lists.deny), allow_names)
    cached = _DETECTORS.get(key)
    if cached is None:
        cached = Detector(settings=settings, lists=lists, extra_keep=list(allow_names))
        if len(_DETECTORS) > 8:
            _DETECTORS.clear()
        _DETECTORS[key] = cached
    return cached


_DETECTORS: dict = {}


def _study_settings(study) -> AnonymizationSettings:
    if study is None:
        return AnonymizationSettings()
    cfg = getattr(study, "config", None)
    if cfg is not None:
        return AnonymizationSettings.from_mapping(cfg.anonymization, Path(study.root) / "study.yaml")
    from .runner import study_settings
    return study_settings(Path(getattr(study, "root", study)))


def study_allowed_names(study) -> list[str]:
    """Names a study shows on purpose: persona names, project team, klankbord, commissioner."""
    names: list[str] = []
    for p in getattr(study, "personas", []) or []:
        names.append(p.name)
    cfg = getattr(study, "config", None)
    if cfg is not None:
        for value in [cfg.commissioner, cfg.executor, *cfg.project_team, *cfg.klankbord]:
            if value:
                # "Naam (organisatie)" -> both parts
                names.extend(part.strip() for part in re.split(r"[(),;/]", value) if part.strip())
    return names


def check_text(text: str, *, study=None, allow: AllowList | Iterable[str] = (),
               detector=None, path: Path | None = None) -> list["Suspect"]:
    """Suspected personal data left in (anonymized or generated) text."""
    if detector is None:
        detector = make_detector(study, allow_names=study_allowed_names(study) if study else ())
    allow = allow if isinstance(allow, AllowList) else AllowList(allow)
    dets = detector.detect(text)
    root = getattr(study, "root", None)
    return [s for s in _suspects(text, dets, path) if not allow.accepts(s, root)]


def check_files(paths: Sequence[Path], *, study=None, allow: AllowList | None = None,
                detector=None) -> list[Suspect]:
    """Suspects in several anonymized transcripts (names are shared across the files)."""
    from .runner import read_source
    if detector is None:
        detector = make_detector(study, allow_names=study_allowed_names(study) if study else ())
    sources = [read_source(p) for p in paths]
    runs = detector.detect_many([s.text for s in sources])
    allow = allow or AllowList()
    root = getattr(study, "root", None)
    out = []
    for source, dets in zip(sources, runs):
        out += [s for s in _suspects(source.text, dets, source.path) if not allow.accepts(s, root)]
    return out


def privacy_gate(study) -> None:
    """Raise ``PrivacyGateError`` unless the study's transcripts pass the privacy check."""
    from .runner import source_files
    root = Path(study.root)
    lists = StudyLists.load(root)
    allow = AllowList(lists.allow)
    files, _ = source_files(study.interviews_dir) if study.interviews_dir.is_dir() else ([], [])
    suspects = check_files(files, study=study, allow=allow) if files else []
    if suspects:
        raise PrivacyGateError(gate_message(suspects, root), study.interviews_dir)


def gate_message(suspects: Sequence[Suspect], root: Path | None = None, limit: int = 20) -> str:
    """What the gate says: per line of a transcript which kinds of suspects it holds (never
    the words themselves), the first ``limit`` lines, and what to do next. A file with many
    suspects is probably not anonymized at all, so the message then says how to do that."""
    from collections import Counter, defaultdict
    by_line: dict[str, Counter] = defaultdict(Counter)
    per_file: Counter = Counter()
    for sus in suspects:
        where = sus.where(root)
        by_line[where][sus.reason] += 1
        per_file[where.rsplit(":", 1)[0]] += 1
    lines = [f"{len(suspects)} mogelijke persoonsgegevens in {len(per_file)} transcript(en); "
             f"er worden geen kaarten, figuren of rapport gemaakt zolang ze er staan."]
    raw = sorted(f for f, n in per_file.items() if n >= RAW_FILE_SUSPECTS)
    if raw:
        lines.append(f"Zo veel in {', '.join(raw)} wijst op een niet-geanonimiseerd transcript: "
                     f"anonimiseer eerst met 'klantreis anonymize MAP_MET_RUWE_BESTANDEN --out "
                     f"NIEUWE_MAP' en zet de uitvoer in interviews/.")
    lines.append("Vervang de rest, of accepteer ze in anonymization/allow.txt "
                 "('BESTAND:REGEL woord'); de woorden zelf toont 'klantreis anonymize --check'.")
    for where, reasons in list(by_line.items())[:limit]:
        kinds = ", ".join(f"{n}x {reason}" if n > 1 else reason for reason, n in reasons.items())
        lines.append(f"  {where}: {kinds}")
    if len(by_line) > limit:
        lines.append(f"  ... en nog {len(by_line) - limit} regel(s)")
    return "\n".join(lines)