"""The Word report: structure, counts from the data, numbered quotes and their trace, the
privacy gate, an organisation template, the CLI and (when LibreOffice is installed) the PDF.

The study here is tiny and obviously fictional: six respondents T01..T06 whose words are
made up, placeholders such as [PERSOON-1], and one planted fake name in a passage that is
never coded (it must never reach the report).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from klantreis import Study
from klantreis.cli import main
from klantreis.errors import KlantreisError, PrivacyGateError
from klantreis.report import (ReportContext, ReportSettings, build_report, field_instructions,
                              interview_facts, is_weak, number_word, render_pdf,
                              report_context)
from klantreis.report import builder as builder_mod
from klantreis.report.render import find_soffice

PLANTED = "Zwanetta Kwakkelstein"       # a made-up name in an uncoded passage

STUDY_YAML = """
title: Testreis fictieve cliënten
subtitle: Een verzonnen voorbeeld
commissioner: Testberaad
executor: Testbureau
target_group: Fictieve cliënten van een verzonnen voorziening.
research_question: Hoe beleven fictieve cliënten een verzonnen reis?
date: 2024-03-01
sections:
  aanleiding: |
    Dit is de aanleiding van een verzonnen studie.

    Een tweede alinea van de aanleiding.
  opdracht: Maak een testreis.
  afbakening: Alleen verzonnen cliënten.
  definitie: Een voorziening is hier een verzonnen plek.
  doel: Testen of het rapport klopt.
phases:
  define: {start: 2024-01-01, end: 2024-01-15, description: Opdracht bepaald.}
  discover: {start: 2024-01-16, end: 2024-02-10, description: Gesprekken gevoerd.}
  design: {start: 2024-02-11, end: 2024-02-20, description: Workshop gehouden.}
  deliver: {start: 2024-02-21, end: 2024-03-01, description: Rapport geschreven.}
klankbord: [Testgemeente, Testbank]
oproep: Een verzonnen oproep aan het testberaad.
opvolging: [Eerste verzonnen vervolgstap., Tweede verzonnen vervolgstap.]
speakers: {B: other}
coding: {primary_coder: A}
"""

CODEBOOK = """
name: Testcodeboek
core_category: toekomst
storyline: |
  Een verzonnen verhaallijn over geld en toekomst.
categories:
  - id: geld
    name: Geldzaken
    color: "#0072B2"
    codes:
      - {id: wachten_op_geld, name: Wachten op geld, definition: Wachten op een uitkering.,
         phases: [instroom], valence: -2, organisations: [gemeente]}
      - {id: hulp_bij_geld, name: Hulp bij geld, definition: Hulp bij geldzaken.,
         phases: [verblijf], valence: 2, organisations: [voorziening]}
  - id: opvang
    name: Voorziening
    codes:
      - {id: waardering_medewerkers, name: Waardering medewerkers, phases: [verblijf],
         valence: 3}
      - {id: weinig_te_doen, name: Weinig te doen, phases: [verblijf], valence: -1}
  - id: toekomst
    name: Toekomst
    codes:
      - {id: angst_toekomst, name: Angst voor de toekomst, phases: [uitstroom], valence: -2}
      - {id: plannen, name: Plannen maken, phases: [uitstroom], valence: 1}
relations:
  - {from: geld, to: toekomst, kind: oorzaak, note: Geldzorgen kleuren de toekomst.}
"""

JOURNEY = """
id: testreis
name: Testreis
organisations: [gemeente, voorziening]
phases:
  - id: instroom
    name: Instroom
    steps:
      - {id: aanvraag, name: Aanvraag doen, organisations: [gemeente]}
  - id: verblijf
    name: Verblijf
  - id: uitstroom
    name: Uitstroom
"""

PERSONAS = {
    "alfa": """
id: alfa
name: Alfa
description: Verzonnen persona die vooral wacht.
codes: [wachten_op_geld, angst_toekomst]
color: "#0072B2"
""",
    "beta": """
