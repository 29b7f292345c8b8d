"""``klantreis anonymize SRC --out DIR``: raw transcripts in, anonymized text files out.

Safety rules (each breach is a ``KlantreisError`` naming the file, raised before anything
is written):
* SRC is only read; the output folder may not be SRC or lie inside it.
* an output file that already exists is never overwritten;
* every input must read as text (empty, binary, > 50 MB, unreadable: refused);
* the key file (original -> placeholder) and the spans file contain the personal data
  itself: they are written only where asked, with permissions 0600, and never inside the
  study folder (unless ``force_key_in_study``), SRC or the output folder;
* files are written to a temporary name and renamed, so no half-written file remains.

Output names: ``R01.txt`` -> ``R01.txt``, ``R02.md`` -> ``R02.md``; ``.docx``, ``.vtt``
and ``.srt`` become ``.txt`` with the text as the transcript reader stores it (for docx:
one paragraph a line; for subtitles one ``[hh:mm:ss] Label: text`` line per cue).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, KlantreisError
from ..fileio import write_atomic
from ..progress import say, track
from .base import AnonymizationSettings
from .lexicon import StudyLists
from .pseudonyms import PseudonymRegistry, apply

SUPPORTED = (".txt", ".md", ".docx", ".vtt", ".srt")
MAX_BYTES = 50 * 1024 * 1024
_SKIP = {"respondenten.csv", "respondenten.xlsx", "thumbs.db", "desktop.ini"}


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


# --- reading ---------------------------------------------------------------------------

def read_source(path: Path) -> SourceText:
    """The text of a transcript as the toolkit stores it (offsets point into it).

    Uses ``klantreis.transcripts.read_transcript`` (all formats); a plain text file whose
    speaker turns that reader cannot find is still anonymized from its decoded text.
    """
    path = Path(path)
    try:
        from .. import transcripts as tr
    except ImportError:  # pragma: no cover - the reader is part of the package
        tr = None
    if tr is not None:
        try:
            t = tr.read_transcript(path)
            return SourceText(path, t.text, t.format)
        except InputError:
            if path.suffix.lower() not in (".txt", ".md"):
                raise
            raw = _check_size(path)
            text, _enc = tr.decode_bytes(raw, path)     # raises for binary data
            text = tr.normalize_newlines(text)
            if not text.strip():
                raise InputError("leeg bestand: er staat geen tekst in", path) from None
            return SourceText(path, text, path.suffix.lower()[1:])
    return _read_plain(path)


def _check_size(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"bestand is te groot ({size // (1024 * 1024)} MB; maximaal 50 MB)", path)
    if size == 0:
        raise InputError("leeg bestand: er staat geen tekst in", path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"bestand kan niet worden gelezen ({exc.strerror})", path) from None


def _read_plain(path: Path) -> SourceText:  # pragma: no cover - fallback without transcripts.py
    if path.suffix.lower() not in (".txt", ".md"):
        raise InputError("dit bestandstype kan zonder transcriptlezer niet worden gelezen", path)
    raw = _check_size(path)
    if b"\x00" in raw[:8192]:
        raise InputError("dit is geen tekstbestand (binaire gegevens)", path)
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("onleesbare tekenset (geen UTF-8 of Windows-1252)", path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError("leeg bestand: er staat geen tekst in", path)
    return SourceText(path, text, path.suffix.lower()[1:])


def source_files(src: Path) -> tuple[list[Path], list[str]]:
    """Transcript files in SRC (or SRC itself), in name order, and the names skipped."""
    if src.is_file():
        return [src], []
    files, skipped = [], []
    for p in sorted(src.iterdir(), key=lambda p: p.name.casefold()):
        if p.name.startswith((".", "~$", "_")) or not p.is_file():
            continue
        if p.name.lower() in _SKIP:
            continue
        if p.suffix.lower() in SUPPORTED:
            files.append(p)
        else:
            skipped.append(p.name)
    return files, skipped


def output_name(path: Path) -> str:
    suffix = path.suffix.lower()
    return path.stem + (suffix if suffix in (".txt", ".md") else ".txt")


# --- locating the study ----------------------------------------------------------------

def find_study_root(src: Path) -> Path | None:
    """SRC itself, its parent or grandparent when it holds a study.yaml."""
    here = src if src.is_dir() else src.parent
    for cand in (here, here.parent, here.parent.parent):
        if (cand / "study.yaml").is_file():
            return cand
    return None


def study_settings(root: Path | None) -> AnonymizationSettings:
    """``study.yaml: anonymization`` of a study folder. Only that block is read: raw
    transcripts are often anonymized before the rest of study.yaml is filled in."""
    if root is None or not (Path(root) / "study.yaml").is_file():
        return AnonymizationSettings()
    from ..yamlio import load_yaml
    path = Path(root) / "study.yaml"
    data = load_yaml(path).data
    block = data.get("anonymization") if isinstance(data, dict) else None
    if block is not None and not isinstance(block, dict):
        from ..errors import SchemaError
        raise SchemaError("'anonymization' moet een lijst van instellingen zijn "
                          "(keep_ages: true, ...)", path)
    return AnonymizationSettings.from_mapping(block, path)


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
                     detector=None) -> RunResult:
    """Anonymize every transcript in ``src`` into ``out``; see the module docstring."""
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
    private_paths = {}
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

    files, skipped = source_files(src)
    if not files:
        raise KlantreisError(f"geen transcripten gevonden ({', '.join(SUPPORTED)})", src)
    names: dict[str, Path] = {}
    for f in files:
        name = output_name(f)
        if name.casefold() in {n.casefold() for n in names}:
            raise KlantreisError(f"twee bronbestanden geven hetzelfde uitvoerbestand '{name}' "
                                 f"(ook {names[[n for n in names if n.casefold() == name.casefold()][0]].name})", f)
        names[name] = f
        if (out / name).exists():
            raise KlantreisError("uitvoerbestand bestaat al en wordt niet overschreven; kies een "
                                 "lege uitvoermap", out / name)

    sources = [read_source(f) for f in track(files, desc="lezen", unit="bestand")]
    if settings is None:
        settings = study_settings(root)
    if detector is None:
        from .detector import Detector
        detector = Detector(settings=settings, lists=StudyLists.load(root))
    say(f"{len(sources)} transcript(en) doorzoeken op persoonsgegevens...")
    detections = detector.detect_many([s.text for s in sources],
                                      progress=lambda xs: track(xs, desc="anonimiseren",
                                                                unit="bestand"))
    existing = _load_key(private_paths["--key"]) if "--key" in private_paths and \
        private_paths["--key"].exists() else None
    registry = PseudonymRegistry(detector.lex, existing)
    registry.plan(detections)
    outputs = []
    result = RunResult(skipped=skipped)
    span_lines = []
    for source, dets in zip(sources, detections):
        text = apply(source.text, dets, registry)
        name = output_name(source.path)
        outputs.append((out / name, text))
        counts = Counter(d.label for d in dets)
        result.per_file[name] = counts
        result.counts.update(counts)
        rel = source.path.name
        for d in dets:
            span_lines.append(json.dumps({"file": rel, "start": d.start, "end": d.end,
                                          "label": d.label, "text": d.text,
                                          "placeholder": registry.placeholder(d)},
                                         ensure_ascii=False))
    out.mkdir(parents=True, exist_ok=True)
    for path, text in outputs:
        write_atomic(path, text)
        result.written.append(path)
    if "--key" in private_paths:
        write_atomic(private_paths["--key"],
                     json.dumps(registry.mapping(), ensure_ascii=False, indent=1) + "\n",
                     private=True)
        result.key_path = private_paths["--key"]
    if "--spans" in private_paths:
        write_atomic(private_paths["--spans"], "\n".join(span_lines) + ("\n" if span_lines else ""),
                     private=True)
        result.spans_path = private_paths["--spans"]
    return result


def summary_lines(result: RunResult) -> list[str]:
    """Counts only (never what was replaced)."""
    lines = []
    for name, counts in result.per_file.items():
        parts = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        lines.append(f"  {name}: {parts or 'niets gevonden'}")
    return lines


__all__: list[Any] = ["anonymize_folder", "read_source", "RunResult", 
                      "find_study_root", "study_settings"]
