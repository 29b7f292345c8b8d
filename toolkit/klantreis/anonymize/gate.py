"""The privacy check on anonymized text, and the gate before reports and posters.

``check_text(text)`` lists suspects: anything the anonymizer would still replace (a name,
a place, a phone number...) in text that should already be anonymized. Placeholders such
as ``[PERSOON-2]`` are ignored; the words of stage directions ("[lacht]", "[spreekt
Tigrinya]") are ordinary words, but a name inside brackets ("[belt met Jan]") is a suspect.

``privacy_gate(study)`` checks every transcript in ``interviews/`` (its text and its file
name) and raises ``PrivacyGateError`` (file:line and the kind of suspect, never the text)
unless each suspect is accepted in ``anonymization/allow.txt``. A suspect in a file name is
reported as line 0. Names the study shows on purpose (persona names, the project team,
sounding board and commissioner of study.yaml) are no exception in transcripts: a
respondent's daughter may share a persona's name. Only ``check_text`` on report text
(``study=...``) accepts a suspect that lies entirely within such a name as it stands in
that text.

allow.txt: one entry per line, ``#`` starts a comment line.

    interviews/R03.txt:14 Fleur     accept this token on this line of this file only
    R03.txt:14 Fleur                the same (a file name without folder is enough)
    "Interview 3.txt":14 Fleur      a file name with spaces: in double quotes,
    Interview 3.txt:14<TAB>Fleur    or with a tab before the token (a transcript's name
                                    ending in .txt/.md/.docx/.vtt/.srt also works bare)
    R03.txt:0 Fleur                 line 0: the file's own name
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
from .base import REASONS, AnonymizationSettings, Detection, study_root
from .lexicon import StudyLists, fold


@dataclass(frozen=True)
class Suspect:
    """Something in anonymized text that looks like personal data. ``line`` 0 means the
    file's name (not its text)."""

    path: Path | None
    line: int
    label: str         # PERSOON, TELEFOON, ...
    token: str         # the suspect text itself (only this is ever shown)
    start: int
    end: int

    @property
    def reason(self) -> str:
        reason = REASONS.get(self.label, "mogelijk persoonsgegeven")
        return f"{reason} in bestandsnaam" if self.line == 0 else reason

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

_QUOTED = re.compile(r'^"(?P<file>[^"]+)":(?P<line>\d+)(?:\s+(?P<token>.+))?$')
_TABBED = re.compile(r"^(?P<file>[^\t]+):(?P<line>\d+)\t+(?P<token>.+)$")
_PLAIN = re.compile(r"^(?P<file>[^\s:\"]+):(?P<line>\d+)(?:\s+(?P<token>.+))?$")
# a transcript's file name with spaces, recognised by its extension: "Interview 3.txt:14 Fleur"
_SPACED = re.compile(r"^(?P<file>[^\t\"]+?\.(?:txt|md|docx|vtt|srt)):(?P<line>\d+)"
                     r"(?:\s+(?P<token>.+))?$", re.I)


def _parse_entry(raw: str) -> re.Match | None:
    for rx in (_QUOTED, _TABBED, _PLAIN, _SPACED):
        m = rx.match(raw)
        if m:
            return m
    return None


class AllowList:
    """Accepted suspects from allow.txt (see the module docstring)."""

    def __init__(self, entries: Iterable[str] = ()):
        self.anywhere: set[str] = set()
        self.at: dict[tuple[str, int], set[str] | None] = {}
        for raw in entries:
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            m = _parse_entry(raw)
            if m:
                key = (m.group("file").strip().replace("\\", "/"), int(m.group("line")))
                token = m.groupdict().get("token")
                if token is None:
                    self.at[key] = None
                elif self.at.get(key, set()) is not None:
                    self.at.setdefault(key, set()).add(fold(token.strip()))
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
                  use_deduce: bool | None = None):
    """A detector for checking, with the study's keep/deny lists and settings."""
    from .detector import Detector
    root = study_root(study)
    if settings is None:
        settings = AnonymizationSettings.for_study(study)
    settings = settings.with_overrides(use_deduce=use_deduce)
    lists = StudyLists.load(root)
    # the report checks text more than once per run: reuse a detector while the study's
    # lists and settings are unchanged
    key = (tuple(sorted(settings.__dict__.items())), tuple(lists.keep),
           tuple((d.text, d.label) for d in lists.deny))
    cached = _DETECTORS.get(key)
    if cached is None:
        cached = Detector(settings=settings, lists=lists)
        if len(_DETECTORS) > 8:
            _DETECTORS.clear()
        _DETECTORS[key] = cached
    return cached


