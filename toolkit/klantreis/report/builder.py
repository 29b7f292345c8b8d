"""The Word report: the reference study's structure, filled from the study folder and the
results of the earlier stages.

Order (as in the Kloosterhoeveberaad report): cover, notices, contents; Aanleiding,
Opdracht, Afbakening, Definitie, Doel, Aanpak op hoofdlijnen (define, discover, design,
deliver, with the interview counts taken from the data), Resultaten klantreis (personas
with "n van N"), De belangrijkste bevindingen (evidence counted from the codings, quotes
numbered [Q1]...), Nuanceverschillen tussen persona's, Waardering voor de medewerkers (only
when coded), Aanbevelingen, Oproep, Opvolging; annexes: persona cards, heartbeats and
journey posters, method, respondents, codebook, evidence list.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.shared import Pt

from ..errors import KlantreisError, PrivacyGateError
from ..progress import say
from .context import ReportContext, report_context
from .docx_kit import DocxWriter
from .evidence import (
    WEAK_MIN_RESPONDENTS,
    WEAK_MIN_SHARE,
    FindingEvidence,
    QuoteRegistry,
    finding_evidence,
    interview_facts,
    n_van_n,
    number_word,
    join_nl,
    pick_quotes,
    respondents_coded,
)

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
AUDIENCE_TITLES = {"overheid": "Aanbevelingen voor de overheid",
                   "vervolgonderzoek": "Aanbevelingen voor vervolgonderzoek"}
KIND_TITLES = {"quick win": "Quick wins", "not so quick win": "Not so quick wins"}
def _is_own_assignment(column: str) -> bool:
    """A respondent-table column with the researchers' own persona assignment (any
    ``persona*`` column, as in ``personas.excluded_attribute_columns``): shown for comparison,
    never used by the analysis."""
    return str(column).lower().startswith("persona")
# The annexes in their fixed order: the letter a heading gets and the text refers to.
ANNEXES = {"cards": "A", "heartbeats": "B", "method": "C", "respondents": "D",
           "codebook": "E", "evidence": "F"}


@dataclass
class ReportSettings:
    """Choices a researcher may want to change (defaults follow the reference study)."""

    weak_min_respondents: int = WEAK_MIN_RESPONDENTS   # fewer respondents: "zwak onderbouwd"
    weak_min_share: float = WEAK_MIN_SHARE             # or less than this share of N
    quotes_per_finding: int = 2
    appreciation_codes: list[str] | None = None        # default: codes with "waardering"
    card_dpi: int = 150


# --- small formatting helpers -----------------------------------------------------------

def dutch_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def dutch_period(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        if start.year == end.year:
            return f"{start.day} {MONTHS[start.month - 1]} \u2013 {dutch_date(end)}"
        return f"{dutch_date(start)} \u2013 {dutch_date(end)}"
    return dutch_date(start or end)


def dutch_number(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    text = f"{value:+.{digits}f}" if digits and value else f"{value:.{digits}f}"
    return text.replace(".", ",").replace("-", "\u2212")


def plain_number(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.v.t."
    return f"{value:.{digits}f}".replace(".", ",")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "rapport"


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + " \u2026"


def cell_value(value: Any) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        if math.isnan(value):
            return "\u2013"
        return plain_number(value, 0 if value.is_integer() else 1)
    return str(value)


def default_output(study) -> Path:
    return study.reports_dir / f"{slugify(study.config.title)}.docx"


# --- the builder ------------------------------------------------------------------------

class ReportBuilder:
    """Builds the report into a ``DocxWriter``; ``build()`` returns the writer."""

    def __init__(self, study, context: ReportContext, settings: ReportSettings | None = None,
                 template: str | Path | None = None):
        self.study = study
        self.ctx = context
        self.settings = settings or ReportSettings()
        self.template = template
        self.cfg = study.config
        self.codebook = study.codebook
        self.registry = QuoteRegistry(context.transcripts)
        self.evidence: list[FindingEvidence] = []
        self.notes: list[str] = []                  # privacy gate and other first-page notes
        self._tmp = None
        self._rec_labels: dict[str, str] = {}
        self._data_cells: list[str] = []            # respondent-table values shown

    # --- helpers ------------------------------------------------------------------------
    @property
    def N(self) -> int:
        return len(self.ctx.transcripts)

    @property
    def findings(self):
        return self.study.findings

    def code_name(self, code_id: str) -> str:
        return self.codebook.name_of(code_id)

    def valence(self, coding) -> int:
        return self.codebook.valence_of(coding)

    def persona_name(self, pid: str) -> str:
        if self.ctx.personas is not None:
            for p in self.ctx.personas.personas:
                if p.id == pid:
                    return p.name
        for hb in self.ctx.heartbeats:
            if hb.persona == pid:
                return hb.name
        return pid

    def unavailable(self, what: str) -> None:
        """One clear sentence for a part that could not be made, with the reason."""
        if not self.ctx.codings:
            reason = "er zijn geen coderingen en geen codeersuggesties"
        elif self.ctx.personas is None:
            reason = "er zijn geen persona\u2019s bepaald"
        elif not self.ctx.has_journey:
            reason = "de studie heeft geen klantreis (journeys/)"
        else:
            reason = "de figuur is niet gemaakt; draai klantreis run"
        self.w.paragraph(f"{what} ontbreekt in deze versie: {reason}.", italic=True)

    def quote(self, coding_or_ref, used_in: str, text: str | None = None):
        ref = coding_or_ref
        if not hasattr(ref, "label"):
            c = coding_or_ref
            ref = self.registry.add(c.respondent_id, c.start, c.end, c.code, used_in, text)
        elif used_in not in ref.used_in:
            ref.used_in.append(used_in)
        self.w.quote(ref.text, ref.respondent_id, ref.label)
        return ref

    def data_text(self) -> str:
        """Everything the report shows that comes from the respondents' data rather than
        from the study's own texts: the quoted passages and the respondent-table values.
        This is what the privacy check reads before the report is saved."""
        return "\n".join([q.text for q in self.registry.quotes] + self._data_cells)

    def annex(self, key: str, title: str, landscape: bool = False):
        """An annex heading on a new page (a landscape section when asked)."""
        letter = ANNEXES[key]
        if landscape:
            self.w.new_section(landscape=True)
        return self.w.heading(title, 1, numbered=False, prefix=f"Bijlage {letter}",
                              page_break=not landscape), letter

    # --- the whole document ---------------------------------------------------------------
    def build(self) -> DocxWriter:
        self.w = DocxWriter(self.template, language="nl-NL")
        with tempfile.TemporaryDirectory(prefix="klantreis-rapport-") as tmp:
            self._tmp = Path(tmp)
            self.compute_evidence()
            self.cover()
            self.first_page_notices()
            self.w.toc("Inhoud")
            self.w.page_break()
            self.background()
            self.approach()
            self.results()
            self.findings_section()
            self.nuances()
            self.appreciation()
            self.recommendations()
            self.call_and_follow_up()
            self.annex_cards()
            self.annex_heartbeats()
            self.annex_method()
            self.annex_respondents()
            self.annex_codebook()
            self.annex_evidence()
            self.w.finish()
        self._set_properties()
        return self.w

    def compute_evidence(self) -> None:
        s = self.settings
        for f in self.findings.findings:
            self.evidence.append(finding_evidence(
                f, self.ctx.codings, self.ctx.transcripts, self.registry, total=self.N,
                n_quotes=s.quotes_per_finding, weak_min=s.weak_min_respondents,
                weak_share=s.weak_min_share, valence_of=self.valence))

    def _set_properties(self) -> None:
        props = self.w.doc.core_properties
        props.title = self.cfg.title
        props.subject = self.cfg.subtitle or self.cfg.target_group
        props.author = self.cfg.executor or "klantreis"
        props.comments = "Gemaakt met klantreis"
        props.keywords = "klantreis; persona's; heartbeat"

    # --- cover and first pages -------------------------------------------------------------
    def cover(self) -> None:
        w = self.w
        for _ in range(6):
            w.paragraph("")
        w.paragraph(self.cfg.title, style="Title")
        if self.cfg.subtitle:
            w.paragraph(self.cfg.subtitle, style="Subtitle")
        w.paragraph("")
        rows = [("Opdrachtgever", self.cfg.commissioner), ("Uitvoering", self.cfg.executor),
                ("Datum", dutch_date(self.cfg.date or dt.date.today()))]
        for label, value in rows:
            if value:
                w.labelled(label, value)
        w.page_break()

    def first_page_notices(self) -> None:
        if self.ctx.codings_source == "suggestions":
            self.w.notice("Let op: conceptrapport op basis van machinesuggesties", [
                "Er zijn nog geen coderingen door onderzoekers vastgesteld. Alle tellingen "
                "(\u2018n van N\u2019), citaten, persona\u2019s en heartbeats in dit rapport "
                "komen uit automatische codeersuggesties op basis van de cues in het codeboek.",
                "Laat de onderzoekers de coderingen beoordelen voordat dit rapport wordt "
                "gedeeld of gebruikt voor besluiten."])
        elif self.ctx.codings_source == "mixed":
            machine = sorted({c.respondent_id for c in self.ctx.codings
                              if c.origin == "suggestion"})
            self.w.notice("Let op: nog niet alle interviews zijn gecodeerd", [
                f"{number_word(len(machine), capital=True)} van de {self.N} interviews "
                f"({', '.join(machine)}) zijn nog niet door een onderzoeker gecodeerd. Voor "
                f"die interviews komen de tellingen, citaten en persona-toewijzingen uit "
                f"automatische codeersuggesties op basis van de cues in het codeboek.",
                "Maak het coderen af voordat dit rapport wordt gedeeld."])
        weak = [ev for ev in self.evidence if ev.weak]
        if weak:
            self.w.notice("Voor de onderzoekers: zwak onderbouwde bevindingen", [
                f"{number_word(len(weak), capital=True)} van de {len(self.evidence)} "
                f"bevindingen steun{'t' if len(weak) == 1 else 'en'} op minder dan "
                f"{self.settings.weak_min_respondents} respondenten of minder dan "
                f"{round(self.settings.weak_min_share * 100)}% van alle respondenten. Ze "
                f"zijn in hoofdstuk \u2018De belangrijkste bevindingen\u2019 gemarkeerd met "
                f"\u2018Let op: zwak onderbouwd\u2019."])
        for note in self.notes:
            self.w.notice("Let op", [note])

    # --- background -------------------------------------------------------------------------
    def background(self) -> None:
        titles = (("aanleiding", "Aanleiding"), ("opdracht", "Opdracht"),
                  ("afbakening", "Afbakening"), ("definitie", "Definitie"), ("doel", "Doel"))
        sections = self.cfg.sections
        for key, title in titles:
            self.w.heading(title, 1)
            if sections.get(key):
                self.w.text(sections[key])
            elif key == "opdracht":
                self.w.paragraph(f"Onderzoeksvraag: {self.cfg.research_question}")
            else:
                self.w.paragraph(f"Nog in te vullen in study.yaml (sections.{key}).",
                                 italic=True)

    def approach(self) -> None:
        w = self.w
        w.heading("Aanpak op hoofdlijnen", 1)
        w.paragraph("Een klantreis doorloopt vier fasen: define, discover, design en deliver. "
                    "Hieronder staat per fase wat er is gedaan.")
        for phase in self.cfg.phases:          # define, discover, design, deliver (study.py)
            pid = phase.id
            w.heading(f"{pid.capitalize()}fase", 2)
            period = dutch_period(phase.start, phase.end)
            if period:
                w.labelled("Periode", period)
            if phase.description:
                w.text(phase.description)
            if pid == "define" and self.cfg.klankbord:
                w.paragraph("In de klankbordgroep zaten: "
                            + join_nl(self.cfg.klankbord) + ".")
            if pid == "discover":
                self._interview_counts()

    def _interview_counts(self) -> None:
        w = self.w
        table_ids = list(self.ctx.respondents.ids) if self.ctx.respondents is not None else []
        facts = interview_facts(self.ctx.transcripts, table_ids)
        w.paragraph("Geteld uit de transcripten en de respondententabel", bold=True)
        w.paragraph(facts.sentence())
        rows = [("Interviews (transcripten)", facts.interviews, "transcripten")]
        for mode, n in facts.modes.most_common():
            rows.append((f"Wijze: {mode}", n, facts.mode_source))
        for loc, n in facts.locations.most_common():
            rows.append((f"Locatie: {loc}", n, facts.location_source))
        rows.append(("Met tolk", facts.interpreter, facts.interpreter_source))
        rows.append(("Met begeleider aanwezig", facts.supervisor,
                     "sprekersrollen (rol \u2018other\u2019)"))
        w.table(["Kenmerk", "Aantal", "Bron"], [(a, str(b), c) for a, b, c in rows],
                caption="De interviews in cijfers", widths_cm=[7, 2, 6])
        if facts.respondents_without_transcript:
            w.paragraph(f"In de respondententabel staan "
                        f"{len(facts.respondents_without_transcript)} respondent(en) zonder "
                        f"transcript; die tellen niet mee.", italic=True)
        w.paragraph(self._coding_sentence())

    def _coding_sentence(self) -> str:
        codes = len(self.codebook.codes)
        cats = len(self.codebook.categories)
        n = len(self.ctx.codings)
        coded = len({c.respondent_id for c in self.ctx.codings})
        if self.ctx.codings_source == "suggestions":
            who = "door de computer voorgesteld (machinesuggesties, nog niet beoordeeld)"
        else:
            coders = sorted({c.coder for c in self.ctx.codings if c.origin != "suggestion"})
            who = f"gecodeerd door codeur {', '.join(coders)}" if coders else "gecodeerd"
        return (f"De interviews zijn gecodeerd met een codeboek van {codes} codes in {cats} "
                f"categorieën. De analyse gebruikt {n} gecodeerde passages bij {coded} van "
                f"{self.N} respondenten, {who}.")

    # --- results ----------------------------------------------------------------------------
    def results(self) -> None:
        w = self.w
        w.heading("Resultaten klantreis", 1)
        result = self.ctx.personas
        if result is None:
            w.paragraph(f"De klantreis is gemaakt op basis van de {number_word(self.N)} "
                        f"interviews.")
            self.unavailable("De indeling in persona\u2019s")
            return
        k = len(result.personas)
        total = len(result.assignments)
        w.paragraph(f"De klantreis is gemaakt op basis van de {number_word(self.N)} interviews. "
                    f"Daaruit zijn {number_word(k)} persona\u2019s afgeleid, elk met een eigen "
                    f"klantreis. Een persona is een fictief persoon: een archetype dat de "
                    f"gemeenschappelijke ervaringen van een groep respondenten samenbrengt. De "
                    f"verhalen zijn dus verzonnen, maar gebouwd op wat de respondenten vertelden.")
        w.paragraph("Lees de klantreis als het verhaal en de beleving van de respondenten zelf: "
                    "hun leefwereld, niet de vraag of alles klopt volgens de regels van de "
                    "organisaties.")
        w.paragraph("De persona\u2019s (met het aantal respondenten dat bij elk van hen "
                    "hoort):")
        for i, p in enumerate(result.personas, 1):
            n = len(p.respondents)
            desc = (p.description or "").strip().rstrip(".")
            para = w.add_paragraph(style="List Number" if _has_style(w.doc, "List Number")
                                   else None)
            para.add_run(f"{p.name}").bold = True
            para.add_run(f" ({n_van_n(n, total)})" + (f": {desc}." if desc else "."))
        w.paragraph(self._persona_method_sentence(result), italic=True, size=9)
        if self.ctx.comparison_figure is not None and Path(self.ctx.comparison_figure).exists():
            w.figure(self.ctx.comparison_figure, "De heartbeats van de persona\u2019s naast "
                     "elkaar (\u22123 = zeer negatief, +3 = zeer positief)")
        elif self.ctx.heartbeats:
            self.unavailable("De vergelijkende heartbeatfiguur")
        w.paragraph(f"In bijlage {ANNEXES['cards']} staan de persona-kaarten, in bijlage "
                    f"{ANNEXES['heartbeats']} per persona de heartbeat en de klantreis met "
                    f"pijn- en hoogtepunten.")

    def _persona_method_sentence(self, result) -> str:
        stab = plain_number(result.stability)
        sil = plain_number(result.silhouette)
        method = {"ward": "hiërarchisch clusteren (Ward)", "kmeans": "k-means",
                  "nmf": "NMF"}.get(result.method, result.method)
        named = ("gekoppeld aan de persona-archetypen" if self.study.personas else
                 "groepen benoemd naar hun kenmerkende codes")
        return (f"Werkwijze: respondentprofielen uit de coderingen, {method} met "
                f"k = {result.k}, {named}; stabiliteit (bootstrap-ARI) {stab}, silhouet "
                f"{sil}. Zie bijlage {ANNEXES['method']}.")

    # --- findings ---------------------------------------------------------------------------
    def findings_section(self) -> None:
        w = self.w
        w.heading("De belangrijkste bevindingen", 1)
        if not self.evidence:
            w.paragraph("Er zijn nog geen bevindingen vastgelegd (findings.yaml).", italic=True)
            return
        w.paragraph(f"De onderzoekers formuleerden {number_word(len(self.evidence))} "
                    f"bevindingen. Bij elke bevinding staat bij hoeveel van de {self.N} "
                    f"respondenten de onderliggende codes voorkomen: een respondent telt mee als "
                    f"minstens één passage uit het interview met een van die codes is "
                    f"gecodeerd. De citaten zijn letterlijk; [Q1], [Q2] ... verwijzen naar de "
                    f"verantwoording in bijlage {ANNEXES['evidence']}.")
        w.bullets(f"{ev.finding.title} ({ev.n_van_n})" for ev in self.evidence)
        for ev in self.evidence:
            w.heading(ev.finding.title, 2)
            if ev.weak:
                w.notice(f"Let op: zwak onderbouwd, {n_van_n(ev.n, ev.total)}", [
                    f"Minder dan {self.settings.weak_min_respondents} respondenten of minder "
                    f"dan {round(self.settings.weak_min_share * 100)}% van N. Controleer deze "
                    f"bevinding voordat het rapport wordt gedeeld."])
            p = w.paragraph("")
            p.add_run("Onderbouwing: ").bold = True
            codes = ", ".join(self.code_name(c) for c in ev.finding.codes)
            p.add_run(f"{ev.n_van_n} (codes: {codes}).")
            if ev.finding.text:
                w.text(ev.finding.text)
            for ref in ev.quotes:
                self.quote(ref, f"Bevinding: {ev.finding.title}")
            if not ev.quotes and ev.n:
                w.paragraph("Geen citaat van geschikte lengte gevonden.", italic=True, size=9)

    # --- nuances ----------------------------------------------------------------------------
    def nuances(self) -> None:
        w = self.w
        w.heading("Nuanceverschillen tussen persona\u2019s", 1)
        themes = self.findings.themes
        from .. import personas
        if self.ctx.personas is None:
            self.unavailable("De vergelijking tussen persona\u2019s")
            return
        if not themes:
            w.paragraph("Er zijn geen thema\u2019s voor de nuancetabel vastgelegd "
                        "(findings.yaml: themes).", italic=True)
            return
        table = personas.nuance_table(self.ctx.personas, self.ctx.codings, self.codebook,
                                      themes)
        w.paragraph("Per thema verschilt hoe de persona\u2019s het beleven. De tabel toont per "
                    "thema "
                    "de codes die bij elke persona het vaakst voorkomen, met hun lading "
                    "(pijnpunt of hoogtepunt) en het aantal respondenten.")
        header = ["Thema"] + [str(c) for c in table.columns]
        rows = []
        for theme, row in table.iterrows():
            rows.append([str(theme)] + [str(v).replace("; ", "\n") for v in row.values])
        widths = [3.2] + [12.8 / max(len(table.columns), 1)] * len(table.columns)
        w.table(header, rows, caption="Nuanceverschillen tussen persona\u2019s per thema",
                widths_cm=widths, font_size=8, bold_first_column=True)

    def appreciation(self) -> None:
        codes = self.settings.appreciation_codes
        if codes is None:
            codes = [c.id for c in self.codebook.codes if "waardering" in c.id.lower()]
        coded = [c for c in self.ctx.codings if c.code in set(codes)]
        if not coded:
            return   # only when coded
        w = self.w
        w.heading("Waardering voor de medewerkers", 1)
        who = respondents_coded(coded, codes)
        names = ", ".join(self.code_name(c) for c in codes)
        w.paragraph(f"{n_van_n(len(who), self.N)} spreken waardering uit voor de medewerkers "
                    f"(code: {names}). Dat verdient een eigen plek in dit rapport.")
        texts = {t.respondent_id: t for t in self.ctx.transcripts}
        for c in pick_quotes(coded, codes, texts, 1, self.valence,
                             exclude=self.registry.spans()):
            self.quote(c, "Waardering voor de medewerkers")

    # --- recommendations --------------------------------------------------------------------
    def recommendations(self) -> None:
        w = self.w
        recs = self.findings.recommendations
        w.heading("Aanbevelingen", 1)
        if not recs:
            w.paragraph("Er zijn nog geen aanbevelingen vastgelegd (findings.yaml).",
                        italic=True)
            return
        for i, r in enumerate(recs, 1):
            self._rec_labels[r.id] = f"A{i}"
        w.paragraph(("De aanbevelingen zijn samen met de klankbordgroep opgesteld. "
                     if self.cfg.klankbord else "")
                    + "Ze zijn verdeeld in quick wins (snel uit te voeren) en not so quick wins "
                    "(vragen meer tijd of samenwerking). De nummers A1, A2 ... komen terug in de "
                    "tabel per organisatie.")
        audiences = list(dict.fromkeys(["overheid", "vervolgonderzoek"]
                                       + [r.audience for r in recs]))
        finding_titles = {f.id: f.title for f in self.findings.findings}
        for audience in audiences:
            mine = [r for r in recs if r.audience == audience]
            if not mine:
                continue
            w.heading(AUDIENCE_TITLES.get(audience, f"Aanbevelingen voor {audience}"), 2)
            for kind in ("quick win", "not so quick win"):
                group = [r for r in mine if r.kind == kind]
                if not group:
                    continue
                w.paragraph(KIND_TITLES[kind], bold=True).paragraph_format.keep_with_next = True
                for r in group:
                    p = w.add_paragraph(style="List Bullet")
                    p.add_run(f"{self._rec_labels[r.id]} ").bold = True
                    p.add_run(" ".join(r.text.split()))
                    answered = [finding_titles[a] for a in r.answers if a in finding_titles]
                    extra = []
                    if r.organisations:
                        extra.append(", ".join(r.organisations))
                    if answered:
                        extra.append("bij: " + "; ".join(shorten(t, 60) for t in answered))
                    if extra:
                        small = p.add_run(" (" + " \u2013 ".join(extra) + ")")
                        small.font.size = Pt(8.5)
        self._organisation_table(recs)

    def _organisation_table(self, recs) -> None:
        order = list(self.study.journey.organisations) if self.study.journeys else []
        orgs: dict[str, dict[str, list[str]]] = {}
        for r in recs:
            targets = list(r.organisations)
            if r.audience not in ("overheid", "vervolgonderzoek"):
                targets.append(r.audience)
            for org in dict.fromkeys(targets):
                orgs.setdefault(org, {"quick win": [], "not so quick win": []})
                orgs[org][r.kind].append(f"{self._rec_labels[r.id]} {shorten(r.text, 70)}")
        if not orgs:
            return
        names = sorted(orgs, key=lambda o: (order.index(o) if o in order else len(order),
                                            o.lower()))
        self.w.heading("Aanbevelingen per organisatie", 2)
        self.w.paragraph("Welke organisatie bij welke aanbeveling betrokken is:")
        rows = [(o, "\n".join(orgs[o]["quick win"]) or "\u2013",
                 "\n".join(orgs[o]["not so quick win"]) or "\u2013") for o in names]
        self.w.table(["Organisatie", "Quick wins", "Not so quick wins"], rows,
                     caption="Aanbevelingen per organisatie", widths_cm=[4.0, 6.0, 6.0],
                     font_size=8, bold_first_column=True)

    def call_and_follow_up(self) -> None:
        w = self.w
        w.heading("Oproep", 1)
        if self.cfg.oproep:
            w.text(self.cfg.oproep)
        else:
            w.paragraph("Nog in te vullen in study.yaml (oproep).", italic=True)
        w.heading("Opvolging", 1)
        if self.cfg.opvolging:
            w.bullets(" ".join(item.split()) for item in self.cfg.opvolging)
        else:
            w.paragraph("Nog in te vullen in study.yaml (opvolging).", italic=True)

    # --- annexes -----------------------------------------------------------------------------
    def annex_cards(self) -> None:
        _, letter = self.annex("cards", "Persona-kaarten")
        w = self.w
        if self.ctx.personas is None and not self.ctx.cards:
            self.unavailable("De persona-kaarten")
            return
        from .. import persona_cards as cards_mod
        ids = self.ctx.persona_ids() or list(self.ctx.cards)
        first = True
        for pid in ids:
            card = self.ctx.cards.get(pid)
            name = self.persona_name(pid)
            image = None
            if card is not None and hasattr(card, "quotes"):
                image = cards_mod.render_card(card, self._tmp / f"kaart_{pid}.png", "A4",
                                              dpi=self.settings.card_dpi)
            elif card is not None:
                image = Path(card)
            if not first:
                w.page_break()
            first = False
            count = ""
            if self.ctx.personas is not None:
                p = self.ctx.personas.persona(pid)
                count = f" ({n_van_n(len(p.respondents), len(self.ctx.personas.assignments))})"
            if image is not None and image.exists():
                w.figure(image, f"Persona-kaart {name}{count}", max_height=int(
                    w.text_height * 0.8))
            else:
                w.paragraph(f"{name}{count}", bold=True)
                self.unavailable(f"De kaart van {name}")
            if card is not None and hasattr(card, "quotes") and card.quotes:
                refs = [self.registry.add(q.respondent, q.start, q.end, q.code,
                                          f"Persona-kaart {name}", q.text) for q in card.quotes]
                w.paragraph("Citaten op deze kaart: " + "; ".join(
                    f"[{r.label}] {r.respondent_id}" for r in refs)
                    + f" (zie bijlage {ANNEXES['evidence']}).", size=9)

    def annex_heartbeats(self) -> None:
        _, letter = self.annex("heartbeats", "Heartbeats en klantreizen per persona")
        w = self.w
        if not self.ctx.heartbeats:
            self.unavailable("De heartbeats")
            return
        w.paragraph("Een heartbeat laat per moment van de klantreis zien hoe de respondenten "
                    "van een persona het contact beleefden: van \u22123 (zeer negatief) tot +3 "
                    "(zeer positief), berekend uit de lading van de gecodeerde passages. Een "
                    "moment zonder gecodeerde passages heeft \u2018geen gegevens\u2019; het "
                    "is niet nul. P1, P2 ... zijn pijnpunten, H1, H2 ... hoogtepunten.")
        for i, hb in enumerate(self.ctx.heartbeats):
            w.heading(f"{hb.name}", 2, numbered=False,
                      prefix=f"{letter}.{i + 1}", page_break=i > 0)
            fig = self.ctx.heartbeat_figures.get(hb.persona)
            if fig is not None and Path(fig).exists():
                w.figure(fig, f"Heartbeat {hb.name} ({n_van_n(hb.total, hb.study_total)})")
            else:
                self.unavailable(f"De heartbeatfiguur van {hb.name}")
            self._key_moment_table(hb)
            poster = self.ctx.posters.get(hb.persona)
            if poster is not None and Path(poster).exists():
                w.new_section(landscape=True)
                w.figure(poster, f"Klantreis {hb.name}: fasen, contactmomenten, pijn- en "
                         f"hoogtepunten", max_height=int(w.text_height * 0.88))
                w.new_section(landscape=False)
            else:
                self.unavailable(f"De klantreisposter van {hb.name}")

    def _key_moment_table(self, hb) -> None:
        kms = list(hb.key_moments())
        if not kms:
            self.w.paragraph(f"Voor {hb.name} zijn geen uitgesproken pijn- of hoogtepunten "
                             f"gevonden.", italic=True)
            return
        rows = []
        for km in kms:
            q = km.quote
            cite = "\u2013"
            if q is not None:
                ref = self.registry.add(q.respondent_id, q.start, q.end, q.code,
                                        f"Heartbeat {hb.name} {km.label}")
                cite = f"\u201c{shorten(ref.text, 150)}\u201d [{ref.label}] ({ref.respondent_id})"
            m = km.moment
            rows.append((km.label, f"{m.phase_name}: {m.label}" if m.step else m.label,
                         dutch_number(m.score), km.n_van_n, cite))
        self.w.table(["", "Moment", "Score", "n van N", "Citaat"], rows,
                     caption=f"Pijn- en hoogtepunten van {hb.name}",
                     widths_cm=[1, 4.5, 1.5, 2.2, 7], font_size=8)

    def annex_method(self) -> None:
        _, letter = self.annex("method", "Methode: open, axiaal en selectief coderen")
        w = self.w
        w.heading("Open coderen", 2, numbered=False, prefix=f"{letter}.1")
        w.paragraph("Bij open coderen krijgen passages uit de interviews een code: een korte "
                    "benoeming van wat de respondent vertelt. De codes zijn vastgelegd in het "
                    f"codeboek (bijlage {ANNEXES['codebook']}) met een definitie, wanneer de code wel en niet te "
                    "gebruiken, de fase van de klantreis en de lading (pijnpunt of "
                    "hoogtepunt).")
        w.paragraph(self._coding_sentence())
        w.heading("Axiaal coderen", 2, numbered=False, prefix=f"{letter}.2")
        w.paragraph("Bij axiaal coderen zijn de codes gegroepeerd in categorieën en zijn de "
                    "verbanden tussen de categorieën benoemd. De boom hieronder toont per "
                    "categorie de codes met het aantal respondenten en passages.")
        self._code_tree()
        self._relations()
        fig = self.ctx.cooccurrence_figure
        if fig is not None and Path(fig).exists():
            w.figure(fig, "Netwerk van samen voorkomende codes (co-occurrence)")
        else:
            self.unavailable("Het netwerkfiguur van samen voorkomende codes")
        w.heading("Selectief coderen", 2, numbered=False, prefix=f"{letter}.3")
        core = self.codebook.core_category
        if core:
            cat = self.codebook.category(core)
            w.labelled("Kerncategorie", cat.name)
            if cat.description:
                w.paragraph(cat.description)
        else:
            w.paragraph("Er is (nog) geen kerncategorie gekozen (codebook.yaml: "
                        "core_category).", italic=True)
        self._core_candidates()
        if self.codebook.storyline:
            w.paragraph("Verhaallijn", bold=True).paragraph_format.keep_with_next = True
            w.text(self.codebook.storyline)
        w.heading("Overeenstemming tussen codeurs", 2, numbered=False, prefix=f"{letter}.4")
        self._agreement()
        if self.ctx.personas is not None:
            w.heading("Persona-analyse", 2, numbered=False, prefix=f"{letter}.5")
            w.paragraph(self._persona_method_sentence(self.ctx.personas).replace(
                f" Zie bijlage {ANNEXES['method']}.", ""))
            for note in getattr(self.ctx.personas, "notes", []) or []:
                w.paragraph(str(note), size=9)

    def _core_candidates(self) -> None:
        """Which categories the data put at the centre, next to the researchers' choice."""
        if not self.ctx.codings:
            return
        analysis = self.ctx.axial
        if analysis is None:
            from ..axial import AxialAnalysis
            analysis = AxialAnalysis(self.codebook, [t.respondent_id for t in
                                                     self.ctx.transcripts]).fit(self.ctx.codings)
        try:
            cands = analysis.core_category_candidates()
        except KlantreisError:
            return
        table = cands.table
        if table.empty:
            return
        rows = []
        for r in table.head(5).itertuples():
            rows.append((str(r.rank), r.name + (" (gekozen)" if r.chosen else ""),
                         f"{int(r.respondents)} ({round(float(r.coverage) * 100)}%)",
                         plain_number(float(r.strength), 1), plain_number(float(r.eigenvector))))
        chosen = ""
        if cands.chosen_rank is not None:
            chosen = (f" De gekozen kerncategorie staat in de gegevens op plaats "
                      f"{cands.chosen_rank}.")
        self.w.paragraph("Kandidaten voor de kerncategorie volgens de gegevens: hoeveel "
                         "respondenten de categorie raakt en hoe sterk ze samen voorkomt met "
                         "de andere categorieën." + chosen)
        self.w.table(["Rang", "Categorie", "Respondenten", "Sterkte", "Centraliteit"], rows,
                     caption="Kandidaten voor de kerncategorie", widths_cm=[1.3, 6, 3, 2.5, 3],
                     font_size=8.5)

    def _code_tree(self) -> None:
        by_code: dict[str, set[str]] = {}
        passages: dict[str, int] = {}
        for c in self.ctx.codings:
            by_code.setdefault(c.code, set()).add(c.respondent_id)
            passages[c.code] = passages.get(c.code, 0) + 1
        rows = []
        for cat in self.codebook.categories:
            cat_resp = set().union(*(by_code.get(c.id, set()) for c in cat.codes)) \
                if cat.codes else set()
            cat_pass = sum(passages.get(c.id, 0) for c in cat.codes)
            rows.append((cat.name, "", str(len(cat_resp)), str(cat_pass)))
            for code in cat.codes:
                rows.append(("", code.name, str(len(by_code.get(code.id, ()))),
                             str(passages.get(code.id, 0))))
        self.w.table(["Categorie", "Code", f"Respondenten (N = {self.N})", "Passages"], rows,
                     caption="Codeboom: categorieën en codes met hun onderbouwing",
                     widths_cm=[4.5, 6.5, 3, 2], font_size=8, bold_first_column=True)

    def _relations(self) -> None:
        rels = self.codebook.relations
        if not rels:
            return
        names = {c.id: c.name for c in self.codebook.categories}
        rows = [(names.get(r.source, r.source), r.kind, names.get(r.target, r.target),
                 r.note or "") for r in rels]
        self.w.table(["Van", "Relatie", "Naar", "Toelichting"], rows,
                     caption="Verbanden tussen categorieën (paradigma)",
                     widths_cm=[4, 2.5, 4, 5.5], font_size=8)

    def _agreement(self) -> None:
        w = self.w
        codings = self.ctx.all_codings or []
        coders = sorted({c.coder for c in codings})
        if len(coders) < 2:
            w.paragraph("Er is met één codeur gecodeerd" if coders else
                        "Er zijn (nog) geen coderingen door onderzoekers",
                        italic=True)
            w.paragraph("Een tabel met de overeenstemming tussen codeurs verschijnt zodra twee "
                        "of meer codeurs dezelfde interviews hebben gecodeerd.", italic=True)
            return
        from .. import agreement
        try:
            ag = agreement.IntercoderAgreement(unit="segment").fit(codings,
                                                                   self.ctx.transcripts)
        except KlantreisError as err:
            w.paragraph(f"De overeenstemming kon niet worden berekend: {err.message}",
                        italic=True)
            return
        s = ag.summary()
        w.paragraph("Eenheid: per beurt van de respondent en per code (wel of niet "
                    "gecodeerd). Kappa is Cohen\u2019s kappa (bij meer dan twee codeurs het "
                    "gemiddelde over paren), alfa is Krippendorffs alfa.")
        rows = [("Codeurs", ", ".join(s["coders"])),
                ("Respondenten door meerdere codeurs gecodeerd", str(s["respondents"])),
                ("Codes vergeleken", str(s["codes"])),
                ("Procentuele overeenstemming", plain_number(s["percent_agreement"] * 100, 1)
                 + "%" if s["percent_agreement"] == s["percent_agreement"] else "n.v.t."),
                ("Kappa", plain_number(s["kappa"])), ("Gemiddelde kappa per code",
                                                      plain_number(s["mean_kappa"])),
                ("Alfa", plain_number(s["alpha"])),
                ("Verschillen (passages om te bespreken)", str(s["disagreements"]))]
        w.table(["Maat", "Waarde"], rows, caption="Overeenstemming tussen codeurs",
                widths_cm=[9, 7], font_size=9)

    def annex_respondents(self) -> None:
        w = self.w
        table = self.ctx.respondents
        columns = [c for c in (table.columns if table is not None else []) if c != "id"]
        attrs = [c for c in columns if not _is_own_assignment(c) and not IDENTIFYING.search(c)]
        hidden = [c for c in columns if IDENTIFYING.search(c)]
        truth = [c for c in columns if _is_own_assignment(c)]
        landscape = len(attrs) + len(truth) + 4 > 7
        _, letter = self.annex("respondents", "Respondentenoverzicht", landscape=landscape)
        assigned = {}
        if self.ctx.personas is not None:
            assigned = dict(zip(self.ctx.personas.assignments["respondent"],
                                self.ctx.personas.assignments["persona"]))
        per_resp: dict[str, int] = {}
        for c in self.ctx.codings:
            per_resp[c.respondent_id] = per_resp.get(c.respondent_id, 0) + 1
        header = ["Respondent", "Transcript"] + [a.replace("_", " ") for a in attrs] + \
            ["Passages", "Persona (analyse)"] + \
            (["Persona volgens onderzoekers"] if truth else [])
        rows = []
        for t in self.ctx.transcripts:
            values = t.attributes or {}
            row = [t.respondent_id, t.path.name] + [cell_value(values.get(a)) for a in attrs]
            row += [str(per_resp.get(t.respondent_id, 0)),
                    self.persona_name(assigned[t.respondent_id])
                    if t.respondent_id in assigned else "\u2013"]
            if truth:
                raw = values.get(truth[0])
                row.append(self.persona_name(str(raw)) if raw else "\u2013")
            rows.append(row)
            self._data_cells += row[2:2 + len(attrs)]
        w.paragraph("Alleen geanonimiseerde kenmerken uit de respondententabel. "
                    + (f"Kolommen die naar personen kunnen leiden ({len(hidden)}) zijn "
                       f"weggelaten. " if hidden else "")
                    + ("De laatste kolom is de indeling die de onderzoekers zelf maakten; de "
                       "analyse gebruikt die niet, ze staat er ter vergelijking."
                       if truth else ""))
        w.table(header, rows, caption="Respondenten en hun kenmerken", font_size=8)
        if landscape:
            w.new_section(landscape=False)

    def annex_codebook(self) -> None:
        self.annex("codebook", "Codeboek")
        w = self.w
        w.paragraph(f"{self.codebook.name}: {len(self.codebook.codes)} codes in "
                    f"{len(self.codebook.categories)} categorieën. Waarde: de standaardlading "
                    f"van de code, van \u22123 (pijnpunt) tot +3 (hoogtepunt).")
        rows = []
        for cat in self.codebook.categories:
            rows.append((cat.name, cat.description or "", "", ""))
            for code in cat.codes:
                rows.append((code.name, code.definition or "", ", ".join(code.phases),
                             dutch_number(float(code.valence), 0) if code.valence else "0"))
        w.table(["Categorie / code", "Definitie", "Fasen", "Waarde"], rows,
                caption="Het codeboek", widths_cm=[4, 8.2, 2.8, 1.2], font_size=8)

    def annex_evidence(self) -> None:
        _, letter = self.annex("evidence", "Verantwoording van bevindingen en citaten")
        w = self.w
        w.paragraph("Elke bevinding en elk citaat in dit rapport is terug te vinden in de "
                    "transcripten. Regel is de regel in het transcript (na inlezen); tekens "
                    "zijn de posities van de passage in de ingelezen tekst (begin\u2013eind, "
                    "eind exclusief).")
        w.heading("Bevindingen", 2, numbered=False, prefix=f"{letter}.1")
        if self.evidence:
            rows = []
            texts = {t.respondent_id: t for t in self.ctx.transcripts}
            for ev in self.evidence:
                by_resp: dict[str, list] = {}
                for c in ev.codings:
                    by_resp.setdefault(c.respondent_id, []).append(c)
                first = True
                for rid in ev.respondents:
                    t = texts.get(rid)
                    spans = "; ".join(
                        f"r. {t.line_of(c.start) if t else '?'} [{c.start}\u2013{c.end}]"
                        for c in by_resp[rid])
                    rows.append((shorten(ev.finding.title, 60) if first else "",
                                 ev.n_van_n if first else "",
                                 f"{rid} ({t.path.name if t else '?'})", spans))
                    first = False
                if not ev.respondents:
                    rows.append((shorten(ev.finding.title, 60), ev.n_van_n, "\u2013",
                                 "geen gecodeerde passages"))
            w.table(["Bevinding", "n van N", "Respondent (bestand)", "Passages"], rows,
                    caption="Onderbouwing per bevinding", widths_cm=[4.2, 2.3, 3, 6.5],
                    font_size=7.5)
        else:
            w.paragraph("Geen bevindingen.", italic=True)
        w.heading("Citaten", 2, numbered=False, prefix=f"{letter}.2")
        if len(self.registry):
            rows = [(f"[{q.label}]", q.respondent_id, q.file, str(q.line or "?"),
                     f"{q.start}\u2013{q.end}", self.code_name(q.code), "; ".join(q.used_in))
                    for q in self.registry.quotes]
            w.table(["Citaat", "Resp.", "Bestand", "Regel", "Tekens", "Code", "Gebruikt in"],
                    rows, caption="Alle citaten in dit rapport", widths_cm=[1.3, 1.2, 1.8, 1.1,
                                                                         2.0, 3.3, 5.3],
                    font_size=7.5)
        else:
            w.paragraph("Dit rapport bevat geen citaten.", italic=True)


