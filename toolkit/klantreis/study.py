"""A study folder: ``study.yaml``, ``codebook.yaml``, ``interviews/``, ``codings/``,
``journeys/``, ``personas/``, ``findings.yaml`` and ``reports/``.

``Study.load(path)`` is the one entry point from Python; the CLI uses the same object.
Loading validates every YAML file (file, line and field in the message) but reads
transcripts lazily, because a study may hold many of them.
"""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from .codebook import Codebook, load_codebook
from .errors import KlantreisError, SchemaError
from .models import ROLES, Journey, Persona, Phase, Step, Transcript
from .yamlio import YamlDoc, check_keys, expect, get, load_yaml

if TYPE_CHECKING:  # pragma: no cover
    from .respondents import RespondentTable
    from .transcripts import StudyImport

STUDY_FILE = "study.yaml"
PHASES_4D = ("define", "discover", "design", "deliver")
ROLE_NAMES = ROLES          # old name; the roles are defined once, in models.ROLES
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")

_STUDY_KEYS = (
    "title", "subtitle", "commissioner", "executor", "target_group", "research_question",
    "language", "date", "sections", "phases", "klankbord", "project_team", "oproep",
    "opvolging", "speakers", "respondent_ids", "anonymization", "codebook", "findings",
    "notes", "coding", "respondent_table",
)
_CODING_KEYS = ("primary_coder",)


@dataclass
class StudyPhase:
    id: str
    start: dt.date | None
    end: dt.date | None
    description: str = ""


@dataclass
class StudyConfig:
    title: str
    commissioner: str
    target_group: str
    research_question: str
    language: str = "nl"
    subtitle: str = ""
    executor: str = ""
    date: dt.date | None = None
    sections: dict[str, str] = field(default_factory=dict)   # aanleiding, opdracht, ...
    phases: list[StudyPhase] = field(default_factory=list)
    klankbord: list[str] = field(default_factory=list)
    project_team: list[str] = field(default_factory=list)
    oproep: str = ""
    opvolging: list[str] = field(default_factory=list)
    speakers: dict[str, str] = field(default_factory=dict)    # label -> role
    respondent_ids: dict[str, str] = field(default_factory=dict)  # file stem -> id
    anonymization: dict[str, Any] = field(default_factory=dict)
    codebook: str = "codebook.yaml"
    findings: str = "findings.yaml"
    notes: str = ""
    coding: dict[str, Any] = field(default_factory=dict)  # e.g. primary_coder
    respondent_table: str = ""   # path relative to the study folder; "" = the default names


def _date(doc: YamlDoc, value: Any, *keys) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise doc.error(f"'{keys[-1]}' moet een datum zijn (JJJJ-MM-DD)", *keys)


