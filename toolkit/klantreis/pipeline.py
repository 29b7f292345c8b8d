"""``klantreis run``: every stage from transcripts to report, in one command.

Stages run in the order of the data flow: transcripts -> privacy check -> codings -> axial
coding -> personas -> heartbeats -> posters -> report. Each stage has two halves:

* ``compute`` fills the ``RunContext`` in memory and always runs (it is cheap, and later
  stages need its results even when nothing is rewritten);
* ``write`` produces files and is skipped when the stage's key did not change since the last
  run and its outputs still exist. The key is a hash of the input files the stage reads,
  the codings it works from, the toolkit's own code, and the key of the stage before it (a
  change upstream rebuilds everything downstream). The manifest is ``.klantreis/run.json``.

Files go under ``reports/`` except ``personas/assignments.csv``, the persona stage's
documented output. ``klantreis report`` and ``report.report_context`` run these same stages.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
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


@dataclass
class RunContext:
    """What the stages hand to each other (in memory). ``report.ReportContext.from_run``
    reads it by attribute name."""

    study: Any
    n_bootstrap: int | None = None         # None: the persona stage's default
    transcripts: list = field(default_factory=list)
    respondents: Any = None                # respondents.RespondentTable
    codings: list = field(default_factory=list)
    codings_source: str = "human"          # human | mixed | suggestions
    all_codings: list | None = None        # every human coder (agreement)
    axial: Any = None                      # axial.AxialAnalysis
    personas: Any = None                   # personas.PersonaResult
    cards: dict = field(default_factory=dict)      # persona id -> personas.PersonaCard
    heartbeats: list = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)   # "heartbeat:<id>" -> PNG, ...
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    extra_keys: dict[str, str] = field(default_factory=dict)  # stage -> what else it read

    @property
    def attributes(self):
        """The respondent table as a frame (None without a table)."""
        table = self.respondents
        return table.frame if table is not None and len(table) else None


@lru_cache(maxsize=1)
def toolkit_digest() -> str:
    """The toolkit's own code and data: a new version or a local change redoes every stage."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".tsv", ".yaml"):
            h.update(str(path.relative_to(package)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def hash_files(root: Path, patterns: list[str]) -> str:
    """A digest of the relative paths and contents of the files matching ``patterns``."""
    h = hashlib.sha256(toolkit_digest().encode())
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


def _nothing(ctx: RunContext) -> Any:
    return []


@dataclass
class Stage:
    name: str
    label: str                                        # Dutch, for the progress display
    inputs: list[str]                                 # globs relative to the study root
    compute: Callable[[RunContext], None]
    write: Callable[[RunContext], list[Path]] = _nothing
    depends_on_codings: bool = True


class Pipeline:
    def __init__(self, study, stages: list[Stage] | None = None, force: bool = False, *,
                 n_bootstrap: int | None = None):
        self.study = study
        self.stages = stages if stages is not None else default_stages(study)
        self.force = force
        self.n_bootstrap = n_bootstrap
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
        from .report.context import figure_keys
        ctx = RunContext(study=self.study, n_bootstrap=self.n_bootstrap)
        manifest = self._load_manifest()
        results: list[StageResult] = []
        upstream = ""
        journey_id = self.study.journey.id if self.study.journeys else None
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
            if journey_id is not None:
                ctx.figures.update(figure_keys(journey_id, [hb.persona for hb in ctx.heartbeats],
                                               result.written))
            result.seconds = time.perf_counter() - t0
            results.append(result)
            upstream = key
        return results, ctx


def _count(n: int) -> str:
    """A count the Dutch way: 22.565."""
    return f"{n:,}".replace(",", ".")


# --- the stages ------------------------------------------------------------------------

def _import(ctx: RunContext) -> None:
    imported = ctx.study.imported          # transcripts and respondent table, read once
    ctx.transcripts = imported.transcripts
    if not ctx.transcripts:
        raise KlantreisError("geen transcripten gevonden; zet .txt-, .md-, .docx-, .vtt- of "
                             ".srt-bestanden in deze map", ctx.study.interviews_dir)
    ctx.respondents = imported.respondents
    for warning in imported.warnings:
        say(f"  let op: {warning}")
    words = sum(t.word_count for t in ctx.transcripts)
    say(f"  {len(ctx.transcripts)} transcripten, {_count(words)} woorden")


PRIVACY_PASSED = Path(".klantreis") / "privacy-ok.sha256"


def privacy_inputs(study) -> list[str]:
    """What the privacy check reads: transcripts, the study's lists and the names it shows
    on purpose (study.yaml, persona archetypes)."""
    return ["interviews/*", "anonymization/*", "study.yaml", "personas/*.yaml"]


def _privacy(ctx: RunContext) -> None:
    # Cards, heartbeats, posters and the report all carry quotes: nothing is written
    # while the anonymization check still finds suspects in the transcripts. A pass is
    # remembered for exactly these inputs and this toolkit; any change runs it again.
    from .anonymize import privacy_gate
    key = hash_files(ctx.study.root, privacy_inputs(ctx.study))
    marker = ctx.study.root / PRIVACY_PASSED
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == key:
        say("  ongewijzigd sinds de vorige geslaagde controle")
        return
    privacy_gate(ctx.study)
    write_atomic(marker, key)


def _codings(ctx: RunContext) -> None:
    from .coding import load_analysis_codings
    loaded = load_analysis_codings(ctx.study, transcripts=ctx.transcripts)
    ctx.codings, ctx.codings_source = loaded.codings, loaded.source
    ctx.all_codings = loaded.all_human
    # the agreement annex reads every coder: a second coder's change redoes the report
    ctx.extra_keys["report"] = digest_codings(ctx.all_codings)
    for ch in loaded.changed_sources:
        # codings from codings/ files are located again; these were made in the store
        say(f"  LET OP: transcript {ch.respondent_id} is gewijzigd nadat er in de opslag op "
            f"gecodeerd is; {ch.codings} codering(en) wijzen mogelijk naar de verkeerde "
            f"passage. Controleer ze (CodingSession.show).")
    coded = len({c.respondent_id for c in ctx.codings})
    if ctx.codings_source == "suggestions":
        say("  geen menselijke coderingen: de analyse gebruikt machinesuggesties")
    elif ctx.codings_source == "mixed":
        say("  let op: niet elk interview is door een onderzoeker gecodeerd; voor de overige "
            "gebruikt de analyse machinesuggesties")
    say(f"  {_count(len(ctx.codings))} coderingen bij {coded} van {len(ctx.transcripts)} "
        f"respondenten")


def _axial_compute(ctx: RunContext) -> None:
    from .axial import AxialAnalysis
    respondents = [t.respondent_id for t in ctx.transcripts]
    ctx.axial = AxialAnalysis(ctx.study.codebook, respondents).fit(ctx.codings)


def _axial_write(ctx: RunContext) -> list[Path]:
    from .report.context import NETWORK_FIGURE
    out = ctx.study.reports_dir / "codering"
    written = [ctx.axial.to_excel(out / "codes_per_respondent.xlsx"),
               ctx.axial.to_graphml(out / "categorieen.graphml"),
               ctx.axial.to_gexf(out / "categorieen.gexf")]
    figure = ctx.axial.plot_network(out / NETWORK_FIGURE)
    if figure is not None:
        written.append(Path(figure))
    return written


def _personas_compute(ctx: RunContext) -> None:
    from .personas import edited_assignments, find_personas, persona_card
    if not ctx.codings:
        # nothing coded and no cue matched: the report says so; no cards or curves
        ctx.personas = None
        say("  geen coderingen en geen codeersuggesties: geen persona's, heartbeats of "
            "posters; codeer de interviews of vul de cues in het codeboek aan")
        return
    options = {} if ctx.n_bootstrap is None else {"n_bootstrap": ctx.n_bootstrap}
    ctx.personas = find_personas(ctx.transcripts, ctx.codings, ctx.study.codebook,
                                 ctx.attributes, ctx.study.personas or None, **options)
    own = edited_assignments(ctx.study, ctx.personas)
    if own is not None:
        # the researcher decided; the model's choice stays visible as the runner-up
        moved = ctx.personas.reassign(own)
        ctx.extra_keys["personas"] = json.dumps(sorted(own.items()))
        say(f"  personas/assignments.csv is door de onderzoekers aangepast en wordt gebruikt "
            f"({len(moved)} respondent(en) anders dan het model); verwijder het bestand om "
            f"de toewijzing van het model terug te krijgen")
    ctx.cards = {p.id: persona_card(ctx.personas, p.id, ctx.transcripts, ctx.codings,
                                    ctx.study.codebook, ctx.attributes)
                 for p in ctx.personas.personas if p.respondents}
    say("  " + ctx.personas.summary().replace("\n", "\n  "))


def _personas_write(ctx: RunContext) -> list[Path]:
    from .persona_cards import write_persona_outputs
    if ctx.personas is None:
        return []
    return write_persona_outputs(ctx.study, ctx.personas, ctx.transcripts, ctx.codings,
                                 ctx.attributes, persona_cards=ctx.cards)


def _heartbeats_compute(ctx: RunContext) -> None:
    from .journeys import heartbeats_for_study
    ctx.heartbeats = []
    if ctx.personas is None:
        return
    if not ctx.study.journeys:
        say("  geen klantreis in journeys/: geen heartbeats of posters")
        return
    assignments = dict(zip(ctx.personas.assignments["respondent"],
                           ctx.personas.assignments["persona"]))
    result = heartbeats_for_study(ctx.study, codings=ctx.codings, source=ctx.codings_source,
                                  assignments=assignments, transcripts=ctx.transcripts,
                                  personas=ctx.personas.personas)
    ctx.heartbeats = result.heartbeats


def _heartbeats_write(ctx: RunContext) -> list[Path]:
    from .heartbeat import write_heartbeat_outputs
    if not ctx.heartbeats:
        return []
    return write_heartbeat_outputs(ctx.heartbeats, ctx.study.journey,
                                   ctx.study.reports_dir / "heartbeats")


def _posters_write(ctx: RunContext) -> list[Path]:
    from .posters import write_posters
    from .report.context import POSTER_SIZE
    if not ctx.heartbeats:
        return []
    personas = {p.id: p for p in ctx.personas.personas}
    code_names = {c.id: c.name for c in ctx.study.codebook.codes}
    return write_posters(personas, ctx.heartbeats, ctx.study.journey,
                         ctx.study.reports_dir / "posters", POSTER_SIZE, code_names=code_names)


def _report_write(ctx: RunContext) -> list[Path]:
    from .report import build_report
    # the privacy stage ran the same check on the transcripts earlier in this run (its
    # compute half always runs, and a failure stops the run): do not scan them twice
    return [build_report(ctx.study, ctx, transcripts_checked=True)]


def default_stages(study=None) -> list[Stage]:
    """The stages of ``klantreis run``, in the order of the data flow. The files a stage
    reads follow the study's own settings (codebook and findings file names)."""
    cfg = getattr(study, "config", None)
    codebook = cfg.codebook if cfg is not None else "codebook.yaml"
    findings = cfg.findings if cfg is not None else "findings.yaml"
    study_files = ["study.yaml", codebook, findings, "personas/*.yaml", "journeys/*.yaml",
                   "interviews/*.csv", "interviews/*.xlsx", "interviews/*.xlsm"]
    table = getattr(cfg, "respondent_table", None)
    if table:
        study_files.append(str(table))
    return [
        Stage("import", "transcripten inlezen", ["interviews/*"], _import,
              depends_on_codings=False),
        Stage("privacy", "anonimisering controleren", privacy_inputs(study), _privacy,
              depends_on_codings=False),
        Stage("codings", "coderingen laden", ["codings/**/*.yaml", "codings/**/*.yml",
                                              codebook], _codings),
        Stage("axial", "axiaal coderen: codes per respondent en netwerk", [codebook],
              _axial_compute, _axial_write),
        Stage("personas", "persona's bepalen", study_files, _personas_compute, _personas_write),
        Stage("heartbeats", "heartbeats berekenen en tekenen", study_files,
              _heartbeats_compute, _heartbeats_write),
        Stage("posters", "klantreisposters maken", [], _nothing, _posters_write),
        Stage("report", "Word-rapport schrijven", study_files, _nothing, _report_write),
    ]