id: beta
name: Beta
description: Verzonnen persona die vooruit kijkt.
codes: [hulp_bij_geld, plannen]
color: "#D55E00"
""",
}

FINDINGS = """
findings:
  - id: wachten
    title: Cliënten wachten lang op geld
    text: Een verzonnen toelichting over wachten.
    codes: [wachten_op_geld]
  - id: plannen
    title: Een enkeling maakt plannen
    text: Een verzonnen toelichting over plannen.
    codes: [plannen]
recommendations:
  - {id: sneller, text: Betaal sneller uit., audience: overheid, organisations: [gemeente],
     kind: quick win, answers: [wachten]}
  - {id: onderzoek, text: Onderzoek de toekomst., audience: vervolgonderzoek,
     organisations: [voorziening], kind: not so quick win, answers: [plannen]}
  - {id: eigen, text: Geef een vast aanspreekpunt., audience: voorziening,
     kind: quick win, answers: [wachten_op_geld]}
themes:
  - {id: geldhulp, name: Hulp bij geld, codes: [hulp_bij_geld, wachten_op_geld]}
"""

# respondent -> (mode, interpreter, lines of the respondent, codes per line or None)
RESPONDENTS = {
    "T01": ("face-to-face", "nee", [
        ("Ik heb zes weken gewacht op mijn eerste uitkering van de gemeente.", "wachten_op_geld"),
        ("De medewerkers hier zijn echt heel aardig voor mij en de kinderen.",
         "waardering_medewerkers"),
        ("Ik ben bang dat ik het straks allemaal alleen moet doen.", "angst_toekomst")]),
    "T02": ("face-to-face", "ja", [
        ("Het duurde heel lang voordat er geld op mijn rekening kwam.", "wachten_op_geld"),
        ("Mijn buurvrouw " + PLANTED + " hielp soms met boodschappen.", None),
        ("Overdag is er weinig te doen, ik zit veel op mijn kamer.", "weinig_te_doen")]),
    "T03": ("telefonisch", "nee", [
        ("Ik wachtte maanden op de toeslag, dat was echt zwaar voor ons.", "wachten_op_geld"),
        ("Ik vind het eng om straks weer helemaal op mezelf te staan.", "angst_toekomst")]),
    "T04": ("face-to-face", "nee", [
        ("De financiële hulp van [PERSOON-1] nam veel zorgen bij mij weg.", "hulp_bij_geld"),
        ("Ik wil later een opleiding doen en weer gaan werken.", "plannen"),
        ("Ook ik heb weken gewacht op geld van de gemeente.", "wachten_op_geld")]),
    "T05": ("face-to-face", "nee", [
        ("Iemand helpt me met mijn post en mijn rekeningen, dat is fijn.", "hulp_bij_geld"),
        ("De begeleiding is altijd vriendelijk en denkt met me mee.",
         "waardering_medewerkers")]),
    "T06": ("face-to-face", "nee", [
        ("Ze regelen hier veel voor mij met de bank en de post.", "hulp_bij_geld"),
        ("Het geld kwam pas na twee maanden, dat was heel lastig.", "wachten_op_geld")]),
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def make_tiny_study(root: Path) -> Path:
    write(root / "study.yaml", STUDY_YAML)
    write(root / "codebook.yaml", CODEBOOK)
    write(root / "journeys" / "testreis.yaml", JOURNEY)
    for pid, text in PERSONAS.items():
        write(root / "personas" / f"{pid}.yaml", text)
    write(root / "findings.yaml", FINDINGS)
    rows = ["id,leeftijd,herkomst,tolk,locatie,wijze,persona_onderzoekers"]
    for i, (rid, (mode, tolk, lines)) in enumerate(RESPONDENTS.items()):
        rows.append(f"{rid},{30 + i},Testland,{tolk},{'thuis' if i % 2 else 'voorziening'},"
                    f"{mode},{'alfa' if i < 3 else 'beta'}")
        turns = [f"Interview {rid}", "Datum: [DATUM]", f"Wijze: {mode}", ""]
        for line, _ in lines:
            turns += ["I: Kunt u daar iets over vertellen?", "", f"R: {line}", ""]
            if tolk == "ja":
                turns += ["T: Zij zegt dat het zo was.", ""]
        if rid == "T05":
            turns += ["B: Ik ben de begeleider en vul even iets aan.", ""]
        write(root / "interviews" / f"{rid}.txt", "\n".join(turns))
        codings = [f"coder: A\nrespondent: {rid}\ncodings:"]
        for line, code in lines:
            if code:
                codings.append(f"  - code: {code}\n    quote: \"{line}\"")
        write(root / "codings" / "A" / f"{rid}.yaml", "\n".join(codings) + "\n")
    write(root / "interviews" / "respondenten.csv", "\n".join(rows) + "\n")
    # the researcher accepted the planted name (as if a false positive): the gate passes, and
    # the report must still never show it, because only coded passages are quoted
    write(root / "anonymization" / "allow.txt", f"{PLANTED}\nDatum\nWijze\n")
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(study, context, docx path) for the tiny study, built once."""
    root = make_tiny_study(tmp_path_factory.mktemp("tiny") / "studie")
    study = Study.load(root)
    ctx = report_context(study, n_bootstrap=10)
    path = build_report(study, ctx)
    return study, ctx, path


