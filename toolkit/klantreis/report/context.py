"""What the report is built from: the in-memory results of the earlier stages.

There is one way to compute them: the pipeline's stages (``klantreis.pipeline``).
``klantreis run`` hands its ``RunContext`` to the report; ``report_context(study)`` runs the same
stages up to the report (they write their figures to ``reports/`` as ``klantreis run`` does,
skipping what did not change) and converts the result. ``ReportContext.from_run`` only reads
what the stages produced; it never recomputes or guesses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..models import Coding, Transcript


@dataclass
class ReportContext:
    """In-memory results the report reads. Only ``transcripts`` and ``codings`` are needed;
    a missing part is stated in the report in one sentence."""

    transcripts: list[Transcript] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)      # the analysis codings
    codings_source: str = "human"                            # human | mixed | suggestions
    personas: Any = None                                     # personas.PersonaResult
    heartbeats: list = field(default_factory=list)           # journeys.Heartbeat, per persona
    cards: dict[str, Any] = field(default_factory=dict)      # persona id -> PersonaCard
    heartbeat_figures: dict[str, Path] = field(default_factory=dict)   # persona id -> PNG
    comparison_figure: Path | None = None                    # all personas in one chart
    posters: dict[str, Path] = field(default_factory=dict)   # persona id -> PNG
    cooccurrence_figure: Path | None = None                  # axial coding network
    respondents: Any = None                                  # respondents.RespondentTable
    all_codings: list[Coding] | None = None                  # every human coder (agreement)
    axial: Any = None                                        # axial.AxialAnalysis (fitted)
    has_journey: bool = True

    @classmethod
    def from_run(cls, run: Any) -> "ReportContext":
        """Read a pipeline ``RunContext``: figures from its ``figures`` (keys
        ``heartbeat:<id>``, ``poster:<id>``, ``comparison``, ``cooccurrence``), and from its
        ``outputs`` through the writers' own file names (``figure_keys``)."""
        if isinstance(run, ReportContext):
            return run
        heartbeats = run.heartbeats
        if isinstance(heartbeats, Mapping):
            heartbeats = list(heartbeats.values())
        study = getattr(run, "study", None)
        ctx = cls(transcripts=list(run.transcripts or []), codings=list(run.codings or []),
                  codings_source=run.codings_source or "human", personas=run.personas,
                  heartbeats=list(heartbeats or []), cards=dict(getattr(run, "cards", {})),
                  respondents=getattr(run, "respondents", None),
                  all_codings=getattr(run, "all_codings", None),
                  axial=getattr(run, "axial", None),
                  has_journey=bool(study is None or study.journeys))
        figures = dict(getattr(run, "figures", {}) or {})
        if study is not None and study.journeys:
            ids = [hb.persona for hb in ctx.heartbeats]
            for paths in (getattr(run, "outputs", {}) or {}).values():
                for key, path in figure_keys(study.journey.id, ids, paths).items():
                    figures.setdefault(key, path)
        ctx.add_figures(figures)
        return ctx

    def add_figures(self, figures: Mapping[str, Any]) -> None:
        for key, path in figures.items():
            if path is None:
                continue
            kind, _, pid = str(key).partition(":")
            target = {"heartbeat": self.heartbeat_figures, "poster": self.posters}.get(kind)
            if target is not None and pid:
                target.setdefault(pid, Path(path))
            elif kind == "comparison":
                self.comparison_figure = self.comparison_figure or Path(path)
            elif kind == "cooccurrence":
                self.cooccurrence_figure = self.cooccurrence_figure or Path(path)

    def persona_ids(self) -> list[str]:
        if self.personas is not None:
            return [p.id for p in self.personas.personas]
        return [hb.persona for hb in self.heartbeats]


# The file names the figure writers use (heartbeat.write_heartbeat_figures,
# posters.write_posters, the axial stage); the one place that maps them to figure keys.
POSTER_SIZE = "A3"
NETWORK_FIGURE = "categorieen_netwerk.png"


def figure_keys(journey_id: str, persona_ids: Iterable[str], paths: Iterable[Path]
                ) -> dict[str, Path]:
    names = {f"{journey_id}_vergelijking.png": "comparison", NETWORK_FIGURE: "cooccurrence"}
    for pid in persona_ids:
        names[f"{journey_id}_{pid}.png"] = f"heartbeat:{pid}"
        names[f"{journey_id}_{pid}_{POSTER_SIZE}.png"] = f"poster:{pid}"
    return {names[Path(p).name]: Path(p) for p in paths if Path(p).name in names}


def report_context(study, *, n_bootstrap: int | None = None) -> ReportContext:
    """Everything the report needs, from the pipeline's stages up to the report (the same
    code as ``klantreis run``; figures go to ``reports/``, unchanged ones are not redrawn)."""
    from ..pipeline import Pipeline, default_stages
    stages = [s for s in default_stages() if s.name != "report"]
    _, run = Pipeline(study, stages, n_bootstrap=n_bootstrap).run()
    return ReportContext.from_run(run)


__all__ = ["ReportContext", "report_context", "figure_keys", "POSTER_SIZE", "NETWORK_FIGURE"]