def load_study_config(path: Path) -> StudyConfig:
    doc = load_yaml(path)
    root = expect(doc, doc.data, dict, name="study.yaml")
    check_keys(doc, root, _STUDY_KEYS)
    cfg = StudyConfig(
        title=get(doc, root, "title", str),
        commissioner=get(doc, root, "commissioner", str),
        target_group=get(doc, root, "target_group", str),
        research_question=get(doc, root, "research_question", str),
        language=get(doc, root, "language", str, required=False, default="nl"),
        subtitle=get(doc, root, "subtitle", str, required=False, default=""),
        executor=get(doc, root, "executor", str, required=False, default=""),
        date=_date(doc, root.get("date"), "date"),
        oproep=get(doc, root, "oproep", str, required=False, default=""),
        codebook=get(doc, root, "codebook", str, required=False, default="codebook.yaml"),
        findings=get(doc, root, "findings", str, required=False, default="findings.yaml"),
        notes=get(doc, root, "notes", str, required=False, default=""),
    )
    sections = get(doc, root, "sections", dict, required=False, default={})
    for key, text in sections.items():
        expect(doc, text, str, "sections", key, name=f"sections.{key}")
    cfg.sections = {k: v.strip() for k, v in sections.items()}
    phases = get(doc, root, "phases", dict)
    for pid in PHASES_4D:
        if pid not in phases:
            raise doc.error(f"fase '{pid}' ontbreekt (nodig: {', '.join(PHASES_4D)})", "phases")
    check_keys(doc, phases, PHASES_4D, "phases")
    for pid in PHASES_4D:
        raw = expect(doc, phases[pid], dict, "phases", pid, name=f"phases.{pid}")
        check_keys(doc, raw, ("start", "end", "description"), "phases", pid)
        cfg.phases.append(StudyPhase(
            id=pid,
            start=_date(doc, raw.get("start"), "phases", pid, "start"),
            end=_date(doc, raw.get("end"), "phases", pid, "end"),
            description=get(doc, raw, "description", str, "phases", pid, required=False,
                            default="").strip(),
        ))
    for key in ("klankbord", "project_team", "opvolging"):
        items = get(doc, root, key, list, required=False, default=[])
        for i, item in enumerate(items):
            expect(doc, item, str, key, i, name=f"{key}[{i}]")
        setattr(cfg, key, [i.strip() for i in items])
    speakers = get(doc, root, "speakers", dict, required=False, default={})
    for label, role in speakers.items():
        if role not in ROLES:
            raise doc.error(f"rol '{role}' voor spreker '{label}' onbekend "
                            f"(kies uit {', '.join(ROLES)})", "speakers", label)
    cfg.speakers = {str(k): v for k, v in speakers.items()}
    ids = get(doc, root, "respondent_ids", dict, required=False, default={})
    cfg.respondent_ids = {str(k): str(v) for k, v in ids.items()}
    cfg.anonymization = _anonymization(doc, root)
    cfg.coding = _coding(doc, root)
    cfg.respondent_table = _respondent_table(doc, root, path.parent)
    return cfg


def _anonymization(doc: YamlDoc, root: dict) -> dict[str, Any]:
    """The ``anonymization:`` block, checked by the anonymizer's own settings class
    (one key at a time, so the message can name the line)."""
    block = get(doc, root, "anonymization", dict, required=False, default={})
    if not block:
        return {}
    from .anonymize.base import AnonymizationSettings

    for key, value in block.items():
        try:
            AnonymizationSettings.from_mapping({key: value}, doc.path)
        except SchemaError as err:
            raise doc.error(err.message, "anonymization", key) from None
    return dict(block)


def _coding(doc: YamlDoc, root: dict) -> dict[str, Any]:
    block = get(doc, root, "coding", dict, required=False, default={})
    check_keys(doc, block, _CODING_KEYS, "coding")
    out = dict(block)
    coder = get(doc, block, "primary_coder", (str, int), "coding", required=False)
    if coder is not None:
        out["primary_coder"] = str(coder)
    return out


def _respondent_table(doc: YamlDoc, root: dict, folder: Path) -> str:
    value = get(doc, root, "respondent_table", str, required=False, default="").strip()
    if not value:
        return ""
    if Path(value).suffix.lower() not in TABLE_SUFFIXES:
        raise doc.error(f"'respondent_table' moet een {', '.join(TABLE_SUFFIXES)}-bestand zijn",
                        "respondent_table")
    target = folder / value
    if not target.resolve().is_relative_to(folder.resolve()):
        raise doc.error("'respondent_table' moet in de studiemap staan", "respondent_table")
    if not target.is_file():
        raise doc.error(f"respondententabel '{value}' bestaat niet (pad ten opzichte van de "
                        f"studiemap)", "respondent_table")
    return value


# --- personas (archetypes) -------------------------------------------------------------

_PERSONA_KEYS = ("id", "name", "description", "attributes", "codes", "needs", "goals", "color",
                 "quote", "story")