def document_text(document) -> str:
    body = document.element.body
    return "\n".join(t.text or "" for t in body.iter(qn("w:t")))


def heading_texts(document, level: int = 1) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


# --- structure --------------------------------------------------------------------------------

def test_report_is_written_atomically_to_default_name(tiny):
    study, _, path = tiny
    assert path == study.reports_dir / "testreis-fictieve-clienten.docx"
    assert path.exists() and zipfile.is_zipfile(path)
    assert not list(study.reports_dir.glob("*.tmp")), "no temporary file is left behind"


def test_sections_in_reference_order(tiny):
    document = docx.Document(tiny[2])
    got = heading_texts(document)
    expected = ["Aanleiding", "Opdracht", "Afbakening", "Definitie", "Doel",
                "Aanpak op hoofdlijnen", "Resultaten klantreis", "De belangrijkste bevindingen",
                "Nuanceverschillen tussen persona\u2019s", "Waardering voor de medewerkers",
                "Aanbevelingen", "Oproep", "Opvolging"]
    assert got[:len(expected)] == expected
    annexes = got[len(expected):]
    assert [a.split("  ")[0] for a in annexes] == [f"Bijlage {x}" for x in "ABCDEF"]
    assert "Verantwoording" in annexes[-1]
    assert heading_texts(document, 2)[:4] == ["Definefase", "Discoverfase", "Designfase",
                                              "Deliverfase"]


def test_dutch_a4_and_fields(tiny):
    document = docx.Document(tiny[2])
    for section in document.sections:
        dims = sorted([round(section.page_width.mm), round(section.page_height.mm)])
        assert dims == [210, 297]
    langs = {el.get(qn("w:val")) for el in document.styles.element.iter(qn("w:lang"))}
    assert langs == {"nl-NL"}
    fields = field_instructions(document)
    assert any(f.startswith("TOC ") for f in fields)
    assert sum(f.startswith("SEQ Figuur") for f in fields) >= 3
    assert any(f.startswith("SEQ Tabel") for f in fields)
    assert "PAGE" in fields
    begin = next(el for el in document.element.body.iter(qn("w:fldChar"))
                 if el.get(qn("w:fldCharType")) == "begin")
    assert begin.get(qn("w:dirty")) == "true", "the TOC is marked for updating on open"
    assert document.settings.element.find(qn("w:updateFields")) is not None
    # headings are numbered by a list linked to the heading styles
    h1 = document.styles["Heading 1"].element
    assert h1.find(qn("w:pPr")).find(qn("w:numPr")) is not None