_DETECTORS: dict = {}


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


def _within_names(text: str, suspects: list[Suspect], names: Sequence[str]) -> list[Suspect]:
    """The suspects that do not lie entirely within a study name as it stands in the text
    ("Tessa" in "de kaart van Tessa" when Tessa is a persona; "Haarlem" in "gemeente
    Haarlem" when the sounding board names it). A suspect that reaches beyond the name
    ("Tessa Jansen") stays a suspect."""
    if not names or not suspects:
        return suspects
    from .detector import IGNORE_CASE, PhraseIndex
    spans = PhraseIndex(names, IGNORE_CASE).spans(text)
    if not spans:
        return suspects
    out = []
    for s in suspects:
        inside = all(any(a <= p < b for a, b in spans)
                     for p in range(s.start, s.end) if text[p].isalnum())
        if not inside:
            out.append(s)
    return out


def check_text(text: str, *, study=None, allow: AllowList | Iterable[str] = (),
               detector=None, path: Path | None = None) -> list["Suspect"]:
    """Suspected personal data left in (anonymized or generated) text. With ``study``, the
    names the study shows on purpose (``study_allowed_names``) are accepted where a suspect
    lies entirely within one; meant for report text, not for transcripts."""
    if detector is None:
        detector = make_detector(study)
    allow = allow if isinstance(allow, AllowList) else AllowList(allow)
    dets = detector.detect(text)
    root = study_root(study)
    found = [s for s in _suspects(text, dets, path) if not allow.accepts(s, root)]
    if study is not None:
        found = _within_names(text, found, study_allowed_names(study))
    return found


def _stem_text(path: Path) -> str:
    # "Interview_Fatima-el-Amrani" -> "Interview Fatima el Amrani": separators as spaces
    return re.sub(r"[_.\s]+|(?<=\w)-(?=\w)", " ", Path(path).stem).strip()


def name_suspects(paths: Sequence[Path], detector) -> list[Suspect]:
    """Suspects in the file names themselves (line 0): "Interview Fatima el Amrani.txt".
    A file name is a label, not a sentence: besides what the detector finds, any word of
    it that is a first name counts, in any case ("fatima.docx", "interview roos.txt")."""
    from .names import WORD_RE
    stems = [_stem_text(p) for p in paths]
    runs = detector.detect_many(stems)
    lex = detector.lex
    out = []
    for p, stem, dets in zip(paths, stems, runs):
        out += [Suspect(Path(p), 0, d.label, d.text, d.start, d.end) for d in dets]
        for m in WORD_RE.finditer(stem):
            key = fold(m.group(0))
            if len(key) >= 3 and key in lex.first_names and key not in lex.common and \
                    not any(d.start <= m.start() < d.end for d in dets):
                out.append(Suspect(Path(p), 0, "PERSOON", m.group(0), m.start(), m.end()))
    return out


def check_files(paths: Sequence[Path] = (), *, study=None, allow: AllowList | None = None,
                detector=None, transcripts: Sequence | None = None) -> list[Suspect]:
    """Suspects in anonymized transcripts and in their file names (names are shared across
    the files). ``transcripts``: objects with ``.path`` and ``.text`` that were already read
    (such as ``Transcript``s); otherwise ``paths`` are read. No name is accepted for being a
    persona or study name (see the module docstring)."""
    from .runner import read_source
    if detector is None:
        detector = make_detector(study)
    sources = list(transcripts) if transcripts is not None else [read_source(p) for p in paths]
    runs = detector.detect_many([s.text for s in sources])
    allow = allow or AllowList()
    root = study_root(study)
    found = name_suspects([Path(s.path) for s in sources], detector)
    for source, dets in zip(sources, runs):
        found += _suspects(source.text, dets, Path(source.path))
    return [s for s in found if not allow.accepts(s, root)]


def privacy_gate(study, transcripts: Sequence | None = None) -> None:
    """Raise ``PrivacyGateError`` unless the study's transcripts pass the privacy check.
    ``transcripts``: the study's transcripts when the caller already holds them (their
    ``.path`` and ``.text`` are checked; nothing is read again)."""
    from .runner import source_files
    root = study_root(study)
    allow = AllowList(StudyLists.load(root).allow)
    if transcripts is None:
        folder = study.interviews_dir
        files = source_files(folder)[0] if folder.is_dir() else []
        suspects = check_files(files, study=study, allow=allow) if files else []
    else:
        suspects = check_files(study=study, allow=allow, transcripts=transcripts) \
            if transcripts else []
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