def load_persona(path: Path, code_ids: set[str] | None = None) -> Persona:
    return _load_persona(path, code_ids)[0]


def _typed(value: Any) -> Any:
    """An archetype's expectation typed like a respondent-table cell ("nee" -> False);
    a list (a range such as [25, 50], or several values) item by item."""
    from .respondents import parse_value

    if isinstance(value, list):
        return [parse_value(v) for v in value]
    return parse_value(value)


def _load_persona(path: Path, code_ids: set[str] | None = None) -> tuple[Persona, YamlDoc]:
    doc = load_yaml(path)
    root = expect(doc, doc.data, dict, name="persona")
    check_keys(doc, root, _PERSONA_KEYS)
    attributes = get(doc, root, "attributes", dict, required=False, default={})
    persona = Persona(
        id=str(get(doc, root, "id", (str, int))),
        name=get(doc, root, "name", str),
        description=get(doc, root, "description", str, required=False, default=""),
        attributes={str(k): _typed(v) for k, v in attributes.items()},
        color=get(doc, root, "color", str, required=False, default=""),
        quote=get(doc, root, "quote", str, required=False, default="").strip(),
    )
    for key in ("codes", "needs", "goals"):
        items = get(doc, root, key, list, required=False, default=[])
        for i, item in enumerate(items):
            expect(doc, item, str, key, i, name=f"{key}[{i}]")
        setattr(persona, key, list(items))
    if code_ids is not None:
        for i, code in enumerate(persona.codes):
            if code not in code_ids:
                raise doc.error(f"code '{code}' staat niet in het codeboek", "codes", i)
    return persona, doc


# --- journeys ----------------------------------------------------------------------------

def load_journey(path: Path, code_ids: set[str] | None = None) -> Journey:
    """Read a journey; with ``code_ids`` the ``code_map`` keys must be codebook codes."""
    journey, doc = _load_journey(path)
    if code_ids is not None:
        check_code_map(doc, journey, code_ids)
    return journey


def check_code_map(doc: YamlDoc, journey: Journey, code_ids: set[str]) -> None:
    for code in journey.code_map:
        if code not in code_ids:
            raise doc.error(f"code '{code}' in code_map staat niet in het codeboek",
                            "code_map", code)


def _load_journey(path: Path) -> tuple[Journey, YamlDoc]:
    doc = load_yaml(path)
    root = expect(doc, doc.data, dict, name="journey")
    check_keys(doc, root, ("id", "name", "description", "phases", "organisations", "code_map"))
    journey = Journey(id=str(get(doc, root, "id", (str, int))), name=get(doc, root, "name", str),
                      path=path)
    orgs = get(doc, root, "organisations", list, required=False, default=[])
    for i, org in enumerate(orgs):
        expect(doc, org, str, "organisations", i, name=f"organisations[{i}]")
    journey.organisations = list(orgs)
    for pi, raw in enumerate(get(doc, root, "phases", list)):
        pw = ("phases", pi)
        expect(doc, raw, dict, *pw, name="fase")
        check_keys(doc, raw, ("id", "name", "description", "steps"), *pw)
        phase = Phase(id=str(get(doc, raw, "id", (str, int), *pw)), name=get(doc, raw, "name", str, *pw),
                      description=get(doc, raw, "description", str, *pw, required=False, default=""))
        for si, rstep in enumerate(get(doc, raw, "steps", list, *pw, required=False, default=[])):
            sw = pw + ("steps", si)
            expect(doc, rstep, dict, *sw, name="stap")
            check_keys(doc, rstep, ("id", "name", "short", "organisations", "description"),
                       *sw)
            step_orgs = get(doc, rstep, "organisations", list, *sw, required=False, default=[])
            for oi, org in enumerate(step_orgs):
                expect(doc, org, str, *sw, "organisations", oi, name=f"organisations[{oi}]")
            step = Step(id=str(get(doc, rstep, "id", (str, int), *sw)),
                        name=get(doc, rstep, "name", str, *sw),
                        organisations=list(step_orgs),
                        description=get(doc, rstep, "description", str, *sw, required=False,
                                        default=""),
                        short=get(doc, rstep, "short", str, *sw, required=False, default=""))
            phase.steps.append(step)
        journey.phases.append(phase)
    if not journey.phases:
        raise doc.error("een klantreis heeft minstens één fase nodig", "phases")
    ids = journey.phase_ids()
    steps = {s.id: p.id for p in journey.phases for s in p.steps}
    code_map = get(doc, root, "code_map", dict, required=False, default={})
    for code, target in code_map.items():
        expect(doc, target, dict, "code_map", code, name=f"code_map.{code}")
        check_keys(doc, target, ("phase", "step"), "code_map", code)
        if target.get("phase") is not None and target["phase"] not in ids:
            raise doc.error(f"onbekende fase '{target['phase']}'", "code_map", code, "phase")
        if target.get("step") is not None and target["step"] not in steps:
            raise doc.error(f"onbekende stap '{target['step']}'", "code_map", code, "step")
    journey.code_map = {str(k): dict(v) for k, v in code_map.items()}
    return journey, doc