def test_counts_come_from_the_data(tiny):
    document = docx.Document(tiny[2])
    text = document_text(document)
    assert "Er zijn zes interviews gehouden." in text
    assert "Daarvan waren vijf face-to-face en één telefonisch." in text
    assert "Eén interview is met een tolk gehouden." in text
    assert "Bij één interview was een begeleider aanwezig." in text
    # wachten_op_geld: T01 T02 T03 T04 T06 -> 5 of 6; plannen: only T04 -> weak
    assert "Cliënten wachten lang op geld (5 van 6 respondenten)" in text
    assert "Let op: zwak onderbouwd, 1 van 6 respondenten" in text
    assert "5 van 6 respondenten" in text
    assert "machinesuggesties" not in text.split("Inhoud")[0], \
        "human codings: no machine-suggestion notice"


def test_personas_with_n_van_n_and_images(tiny):
    _, ctx, path = tiny
    document = docx.Document(path)
    text = document_text(document)
    total = len(ctx.personas.assignments)
    for p in ctx.personas.personas:
        assert f"{p.name}" in text
        assert f"({len(p.respondents)} van {total} respondenten)" in text
    # cards, heartbeats, posters, comparison, network: at least one image per persona each
    n_images = len(document.inline_shapes)
    assert n_images >= 2 * len(ctx.personas.personas) + 1
    with zipfile.ZipFile(path) as z:
        assert sum(n.startswith("word/media/") for n in z.namelist()) >= n_images // 2


def test_tables_present(tiny):
    document = docx.Document(tiny[2])
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    for wanted in ("De interviews in cijfers", "Nuanceverschillen", "Aanbevelingen per "
                   "organisatie", "Codeboom", "Respondenten en hun kenmerken", "Het codeboek",
                   "Onderbouwing per bevinding", "Alle citaten"):
        assert any(wanted in c for c in captions), wanted
    assert all(re.match(r"(Figuur|Tabel) \d+: ", c) for c in captions)
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    respondents = next(h for h in headers if h[:2] == ["Respondent", "Transcript"])
    assert "Persona volgens onderzoekers" in respondents      # labelled, not a feature
    assert "persona_onderzoekers" not in respondents


def test_quotes_are_numbered_and_traceable(tiny):
    study, ctx, path = tiny
    document = docx.Document(path)
    text = document_text(document)
    labels = re.findall(r"\[Q(\d+)\]", text)
    assert labels and labels[0] == "1"
    quote_table = next(t for t in document.tables if t.rows[0].cells[0].text == "Citaat")
    texts = {t.respondent_id: t for t in ctx.transcripts}
    listed = set()
    for row in quote_table.rows[1:]:
        label, rid, file, line, span = (c.text for c in row.cells[:5])
        start, end = (int(x) for x in span.split("\u2013"))
        t = texts[rid]
        assert t.path.name == file
        assert t.line_of(start) == int(line)
        passage = t.text[start:end]
        assert passage.strip(), "offsets point at the passage"
        listed.add(label.strip("[]"))
    assert {f"Q{n}" for n in labels} <= listed, "every quote in the text is in the annex"
    # a printed quote is the transcript's own words
    q1 = next(p.text for p in document.paragraphs
              if "[Q1]" in p.text and p.text.startswith("\u201c"))
    words = q1.split("\u201d")[0].strip("\u201c ").replace(" \u2026", "")
    assert any(words in t.text for t in ctx.transcripts)


def test_planted_name_in_uncoded_passage_never_reaches_report(tiny):
    study, ctx, path = tiny
    assert any(PLANTED in t.text for t in ctx.transcripts), "the name is in the transcript"
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist()
                      if n.endswith(".xml"))
    assert PLANTED not in xml
    assert "Kwakkelstein" not in xml


