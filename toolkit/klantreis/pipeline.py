"""``klantreis run``: every stage from transcripts to report, in one command.

Stages run in the order of the data flow: transcripts -> privacy check -> codings -> axial
coding -> personas -> heartbeats -> posters -> report. Each stage has two halves:

* ``compute`` fills the ``RunContext`` in memory and always runs (it is cheap, and later
  stages need its results even when nothing is rewritten);
* ``write`` produces files and is skipped when the stage's key did not change since the last
  run and its outputs still exist. The key is a hash of the input files the stage reads,
  the codings it works from, and the key of the stage before it (a change upstream
  rebuilds everything downstream). The manifest lives in ``.klantreis/run.json``.

Files go under ``reports/`` except ``personas/assignments.csv``, the persona stage's
documented output.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .errors import KlantreisError
from .fileio import write_atomic
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
    """What the stages hand to each other (in memory). ``report.ReportContext.from_run``
    reads it by attribute name."""

    study: Any
    transcripts: list = field(default_factory=list)
    respondents: Any = None                # respondents.RespondentTable
    attributes: Any = None                 # its frame, or None
    codings: list = field(default_factory=list)
    codings_source: str = "human"          # human | mixed | suggestions
    all_codings: list | None = None        # every human coder (agreement)
    axial: Any = None                      # axial.AxialAnalysis
    personas: Any = None                   # personas.PersonaResult
    heartbeats: list = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)   # "heartbeat:<id>" -> PNG, ...
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_keys: dict[str, str] = field(default_factory=dict)  # stage -> what else it read


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


def _nothing(ctx: RunContext) -> list[Path]:
    return []


@dataclass
class Stage:
    name: str
    label: str                                        # Dutch, for the progress display
    inputs: list[str]                                 # globs relative to the study root
    compute: Callable[[RunContext], None]
    write: Callable[[RunContext], list[Path]] = _nothing
    figures: Callable[[RunContext, list[Path]], dict[str, Path]] = lambda ctx, paths: {}
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
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2))

    def _relative(self, paths: list[Path]) -> list[str]:
        root = self.study.root.resolve()
        return [str(Path(p).resolve().relative_to(root)) for p in paths
                if Path(p).resolve().is_relative_to(root)]

    def _remove_stale(self, old: list[Path], new: list[Path]) -> None:
        """Files this stage wrote last time but not now (a persona that no longer exists,
        a figure that can no longer be drawn) would sit in reports/ as if current. Only
        files under reports/ are removed: nothing a researcher edits lives there."""
        keep = {Path(p).resolve() for p in new}
        reports = self.study.reports_dir.resolve()
        for path in old:
            path = path.resolve()
            if path not in keep and path.is_relative_to(reports) and path.is_file():
                path.unlink()

    def run(self) -> tuple[list[StageResult], RunContext]:
        ctx = RunContext(study=self.study)
        manifest = self._load_manifest()
        results: list[StageResult] = []
        upstream = ""
        for i, stage in enumerate(self.stages, 1):
            t0 = time.perf_counter()
            say(f"[{i}/{len(self.stages)}] {stage.label} ...")
            stage.compute(ctx)
            key = hash_files(self.study.root, stage.inputs)
            if stage.depends_on_codings:
                key += digest_codings(ctx.codings) + ctx.codings_source
            key += ctx.extra_keys.get(stage.name, "")
            key = hashlib.sha256((upstream + key).encode()).hexdigest()
            previous = manifest.get(stage.name, {})
            old_outputs = [self.study.root / p for p in previous.get("outputs", [])]
            unchanged = (not self.force and previous.get("key") == key
                         and all(p.exists() for p in old_outputs))
            if unchanged:
                result = StageResult(stage.name, old_outputs, skipped=True)
            else:
                written = [Path(p) for p in stage.write(ctx) or []]
                self._remove_stale(old_outputs, written)
                result = StageResult(stage.name, written)
                manifest[stage.name] = {"key": key, "outputs": self._relative(written)}
                self._save_manifest(manifest)
            ctx.outputs[stage.name] = result.written
            ctx.figures.update(stage.figures(ctx, result.written))
            result.seconds = time.perf_counter() - t0
            results.append(result)
            upstream = key
        return results, ctx


# --- the stages ------------------------------------------------------------------------

def _import(ctx: RunContext) -> None:
    from .respondents import load_respondents
    ctx.transcripts = ctx.study.transcripts
    if not ctx.transcripts:
        raise KlantreisError("geen transcripten gevonden; zet .txt-, .md-, .docx-, .vtt- of "
                             ".srt-bestanden in deze map", ctx.study.interviews_dir)
    ctx.respondents = load_respondents(ctx.study)
    if len(ctx.respondents):
        ctx.respondents.check_transcripts([t.respondent_id for t in ctx.transcripts])
        ctx.attributes = ctx.respondents.frame
    for warning in ctx.respondents.warnings:
        say(f"  let op: {warning}")
    words = sum(t.word_count for t in ctx.transcripts)
    say(f"  {len(ctx.transcripts)} transcripten, {words:,} woorden".replace(",", "."))


PRIVACY_INPUTS = ["interviews/*", "anonymization/*", "study.yaml", "personas/*.yaml"]
PRIVACY_PASSED = Path(".klantreis") / "privacy-ok.sha256"


def _privacy(ctx: RunContext) -> None:
    # Cards, heartbeats, posters and the report all carry quotes: nothing is written
    # while the anonymization check still finds suspects in the transcripts. A pass is
    # remembered for exactly these inputs (transcripts, lists, the names the study shows on
    # purpose) and this toolkit version; any change runs the check again.
    from .anonymize import privacy_gate
    key = hash_files(ctx.study.root, PRIVACY_INPUTS)
    marker = ctx.study.root / PRIVACY_PASSED
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == key:
        say("  ongewijzigd sinds de vorige geslaagde controle")
        return
    privacy_gate(ctx.study)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(key, encoding="utf-8")


def _codings(ctx: RunContext) -> None:
    from .coding import all_human_codings, codings_for_analysis
    ctx.codings, ctx.codings_source = codings_for_analysis(ctx.study,
                                                           transcripts=ctx.transcripts)
    ctx.all_codings = all_human_codings(ctx.study)
    if ctx.study.store_path.exists():
        from .store import Store
        with Store(ctx.study.store_path) as store:
            for ch in store.changed_sources(ctx.transcripts):
                # codings from codings/ files are located again; these were made in the store
                say(f"  LET OP: transcript {ch.respondent_id} is gewijzigd nadat er in de "
                    f"opslag op gecodeerd is; {ch.codings} codering(en) wijzen mogelijk naar "
                    f"de verkeerde passage. Controleer ze (CodingSession.show).")
    coded = len({c.respondent_id for c in ctx.codings})
    if ctx.codings_source == "suggestions":
        say("  geen menselijke coderingen: de analyse gebruikt machinesuggesties")
    elif ctx.codings_source == "mixed":
        say("  let op: niet elk interview is door een onderzoeker gecodeerd; voor de overige "
            "gebruikt de analyse machinesuggesties")
    say(f"  {len(ctx.codings)} coderingen bij {coded} van {len(ctx.transcripts)} respondenten")


def _axial_compute(ctx: RunContext) -> None:
    from .axial import AxialAnalysis
    respondents = [t.respondent_id for t in ctx.transcripts]
    ctx.axial = AxialAnalysis(ctx.study.codebook, respondents).fit(ctx.codings)


def _axial_write(ctx: RunContext) -> list[Path]:
    out = ctx.study.reports_dir / "codering"
    out.mkdir(parents=True, exist_ok=True)
    written = [ctx.axial.to_excel(out / "codes_per_respondent.xlsx"),
               ctx.axial.to_graphml(out / "categorieen.graphml"),
               ctx.axial.to_gexf(out / "categorieen.gexf")]
    figure = ctx.axial.plot_network(out / "categorieen_netwerk.png")
    if figure is not None:
        written.append(Path(figure))
    return written


def _axial_figures(ctx: RunContext, paths: list[Path]) -> dict[str, Path]:
    return {"cooccurrence": p for p in paths if p.name == "categorieen_netwerk.png"}


def _personas_compute(ctx: RunContext) -> None:
    from .personas import edited_assignments, find_personas
    if not ctx.codings:
        # nothing coded and no cue matched: the report says so; no cards or curves
        ctx.personas = None
        say("  geen coderingen en geen codeersuggesties: geen persona's, heartbeats of "
            "posters; codeer de interviews of vul de cues in het codeboek aan")
        return
    ctx.personas = find_personas(ctx.transcripts, ctx.codings, ctx.study.codebook,
                                 ctx.attributes, ctx.study.personas or None)
    own = edited_assignments(ctx.study)
    if own is not None:
        # the researcher decided; the model's choice stays visible as the runner-up
        moved = ctx.personas.reassign(own)
        ctx.extra_keys["personas"] = json.dumps(sorted(own.items()))
        say(f"  personas/assignments.csv is door de onderzoekers aangepast en wordt gebruikt "
            f"({len(moved)} respondent(en) anders dan het model); verwijder het bestand om "
            f"de toewijzing van het model terug te krijgen")
    say("  " + ctx.personas.summary().replace("\n", "\n  "))


def _personas_write(ctx: RunContext) -> list[Path]:
    from .persona_cards import write_persona_outputs
    if ctx.personas is None:
        return []
    return write_persona_outputs(ctx.study, ctx.personas, ctx.transcripts, ctx.codings,
                                 ctx.attributes)


def _heartbeats_compute(ctx: RunContext) -> None:
    from .journeys import heartbeats_for_study
    if ctx.personas is None:
        ctx.heartbeats = []
        return
    assignments = dict(zip(ctx.personas.assignments["respondent"],
                           ctx.personas.assignments["persona"]))
    result = heartbeats_for_study(ctx.study, codings=ctx.codings, source=ctx.codings_source,
                                  assignments=assignments, transcripts=ctx.transcripts)
    ctx.heartbeats = result.heartbeats


def _heartbeats_write(ctx: RunContext) -> list[Path]:
    from .heartbeat import write_heartbeat_outputs
    if not ctx.heartbeats:
        return []
    return write_heartbeat_outputs(ctx.heartbeats, ctx.study.journey,
                                   ctx.study.reports_dir / "heartbeats")


def _heartbeat_figures(ctx: RunContext, paths: list[Path]) -> dict[str, Path]:
    journey = ctx.study.journey.id
    names = {f"{journey}_{hb.persona}.png": f"heartbeat:{hb.persona}" for hb in ctx.heartbeats}
    names[f"{journey}_vergelijking.png"] = "comparison"
    return {names[p.name]: p for p in paths if p.name in names}


POSTER_SIZE = "A3"


def _posters_write(ctx: RunContext) -> list[Path]:
    from .posters import write_posters
    if not ctx.heartbeats:
        return []
    personas = {p.id: p for p in ctx.personas.personas}
    code_names = {c.id: c.name for c in ctx.study.codebook.codes}
    return write_posters(personas, ctx.heartbeats, ctx.study.journey,
                         ctx.study.reports_dir / "posters", POSTER_SIZE, code_names=code_names)


def _poster_figures(ctx: RunContext, paths: list[Path]) -> dict[str, Path]:
    journey = ctx.study.journey.id
    names = {f"{journey}_{hb.persona}_{POSTER_SIZE}.png": f"poster:{hb.persona}"
             for hb in ctx.heartbeats}
    return {names[p.name]: p for p in paths if p.name in names}


def _report_write(ctx: RunContext) -> list[Path]:
    from .report import build_report
    # the privacy stage ran the same check on the transcripts earlier in this run (its
    # compute half always runs, and a failure stops the run): do not scan them twice
    return [build_report(ctx.study, ctx, transcripts_checked=True)]


def default_stages() -> list[Stage]:
    """The stages of ``klantreis run``, in the order of the data flow."""
    study_files = ["study.yaml", "codebook.yaml", "findings.yaml", "personas/*.yaml",
                   "journeys/*.yaml", "interviews/respondenten.*"]
    return [
        Stage("import", "transcripten inlezen", ["interviews/*"], _import,
              depends_on_codings=False),
        Stage("privacy", "anonimisering controleren", PRIVACY_INPUTS, _privacy,
              depends_on_codings=False),
        Stage("codings", "coderingen laden", ["codings/**/*.yaml", "codebook.yaml"], _codings),
        Stage("axial", "axiaal coderen: codes per respondent en netwerk", ["codebook.yaml"],
              _axial_compute, _axial_write, _axial_figures),
        Stage("personas", "persona's bepalen", study_files, _personas_compute, _personas_write),
        Stage("heartbeats", "heartbeats berekenen en tekenen", study_files,
              _heartbeats_compute, _heartbeats_write, _heartbeat_figures),
        Stage("posters", "klantreisposters maken", [], _nothing_compute, _posters_write,
              _poster_figures),
        Stage("report", "Word-rapport schrijven", study_files, _nothing_compute, _report_write),
    ]


def _nothing_compute(ctx: RunContext) -> None:
    return None