# --- the study ---------------------------------------------------------------------------

@dataclass
class Study:
    root: Path
    config: StudyConfig
    codebook: Codebook
    journeys: list[Journey]
    personas: list[Persona]

    @classmethod
    def load(cls, path: str | Path) -> "Study":
        root = Path(path).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise KlantreisError(f"'{path}' is een bestand, geen studiemap")
        if not root.is_dir():
            raise KlantreisError(f"map '{path}' bestaat niet")
        config_path = root / STUDY_FILE
        if not config_path.exists():
            raise KlantreisError(f"geen {STUDY_FILE} in '{path}': is dit een studiemap? "
                                 f"Maak er een met 'klantreis init MAP'.")
        config = load_study_config(config_path)
        loaded = [_load_journey(p) for p in sorted((root / "journeys").glob("*.yaml"))]
        journeys = [j for j, _ in loaded]
        phase_ids = [p for j in journeys for p in j.phase_ids()] or None
        codebook_path = root / config.codebook
        codebook = load_codebook(codebook_path, phase_ids)
        ids = set(codebook.code_ids())
        for journey, doc in loaded:
            check_code_map(doc, journey, ids)
        personas: list[Persona] = []
        seen: dict[str, Path] = {}
        for p in sorted((root / "personas").glob("*.yaml")):
            if p.name.startswith("_"):
                continue
            persona, doc = _load_persona(p, ids)
            if persona.id in seen:
                raise doc.error(f"persona-id '{persona.id}' staat ook in "
                                f"{seen[persona.id].name}; elke persona heeft een eigen id",
                                "id")
            seen[persona.id] = p
            personas.append(persona)
        return cls(root=root, config=config, codebook=codebook, journeys=journeys,
                   personas=personas)

    # --- folders ---------------------------------------------------------------------
    @property
    def interviews_dir(self) -> Path:
        return self.root / "interviews"

    @property
    def codings_dir(self) -> Path:
        return self.root / "codings"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def store_path(self) -> Path:
        return self.root / ".klantreis" / "store.sqlite"

    @property
    def journey(self) -> Journey:
        if not self.journeys:
            raise KlantreisError("de studie heeft geen klantreis in journeys/", self.root)
        return self.journeys[0]

    @cached_property
    def findings(self):
        from .findings import load_findings
        return load_findings(self.root / self.config.findings, self.codebook)

    # --- transcripts and respondent table (lazy, read once) -----------------------------
    @cached_property
    def imported(self) -> "StudyImport":
        """The import of ``interviews/``, done once: ``.transcripts``, ``.respondents`` (the
        respondent table) and ``.warnings`` (remarks for the user: skipped files, table rows
        without a transcript...; file names and counts only)."""
        from .transcripts import import_study
        return import_study(self)

    @cached_property
    def transcripts(self) -> list[Transcript]:
        return self.imported.transcripts

    @cached_property
    def respondents(self) -> "RespondentTable":
        """The respondent table (empty when the study has none)."""
        if "imported" not in self.__dict__ and "transcripts" in self.__dict__:
            # transcripts set from outside (tests, notebooks): do not read interviews/
            from .respondents import load_respondents
            table = load_respondents(self)
            table.check_transcripts([t.respondent_id for t in self.transcripts])
            return table
        return self.imported.respondents

    def transcript(self, respondent_id: str) -> Transcript:
        for t in self.transcripts:
            if t.respondent_id == respondent_id:
                return t
        raise KlantreisError(f"geen transcript voor respondent '{respondent_id}'")

    def _repr_html_(self) -> str:
        from .display import study_html
        return study_html(self)