def test_machine_suggestions_notice_on_first_pages(tiny, tmp_path):
    study, ctx, _ = tiny
    suggested = ReportContext(**{**ctx.__dict__, "codings_source": "suggestions"})
    out = build_report(study, suggested, out=tmp_path / "concept.docx")
    document = docx.Document(out)
    text = document_text(document)
    front = text.split("Inhoud")[0]
    assert "conceptrapport op basis van machinesuggesties" in front
    box = next(p for p in document.paragraphs if "machinesuggesties" in p.text)
    assert box._p.pPr.find(qn("w:pBdr")) is not None, "the notice is boxed"


def test_from_pipeline_run_context(tiny, tmp_path):
    """The pipeline hands its RunContext; heartbeats may come as a dict, figures via outputs."""
    from klantreis.pipeline import RunContext
    study, ctx, _ = tiny
    run = RunContext(study=study, transcripts=ctx.transcripts, codings=ctx.codings,
                     codings_source="human", personas=ctx.personas,
                     heartbeats={hb.persona: hb for hb in ctx.heartbeats},
                     outputs={"heartbeat": list(ctx.heartbeat_figures.values())})
    converted = ReportContext.from_run(run)
    assert converted.heartbeat_figures == ctx.heartbeat_figures
    assert [hb.persona for hb in converted.heartbeats] == [hb.persona for hb in ctx.heartbeats]
    out = build_report(study, run, out=tmp_path / "pijplijn.docx")
    assert len(docx.Document(out).inline_shapes) >= len(ctx.heartbeats)


# --- privacy ----------------------------------------------------------------------------------

def test_gate_refusal_stops_the_build(tiny, tmp_path, monkeypatch):
    study, ctx, _ = tiny

    def refuse(_study):
        raise PrivacyGateError("2 verdachte plekken in 1 transcript")

    monkeypatch.setattr(builder_mod, "privacy_gate", refuse)
    out = tmp_path / "geweigerd.docx"
    with pytest.raises(PrivacyGateError):
        build_report(study, ctx, out=out)
    assert not out.exists()


def test_text_check_finding_suspects_stops_the_save(tiny, tmp_path, monkeypatch):
    """The check reads the quotes the report shows; a suspect there stops the save."""
    import klantreis.anonymize as anonymize
    study, ctx, _ = tiny
    seen = {}

    def fake_check(text, **_):
        seen["text"] = text
        return ["suspect"] if "wacht" in text else []

    monkeypatch.setattr(anonymize, "check_text", fake_check)
    out = tmp_path / "tekst.docx"
    with pytest.raises(PrivacyGateError) as err:
        build_report(study, ctx, out=out)
    assert "1 mogelijke persoonsgegeven" in str(err.value)
    assert "wacht" not in str(err.value), "the message never repeats the text"
    assert not out.exists()
    quoted = {t.text[c.start:c.end].split()[0] for t in ctx.transcripts for c in ctx.codings
              if c.respondent_id == t.respondent_id}
    assert any(word in seen["text"] for word in quoted), "the quoted passages were checked"
    assert "Aanbevelingen" not in seen["text"], "the study's own headings are not checked"


def test_real_gate_refuses_planted_leftover(tmp_path):
    root = make_tiny_study(tmp_path / "lek")
    t = root / "interviews" / "T01.txt"
    t.write_text(t.read_text(encoding="utf-8") + "\nR: Bel me op 06-12345678 of mail "
                 "naar test.persoon@example.org.\n", encoding="utf-8")
    study = Study.load(root)
    with pytest.raises(PrivacyGateError):
        build_report(study, ReportContext(transcripts=study.transcripts))
    assert not list((root / "reports").glob("*.docx"))


# --- template, CLI, helpers -------------------------------------------------------------------

