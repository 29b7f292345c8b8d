"""``klantreis anonymize SRC --out DIR``: raw transcripts in, anonymized text files out.

Safety rules (each breach is a ``KlantreisError`` naming the file, raised before anything
is written):
* SRC is only read; the output folder may not be SRC or lie inside it.
* an output file that already exists is never overwritten;
* every input must read as text (empty, binary, > 50 MB, unreadable: refused);
* the key file (original -> placeholder) and the spans file contain the personal data
  itself: they are written only where asked, with permissions 0600, never to the same
  file, and never inside the study folder (unless ``force_key_in_study``), SRC or the
  output folder; the anonymized transcripts get the usual permissions;
* files are written to a temporary name and renamed (``klantreis.fileio.write_atomic``),
  so no half-written file remains.

Output names: ``R01.txt`` -> ``R01.txt``, ``R02.md`` -> ``R02.md``; ``.docx``, ``.vtt``
and ``.srt`` become ``.txt`` with the text as the transcript reader stores it (for docx:
one paragraph a line; for subtitles one ``[hh:mm:ss] Label: text`` line per cue). A file
name in which the detector finds anything ("Interview Fatima el Amrani.docx") gets a
neutral name instead, ``transcript-001.txt``, numbered in input order; the original name
is recorded only in the key file (``{"Interview Fatima el Amrani.docx":
"transcript-001.txt"}``), never printed.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError, KlantreisError
from ..fileio import write_atomic
from ..progress import say, track
from ..transcripts import (
    MAX_BYTES,
    SUPPORTED,
    decode_bytes,
    normalize_newlines,
    read_transcript,
    transcript_files,
)
from .base import AnonymizationSettings
from .lexicon import StudyLists
from .pseudonyms import PseudonymRegistry, apply


@dataclass
class SourceText:
    path: Path
    text: str
    format: str


@dataclass
class RunResult:
    written: list[Path] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)       # label -> number replaced
    per_file: dict[str, Counter] = field(default_factory=dict)
    key_path: Path | None = None
    spans_path: Path | None = None
    skipped: list[str] = field(default_factory=list)
    renamed: int = 0        # outputs that got a neutral name (a name in the file name)


# --- reading ---------------------------------------------------------------------------

def read_source(path: Path) -> SourceText:
    """The text of a transcript as the toolkit stores it (offsets point into it).

    Uses ``klantreis.transcripts.read_transcript`` (all formats); a plain text file whose
    speaker turns that reader cannot find is still anonymized from its decoded text. Every
    other problem the reader reports (empty, too big, binary, unreadable) stands.
    """
    path = Path(path)
    try:
        t = read_transcript(path)
        return SourceText(path, t.text, t.format)
    except InputError as err:
        problem = err
    if path.suffix.lower() not in (".txt", ".md") or not path.is_file() or \
            not 0 < path.stat().st_size <= MAX_BYTES:
        raise problem
    try:
        raw = path.read_bytes()
    except OSError:
        raise problem from None
    text = normalize_newlines(decode_bytes(raw, path)[0])     # binary data: refused
    if not text.strip():
        raise problem
    return SourceText(path, text, path.suffix.lower()[1:])


def source_files(src: Path) -> tuple[list[Path], list[str]]:
    """Transcript files in SRC (or SRC itself) in the transcript reader's natural order
    (R2 before R10), and the names of the files skipped (no transcript)."""
    src = Path(src)
    if src.is_file():
        return [src], []
    notes: list[str] = []
    files, skipped = [], []
    for p in transcript_files(src, notes):
        (files if p.suffix.lower() in SUPPORTED else skipped).append(p)
    names = [p.name for p in skipped] + [note.split(": ", 1)[0] for note in notes]
    return files, names


def output_name(path: Path) -> str:
    suffix = path.suffix.lower()
    return path.stem + (suffix if suffix in (".txt", ".md") else ".txt")


NEUTRAL_NAME = "transcript-{:03d}{}"
_NEUTRAL_RE = re.compile(r"^transcript-(\d+)\.(?:txt|md)$")


def output_names(files: Sequence[Path], detector, existing_key: dict[str, str] | None = None
                 ) -> tuple[list[str], dict[str, str]]:
    """The output name of every input file, and {original name: neutral name} for the
    files whose name holds something the detector finds ("Interview Fatima.txt" ->
    "transcript-001.txt", numbered in input order, continuing after the numbers an
    existing key file already used)."""
    from .gate import name_suspects
    flagged = {s.path for s in name_suspects(list(files), detector)}
    plain = {output_name(f).casefold() for f in files if f not in flagged}
    used = [int(m.group(1)) for v in (existing_key or {}).values()
            if isinstance(v, str) and (m := _NEUTRAL_RE.match(v))]
    n = max(used, default=0)
    names, renamed = [], {}
    for f in files:
        if f not in flagged:
            names.append(output_name(f))
            continue
        suffix = Path(output_name(f)).suffix
        n += 1
        while NEUTRAL_NAME.format(n, suffix).casefold() in plain:
            n += 1
        new = NEUTRAL_NAME.format(n, suffix)
        names.append(new)
        renamed[f.name] = new
    return names, renamed


# --- locating the study ----------------------------------------------------------------

def find_study_root(src: Path) -> Path | None:
    """SRC itself, its parent or grandparent when it holds a study.yaml."""
    src = Path(src).expanduser()
    here = src if src.is_dir() else src.parent
    for cand in (here, here.parent, here.parent.parent):
        if (cand / "study.yaml").is_file():
            return cand
    return None


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


# --- writing -----------------------------------------------------------------------------

def _load_key(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise KlantreisError("bestaande sleutel kan niet worden gelezen (geen geldige JSON); "
                             "kies een andere plek met --key", path) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise KlantreisError("bestaande sleutel heeft niet de vorm {origineel: placeholder}", path)
    return data


# --- the run -----------------------------------------------------------------------------

def anonymize_folder(src: str | Path, out: str | Path, *, key: str | Path | None = None,
                     spans: str | Path | None = None, study: str | Path | None = None,
                     force_key_in_study: bool = False,
                     settings: AnonymizationSettings | None = None,
                     use_deduce: bool | None = None, detector=None) -> RunResult:
    """Anonymize every transcript in ``src`` into ``out``; see the module docstring.
    ``settings`` default to the study's (``AnonymizationSettings.for_study``);
    ``use_deduce`` overrides that one setting."""
    src = Path(src).expanduser()
    out = Path(out).expanduser()
    if not src.exists():
        raise KlantreisError("bron bestaat niet", src)
    src_dir = src if src.is_dir() else src.parent
    if out.exists() and not out.is_dir():
        raise KlantreisError("uitvoer moet een map zijn", out)
    if _inside(out, src_dir) if src.is_dir() else out.resolve() == src_dir.resolve():
        raise KlantreisError("de uitvoermap mag niet in de bronmap liggen (de ruwe "
                             "transcripten worden nooit aangepast); kies een andere map", out)
    root = Path(study).expanduser().resolve() if study else find_study_root(src)
    if study and not (root / "study.yaml").is_file():
        raise KlantreisError("geen study.yaml in deze map", root)
    private_paths: dict[str, Path] = {}
    for opt, value in (("--key", key), ("--spans", spans)):
        if value is None:
            continue
        p = Path(value).expanduser()
        if p.exists() and p.is_dir():
            raise KlantreisError(f"{opt} moet een bestand zijn, geen map", p)
        if _inside(p, src_dir):
            raise KlantreisError(f"{opt}: dit bestand bevat de echte gegevens en mag niet in de "
                                 f"bronmap staan", p)
        if _inside(p, out):
            raise KlantreisError(f"{opt}: dit bestand bevat de echte gegevens en mag niet bij de "
                                 f"geanonimiseerde transcripten staan", p)
        if root is not None and _inside(p, root) and not force_key_in_study:
            raise KlantreisError(f"{opt}: dit bestand bevat de echte gegevens en hoort niet in de "
                                 f"studiemap (die wordt gedeeld); zet het op een beveiligde plek "
                                 f"of gebruik --force-key-in-study", p)
        if opt == "--spans" and p.exists():
            raise KlantreisError("--spans: dit bestand bestaat al en wordt niet overschreven", p)
        private_paths[opt] = p
    if len(private_paths) == 2 and \
            private_paths["--key"].resolve() == private_paths["--spans"].resolve():
        raise KlantreisError("--key en --spans wijzen naar hetzelfde bestand; kies voor de "
                             "vondsten een ander bestand dan voor de sleutel",
                             private_paths["--spans"])

    files, skipped = source_files(src)
    if not files:
        raise KlantreisError(f"geen transcripten gevonden ({', '.join(SUPPORTED)})", src)
    existing = _load_key(private_paths["--key"]) if "--key" in private_paths and \
        private_paths["--key"].exists() else None
    if settings is None:
        settings = AnonymizationSettings.for_study(root)
    settings = settings.with_overrides(use_deduce=use_deduce)
    if detector is None:
        from .detector import Detector
        detector = Detector(settings=settings, lists=StudyLists.load(root))
    # a name in a file name ("Interview Fatima.txt") must not reach the output folder
    names, renamed = output_names(files, detector, existing)
    seen: dict[str, Path] = {}
    for f, name in zip(files, names):
        if name.casefold() in seen:
            raise KlantreisError(f"twee bronbestanden geven hetzelfde uitvoerbestand '{name}' "
                                 f"(ook {seen[name.casefold()].name})", f)
        seen[name.casefold()] = f
        if (out / name).exists():
            raise KlantreisError("uitvoerbestand bestaat al en wordt niet overschreven; kies een "
                                 "lege uitvoermap", out / name)

    sources = [read_source(f) for f in track(files, desc="lezen", unit="bestand")]
    say(f"{len(sources)} transcript(en) doorzoeken op persoonsgegevens...")
    detections = detector.detect_many([s.text for s in sources],
                                      progress=lambda xs: track(xs, desc="anonimiseren",
                                                                unit="bestand"))
    registry = PseudonymRegistry(detector.lex, existing)
    registry.plan(detections)
    outputs = []
    result = RunResult(skipped=skipped, renamed=len(renamed))
    span_lines = []
    for source, name, dets in zip(sources, names, detections):
        text = apply(source.text, dets, registry)
        outputs.append((out / name, text))
        counts = Counter(d.label for d in dets)
        result.per_file[name] = counts
        result.counts.update(counts)
        for d in dets:
            span_lines.append(json.dumps({"file": source.path.name, "output": name,
                                          "start": d.start, "end": d.end,
                                          "label": d.label, "text": d.text,
                                          "placeholder": registry.placeholder(d)},
                                         ensure_ascii=False))
    out.mkdir(parents=True, exist_ok=True)
    for path, text in outputs:
        write_atomic(path, text, overwrite=False)        # normal permissions
        result.written.append(path)
    if "--key" in private_paths:
        # original -> placeholder, and original file name -> neutral file name
        mapping = {**registry.mapping(), **renamed}
        write_atomic(private_paths["--key"],
                     json.dumps(mapping, ensure_ascii=False, indent=1) + "\n", private=True)
        result.key_path = private_paths["--key"]
    if "--spans" in private_paths:
        write_atomic(private_paths["--spans"], "\n".join(span_lines) + ("\n" if span_lines else ""),
                     private=True, overwrite=False)
        result.spans_path = private_paths["--spans"]
    return result


def summary_lines(result: RunResult) -> list[str]:
    """Counts only (never what was replaced)."""
    lines = []
    for name, counts in result.per_file.items():
        parts = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        lines.append(f"  {name}: {parts or 'niets gevonden'}")
    return lines


__all__: list[Any] = [
    "RunResult",
    "anonymize_folder",
    "find_study_root",
    "output_names",
    "read_source",
    "source_files",
]
