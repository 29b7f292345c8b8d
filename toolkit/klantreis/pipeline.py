"""``klantreis run``: every stage from transcripts to report, in one command.

Stages run in the order of the data flow. Computing is cheap; writing figures, posters and
the report is not, so a stage whose inputs (content hashes of the files it reads, plus the
results of the stages before it) did not change since the last run, and whose outputs still
exist, is skipped. The manifest lives in ``.klantreis/run.json``.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .progress import say

MANIFEST = Path(".klantreis") / "run.json"


@dataclass
class StageResult:
    name: str
    written: list[Path] = field(default_factory=list)
    skipped: bool = False
    seconds: float = 0.0
    note: str = ""


@dataclass
class RunContext:
    """What the stages hand to each other (in memory)."""

    study: Any
    transcripts: list = field(default_factory=list)
    codings: list = field(default_factory=list)
    codings_source: str = "human"          # human | suggestions
    personas: Any = None                   # PersonaResult
    heartbeats: dict = field(default_factory=dict)
    cards: dict = field(default_factory=dict)
    outputs: dict[str, list[Path]] = field(default_factory=dict)


def hash_files(root: Path, patterns: list[str]) -> str:
    """A digest of the relative paths and contents of the files matching ``patterns``."""
    h = hashlib.sha256(__version__.encode())
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                h.update(str(path.relative_to(root)).encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def digest_codings(codings: list) -> str:
    h = hashlib.sha256()
    for c in sorted(codings, key=lambda c: (c.respondent_id, c.start, c.end, c.code, c.coder)):
        h.update(f"{c.respondent_id}|{c.code}|{c.start}|{c.end}|{c.coder}|{c.valence}|{c.phase}"
                 .encode())
    return h.hexdigest()


@dataclass
class Stage:
    name: str
    label: str                                   # Dutch, for the progress display
    inputs: list[str]                            # globs relative to the study root
    run: Callable[[RunContext], list[Path]]
    always: bool = False                         # compute-only stages run every time
    depends_on_codings: bool = True


class Pipeline:
    def __init__(self, study, stages: list[Stage] | None = None, force: bool = False):
        self.study = study
        self.stages = stages if stages is not None else default_stages()
        self.force = force
        self.manifest_path = study.root / MANIFEST

    def _load_manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_manifest(self, manifest: dict) -> None:
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        tmp.replace(self.manifest_path)

    def run(self) -> list[StageResult]:
        ctx = RunContext(study=self.study)
        manifest = self._load_manifest()
        results: list[StageResult] = []
        upstream = ""
        for i, stage in enumerate(self.stages, 1):
            t0 = time.perf_counter()
            say(f"[{i}/{len(self.stages)}] {stage.label} ...")
            key = hash_files(self.study.root, stage.inputs)
            if stage.depends_on_codings and ctx.codings:
                key = hashlib.sha256((key + digest_codings(ctx.codings)).encode()).hexdigest()
            key = hashlib.sha256((upstream + key).encode()).hexdigest()
            previous = manifest.get(stage.name, {})
            outputs_exist = all((self.study.root / p).exists() for p in previous.get("outputs", []))
            if (not stage.always and not self.force and previous.get("key") == key
                    and previous.get("outputs") and outputs_exist):
                result = StageResult(stage.name, [self.study.root / p for p in previous["outputs"]],
                                     skipped=True)
                ctx.outputs[stage.name] = result.written
            else:
                written = stage.run(ctx) or []
                ctx.outputs[stage.name] = written
                result = StageResult(stage.name, written)
                manifest[stage.name] = {
                    "key": key,
                    "outputs": [str(Path(p).resolve().relative_to(self.study.root)) for p in written
                                if Path(p).resolve().is_relative_to(self.study.root)],
                }
                self._save_manifest(manifest)
            result.seconds = time.perf_counter() - t0
            results.append(result)
            upstream = key
        return results


# --- the stages ------------------------------------------------------------------------

def _stage_import(ctx: RunContext) -> list[Path]:
    ctx.transcripts = ctx.study.transcripts
    if not ctx.transcripts:
        from .errors import KlantreisError
        raise KlantreisError(f"geen transcripten gevonden in {ctx.study.interviews_dir}; "
                             f"zet .txt-, .docx-, .vtt- of .srt-bestanden in die map")
    return []


def _stage_codings(ctx: RunContext) -> list[Path]:
    from .coding import codings_for_analysis, load_codings_dir
    if ctx.study.codings_dir.exists():
        load_codings_dir(ctx.study)
    ctx.codings, ctx.codings_source = codings_for_analysis(ctx.study)
    if ctx.codings_source == "suggestions":
        say("  geen menselijke coderingen: de analyse gebruikt machinesuggesties")
    return []


def default_stages() -> list[Stage]:
    """The stages of ``klantreis run``; later stages are added as they exist."""
    study_files = ["study.yaml", "codebook.yaml", "findings.yaml", "personas/*.yaml",
                   "journeys/*.yaml"]
    stages = [
        Stage("import", "transcripten inlezen", ["interviews/*"], _stage_import, always=True,
              depends_on_codings=False),
        Stage("codings", "coderingen laden", ["codings/**/*.yaml", "codebook.yaml"],
              _stage_codings, always=True, depends_on_codings=False),
    ]
    stages.extend(_later_stages(study_files))
    return stages


def _later_stages(study_files: list[str]) -> list[Stage]:
    # filled in as the persona, journey and report stages land
    return []