def test_organisation_template_keeps_styles_and_header(tiny, tmp_path):
    study, ctx, _ = tiny
    org = docx.Document()
    org.styles["Normal"].font.name = "Testfont Sans"
    org.sections[0].header.paragraphs[0].text = "TESTORGANISATIE BRIEFHOOFD"
    org.add_paragraph("Deze voorbeeldtekst uit het sjabloon moet verdwijnen.")
    template = tmp_path / "org.docx"
    org.save(template)
    out = build_report(study, ctx, out=tmp_path / "met_sjabloon.docx", template=template)
    document = docx.Document(out)
    assert document.styles["Normal"].font.name == "Testfont Sans"
    assert "TESTORGANISATIE BRIEFHOOFD" in document.sections[0].header.paragraphs[0].text
    assert "voorbeeldtekst uit het sjabloon" not in document_text(document)
    assert heading_texts(document)[0] == "Aanleiding"


def test_cli_report_and_bad_template(tiny, tmp_path, capsys):
    study, _, _ = tiny
    bad = tmp_path / "geen.docx"
    assert main(["report", str(study.root), "--template", str(bad), "-q"]) == 2
    err = capsys.readouterr().err
    assert "sjabloon bestaat niet" in err and "Traceback" not in err
    out = tmp_path / "cli.docx"
    assert main(["report", str(study.root), "--out", str(out), "-q"]) == 0
    assert out.exists()


def test_weak_threshold_is_a_parameter(tiny, tmp_path):
    study, ctx, _ = tiny
    assert is_weak(2, 16) and is_weak(3, 20) and not is_weak(3, 15)
    assert not is_weak(1, 6, min_respondents=1, min_share=0.1)
    out = build_report(study, ctx, out=tmp_path / "streng.docx",
                       settings=ReportSettings(weak_min_respondents=6, weak_min_share=0.9))
    text = document_text(docx.Document(out))
    assert "Let op: zwak onderbouwd, 5 van 6 respondenten" in text


def test_interview_facts_fall_back_to_headers_and_roles(tiny):
    _, ctx, _ = tiny
    stripped = []
    for t in ctx.transcripts:
        clone = type(t)(**{**t.__dict__, "attributes": {}})
        stripped.append(clone)
    facts = interview_facts(stripped)
    assert facts.mode_source == "transcriptkoppen"
    assert facts.modes == {"face-to-face": 5, "telefonisch": 1}
    assert facts.interpreter_source == "sprekersrollen" and facts.interpreter == 1
    assert facts.supervisor == 1
    assert number_word(16) == "zestien" and number_word(1, capital=True) == "Eén"


def test_report_needs_transcripts(tiny):
    study, _, _ = tiny
    with pytest.raises(KlantreisError, match="geen transcripten"):
        build_report(study, ReportContext())


# --- rendering with LibreOffice -------------------------------------------------------------

@pytest.mark.slow
def test_pdf_rendering(tiny, tmp_path):
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is niet geïnstalleerd; CI installeert "
                    "libreoffice-writer-nogui")
    if shutil.which("pdftotext") is None or shutil.which("pdfimages") is None:
        pytest.skip("poppler-utils (pdftotext, pdfimages) is niet geïnstalleerd")
    _, ctx, path = tiny
    pdf = render_pdf(path, tmp_path / "rapport.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 12 <= pages <= 60, pages
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)  # A4
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert len([ln for ln in images if " image " in ln]) >= 2 * len(ctx.heartbeats)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert PLANTED not in text
    # the table of contents was rebuilt: entries carry page numbers that match the pages
    pages_text = text.split("\f")
    toc = re.search(r"Aanleiding\s*\.{3,}\s*(\d+)", text)
    if toc is None:
        pytest.skip("geen python3-uno: inhoudsopgave niet bijgewerkt (Word doet dat bij "
                    "openen)")
    page = int(toc.group(1))
    assert "Aanleiding" in pages_text[page - 1]
