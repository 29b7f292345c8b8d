"""What the report is built from: the in-memory results of the earlier stages.

``ReportContext`` holds them. The pipeline passes its ``RunContext`` (``from_run`` reads the
fields it has: transcripts, codings, codings_source, personas, heartbeats, cards, outputs and,
when present, figures / respondents / all_codings). ``klantreis report`` builds the same
context itself with ``report_context(study)``, calling the same package functions as the
pipeline. A part that cannot be made (no journey, no codings) is left empty and the report
says so in one sentence; it never guesses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..models import Coding, Transcript
from ..progress import say


@dataclass
class ReportContext:
    """In-memory results the report reads. Only ``transcripts`` and ``codings`` are needed;
    everything else is optional and its absence is stated in the report."""

    transcripts: list[Transcript] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)      # the analysis codings
    codings_source: str = "human"                            # human | suggestions
    personas: Any = None                                     # personas.PersonaResult
    heartbeats: list = field(default_factory=list)           # journeys.Heartbeat, per persona
    cards: dict[str, Any] = field(default_factory=dict)      # persona id -> PNG path or PersonaCard
    heartbeat_figures: dict[str, Path] = field(default_factory=dict)   # persona id -> PNG
    comparison_figure: Path | None = None                    # all personas in one chart
    posters: dict[str, Path] = field(default_factory=dict)   # persona id -> PNG
    cooccurrence_figure: Path | None = None                  # axial coding network
    respondents: Any = None                                  # respondents.RespondentTable
    all_codings: list[Coding] | None = None                  # every human coder (agreement)
    unavailable: dict[str, str] = field(default_factory=dict)  # part -> reason (Dutch)

    @classmethod
    def from_run(cls, run: Any) -> "ReportContext":
        """Read a pipeline ``RunContext`` (or anything with the same attribute names)."""
        if isinstance(run, ReportContext):
            return run
        get = (lambda k, d=None: run.get(k, d)) if isinstance(run, Mapping) else \
            (lambda k, d=None: getattr(run, k, d))
        ctx = cls(transcripts=list(get("transcripts") or []),
                  codings=list(get("codings") or []),
                  codings_source=get("codings_source") or "human",
                  personas=get("personas"),
                  heartbeats=_heartbeat_list(get("heartbeats")),
                  respondents=get("respondents"),
                  all_codings=get("all_codings"))
        for pid, card in (get("cards") or {}).items():
            ctx.cards[str(pid)] = card
        figures = dict(get("figures") or {})
        for pid, path in (get("heartbeat_figures") or {}).items():
            figures.setdefault(f"heartbeat:{pid}", path)
        for pid, path in (get("posters") or {}).items():
            figures.setdefault(f"poster:{pid}", path)
        ctx.add_figures(figures)
        ctx.add_outputs(get("outputs") or {})
        ctx.unavailable.update(get("unavailable") or {})
        return ctx

    # --- figure bookkeeping ------------------------------------------------------------
    def add_figures(self, figures: Mapping[str, Any]) -> None:
        """Keys ``heartbeat:<persona>``, ``poster:<persona>``, ``card:<persona>``,
        ``comparison``, ``cooccurrence``; values PNG paths."""
        for key, path in figures.items():
            if path is None:
                continue
            path = Path(path)
            kind, _, pid = str(key).partition(":")
            if kind == "heartbeat" and pid:
                self.heartbeat_figures.setdefault(pid, path)
            elif kind == "poster" and pid:
                self.posters.setdefault(pid, path)
            elif kind == "card" and pid:
                self.cards.setdefault(pid, path)
            elif kind == "comparison":
                self.comparison_figure = self.comparison_figure or path
            elif kind == "cooccurrence":
                self.cooccurrence_figure = self.cooccurrence_figure or path

    def add_outputs(self, outputs: Mapping[str, Iterable[Path]]) -> None:
        """Recognise PNGs written by earlier pipeline stages by their file names:
        ``<journey>_<persona>.png`` and ``<journey>_vergelijking.png`` (heartbeat),
        ``<persona>.png`` (card), ``<journey>_<persona>_A3.png`` or ``*poster*<persona>*``
        (poster), ``*netwerk*.png`` / ``*categorieen*.png`` (axial). Explicit ``figures``
        win over these guesses."""
        ids = self.persona_ids()
        for stage, paths in outputs.items():
            for path in paths or []:
                path = Path(path)
                if path.suffix.lower() != ".png":
                    continue
                stem = path.stem.lower()
                stage_l = str(stage).lower()
                if "vergelijking" in stem:
                    self.comparison_figure = self.comparison_figure or path
                    continue
                if any(w in stem for w in ("cooccur", "netwerk", "network", "categorieen")):
                    self.cooccurrence_figure = self.cooccurrence_figure or path
                    continue
                for pid in ids:
                    low = pid.lower()
                    if "poster" in stem or "poster" in stage_l or re.search(
                            rf"_{re.escape(low)}_a[23]$", stem):
                        if low in stem:
                            self.posters.setdefault(pid, path)
                    elif stem == low or (("card" in stage_l or "kaart" in stem)
                                         and low in stem):
                        self.cards.setdefault(pid, path)
                    elif stem.endswith("_" + low) or ("heartbeat" in stage_l and low in stem):
                        self.heartbeat_figures.setdefault(pid, path)

    def persona_ids(self) -> list[str]:
        if self.personas is not None:
            return [p.id for p in self.personas.personas]
        return [hb.persona for hb in self.heartbeats]

    @property
    def n_total(self) -> int:
        return len(self.transcripts)


def _heartbeat_list(value: Any) -> list:
    if value is None:
        return []
    if hasattr(value, "heartbeats"):          # journeys.StudyHeartbeats
        return list(value.heartbeats)
    if isinstance(value, Mapping):
        out = []
        for v in value.values():
            out += _heartbeat_list(v) if not hasattr(v, "moments") else [v]
        return out
    return list(value)


# --- building the context for `klantreis report` ----------------------------------------

def report_context(study, *, figures_dir: Path | None = None, seed: int = 0,
                   n_bootstrap: int = 50) -> ReportContext:
    """Everything the report needs, computed with the same package functions as
    ``klantreis run``. Figures go to ``figures_dir``; by default the study's own
    ``.klantreis/figuren/`` (they carry quotes, so they stay inside the study folder and
    never in a shared temporary folder; the pipeline keeps its copies in reports/)."""
    from ..coding import all_human_codings, codings_for_analysis
    from ..respondents import load_respondents

    figures_dir = Path(figures_dir) if figures_dir else study.root / ".klantreis" / "figuren"
    figures_dir.mkdir(parents=True, exist_ok=True)
    ctx = ReportContext()
    say("  transcripten inlezen ...")
    ctx.transcripts = list(study.transcripts)
    ctx.respondents = load_respondents(study)
    say("  coderingen laden ...")
    ctx.codings, ctx.codings_source = codings_for_analysis(study, transcripts=ctx.transcripts)
    ctx.all_codings = all_human_codings(study)
    add_personas(ctx, study, seed=seed, n_bootstrap=n_bootstrap)
    add_heartbeats(ctx, study)
    add_figures(ctx, study, figures_dir)
    return ctx


def add_personas(ctx: ReportContext, study, *, seed: int = 0, n_bootstrap: int = 50) -> None:
    from .. import personas
    if not ctx.codings:
        ctx.unavailable["personas"] = "er zijn geen coderingen om persona's uit af te leiden"
        return
    say("  persona's bepalen ...")
    attributes = ctx.respondents.frame if ctx.respondents is not None and \
        len(ctx.respondents) else None
    ctx.personas = personas.find_personas(ctx.transcripts, ctx.codings, study.codebook,
                                          attributes, study.personas or None, seed=seed,
                                          n_bootstrap=n_bootstrap)


def add_heartbeats(ctx: ReportContext, study) -> None:
    if ctx.personas is None or not study.journeys:
        if not study.journeys:
            ctx.unavailable["heartbeats"] = "de studie heeft geen klantreis (journeys/)"
        return
    from ..journeys import compute_heartbeats, study_recommendations
    say("  heartbeats berekenen ...")
    assignments = dict(zip(ctx.personas.assignments["respondent"],
                           ctx.personas.assignments["persona"]))
    recs, finds = study_recommendations(study)
    ctx.heartbeats = compute_heartbeats(study.journey, study.codebook, ctx.codings, assignments,
                                        ctx.transcripts, personas=ctx.personas.personas,
                                        recommendations=recs, findings=finds,
                                        source=ctx.codings_source)


def add_figures(ctx: ReportContext, study, out_dir: Path) -> None:
    """Cards, heartbeats, posters and the co-occurrence network as PNG (what exists)."""
    out_dir = Path(out_dir)
    attributes = ctx.respondents.frame if ctx.respondents is not None and \
        len(ctx.respondents) else None
    from .. import heartbeat, personas
    if ctx.personas is not None:
        for p in ctx.personas.personas:
            if p.id in ctx.cards:
                continue
            card = personas.persona_card(ctx.personas, p.id, ctx.transcripts, ctx.codings,
                                         study.codebook, attributes)
            ctx.cards[p.id] = card      # the builder renders it and cites its quotes
    if ctx.heartbeats:
        say("  heartbeatfiguren tekenen ...")
        journey = study.journey
        for hb in ctx.heartbeats:
            if hb.persona not in ctx.heartbeat_figures:
                path = out_dir / f"{journey.id}_{hb.persona}.png"
                heartbeat.plot_heartbeat(hb, journey, path, dpi=200)
                ctx.heartbeat_figures[hb.persona] = path
        if len(ctx.heartbeats) > 1 and ctx.comparison_figure is None:
            path = out_dir / f"{journey.id}_vergelijking.png"
            heartbeat.plot_comparison(ctx.heartbeats, journey, path, dpi=200)
            ctx.comparison_figure = path
    add_posters(ctx, study, out_dir)
    add_cooccurrence(ctx, study, out_dir)


def add_posters(ctx: ReportContext, study, out_dir: Path) -> None:
    """One A3 journey poster per persona (PNG preview), with ``posters.render_poster``."""
    from .. import posters
    if not ctx.heartbeats or all(hb.persona in ctx.posters for hb in ctx.heartbeats):
        return
    say("  klantreisposters tekenen ...")
    journey = study.journey
    names = {c.id: c.name for c in study.codebook.codes}
    for hb in ctx.heartbeats:
        if hb.persona in ctx.posters:
            continue
        persona = ctx.cards.get(hb.persona)
        if persona is None or not hasattr(persona, "needs"):
            persona = _persona(ctx, hb.persona) or {"name": hb.name, "description": "",
                                                    "needs": [], "goals": []}
        path = out_dir / f"{journey.id}_{hb.persona}_A3.png"
        written = posters.render_poster(persona, hb, journey, path, "A3", formats=("png",),
                                        code_names=names)
        pngs = [Path(p) for p in written or [] if str(p).lower().endswith(".png")]
        if pngs and pngs[0].exists():
            ctx.posters[hb.persona] = pngs[0]


def _persona(ctx: ReportContext, pid: str):
    if ctx.personas is None:
        return None
    for p in ctx.personas.personas:
        if p.id == pid:
            return p
    return None


def add_cooccurrence(ctx: ReportContext, study, out_dir: Path) -> None:
    """The category network of axial coding (``axial.AxialAnalysis.plot_network``)."""
    from .. import axial
    if ctx.cooccurrence_figure is not None or not ctx.codings:
        return
    say("  netwerk van categorieën tekenen ...")
    analysis = axial.AxialAnalysis(study.codebook).fit(ctx.codings)
    path = analysis.plot_network(out_dir / "categorieen_netwerk.png")
    if path is not None and Path(path).exists():
        ctx.cooccurrence_figure = Path(path)


__all__ = ["ReportContext", "report_context", "add_personas",
           "add_heartbeats", "add_figures"]