def _check_target(target: Path) -> None:
    """A new study folder must be a folder (or not exist yet), and so must its parents."""
    for p in (target, *target.parents):
        if p.exists():
            if not p.is_dir():
                what = "" if p == target else f" (in het pad naar '{target}')"
                raise KlantreisError(f"'{p}' bestaat al en is geen map{what}")
            return


def default_template_dir() -> Path:
    """The bundled configuration that ``klantreis init`` starts from (package data)."""
    return Path(str(resources.files("klantreis") / "defaults"))


def init_study(target: str | Path, template: Path | None = None) -> Path:
    """Create a new study folder from the bundled configuration; never overwrite."""
    target = Path(target).expanduser()
    _check_target(target)
    if (target / STUDY_FILE).exists():
        raise KlantreisError(f"'{target}' is al een studiemap ({STUDY_FILE} bestaat); "
                             f"er is niets overschreven")
    if target.exists() and any(target.iterdir()):
        raise KlantreisError(f"map '{target}' is niet leeg; kies een nieuwe of lege map")
    template = template or default_template_dir()
    target.mkdir(parents=True, exist_ok=True)
    for item in template.iterdir():
        if item.name.startswith((".", "__")):
            continue
        dest = target / item.name
        if item.is_dir():
            shutil.copytree(item, dest)
        else:
            shutil.copy2(item, dest)
    for sub in ("interviews", "codings", "journeys", "personas", "reports"):
        (target / sub).mkdir(exist_ok=True)
    return target


STUDY_INPUTS = ("study.yaml", "codebook.yaml", "findings.yaml", "interviews", "codings",
                "journeys", "personas", "anonymization")


def copy_study(source: "str | Path | Study", target: str | Path) -> Path:
    """Copy a study's inputs (not its reports or store) to a new folder, e.g. to try
    something in a notebook without touching the real study. Refuses an existing target."""
    root = Path(source.root if isinstance(source, Study) else source).expanduser().resolve()
    if not (root / STUDY_FILE).exists():
        raise KlantreisError(f"'{root}' is geen studiemap ({STUDY_FILE} ontbreekt)")
    target = Path(target).expanduser()
    _check_target(target)
    if target.exists() and any(target.iterdir()):
        raise KlantreisError(f"map '{target}' is niet leeg; kies een nieuwe of lege map")
    target.mkdir(parents=True, exist_ok=True)
    cfg = load_study_config(root / STUDY_FILE)
    names = set(STUDY_INPUTS) | {cfg.codebook, cfg.findings}
    if cfg.respondent_table:
        names.add(cfg.respondent_table)
    for name in sorted(names):
        item = root / name
        if item.is_dir():
            shutil.copytree(item, target / name)
        elif item.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, target / name)
    (target / "reports").mkdir(exist_ok=True)
    return target


__all__ = ["Study", "StudyConfig", "init_study", "copy_study", "load_study_config", "load_journey",
           "load_persona", "check_code_map", "SchemaError"]