def _has_style(doc, name: str) -> bool:
    try:
        doc.styles[name]
        return True
    except KeyError:
        return False


# Respondent-table columns that can identify a person; never shown in the report.
IDENTIFYING = re.compile(r"naam|name|adres|address|straat|postcode|woonplaats|telefoon|phone|"
                         r"mail|geboorte|birth|bsn|iban|rekening", re.IGNORECASE)


# --- the entry point ------------------------------------------------------------------------

def privacy_gate(study) -> None:
    """The anonymization check on the study's transcripts; raises ``PrivacyGateError``."""
    from ..anonymize import privacy_gate as gate
    gate(study)


def check_generated_text(study, text: str) -> None:
    """``klantreis.anonymize.check_text`` on what the report shows of the respondents' data
    (quotes, respondent-table values; see ``ReportBuilder.data_text``). The study's own
    texts (study.yaml, codebook, findings) are written by the researchers and name the
    project team by design, so they are not checked. Suspects stop the build with a count
    (never the text)."""
    from ..anonymize import check_text
    suspects = check_text(text, study=study)
    if suspects:
        raise PrivacyGateError(f"het rapport is niet opgeslagen: de controle vond "
                               f"{len(suspects)} mogelijke persoonsgegeven(s) in de citaten "
                               f"of de respondententabel. Controleer de anonimisering "
                               f"(klantreis anonymize --check) en de citaten.")


def build_report(study, context: Any = None, *, out: str | Path | None = None,
                 template: str | Path | None = None,
                 settings: ReportSettings | None = None, transcripts_checked: bool = False
                 ) -> Path:
    """Build the Word report and write it atomically; returns the path.

    ``context``: the pipeline's ``RunContext`` (or a ``ReportContext``); None computes it
    with ``report_context(study)``. Refuses (``PrivacyGateError``) while the anonymization
    check finds suspects in the transcripts (skipped when the caller ran that check in the
    same run: ``transcripts_checked``) or in the quotes and data the report shows."""
    if not transcripts_checked:
        privacy_gate(study)
    ctx = ReportContext.from_run(context) if context is not None else report_context(study)
    if not ctx.transcripts:
        raise KlantreisError("geen transcripten: er valt geen rapport te maken",
                             study.interviews_dir)
    builder = ReportBuilder(study, ctx, settings, template)
    say("  rapport opbouwen ...")
    writer = builder.build()
    check_generated_text(study, builder.data_text())
    target = Path(out) if out else default_output(study)
    if target.suffix.lower() != ".docx":
        raise KlantreisError("het rapport moet een .docx-bestand zijn", target)
    writer.save(target)
    return target


__all__ = ["build_report", "ReportBuilder", "ReportSettings", "default_output", "slugify",
           "dutch_date", "privacy_gate", "check_generated_text"]
