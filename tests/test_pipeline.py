"""``klantreis run`` end to end on a new study, offline, and what it skips on a second run.

The study is made the way a team would: ``klantreis init``, then transcripts in the formats
teams produce (Word with bold labels, Windows-1252 text, WebVTT from a transcription
service, Markdown whose first-name labels the anonymizer replaced). Everything in them is invented and already
anonymized with the toolkit's placeholders.
"""
from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import docx
import pytest

from klantreis.cli import main

TXT_CP1252 = """Interview N02
Datum: [DATUM]
Locatie: opvanglocatie [PLAATS-1]

I: Hoe ging het met geld toen u hier kwam?

R: Ik had geen geld, echt geen cent. Zes weken heb ik op mijn uitkering gewacht. De gemeente zei steeds dat het nog even duurde.

I: En de toeslagen?

R: De toeslagen liepen nog via mijn ex, hij was mijn toeslagpartner. Daar kon ik niks aan doen zonder zijn handtekening. Ik was zo blij met de begeleider, ze heeft alles voor me uitgezocht.

I: Hoe kijkt u naar de toekomst?

R: Op eigen benen staan vind ik best spannend, ben ik er wel klaar voor? Maar ik wil straks weer werken.
"""

VTT = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v Interviewer>Kunt u vertellen hoe u in de opvang kwam?

00:00:06.500 --> 00:00:15.000
<v Respondent>De politie heeft Veilig Thuis gebeld en toen zat ik binnen een dag in de crisisopvang. Ik ben met alleen een tas weggegaan.

00:00:15.500 --> 00:00:20.000
<v Interviewer>En daarna?

00:00:20.500 --> 00:00:32.000
<v Respondent>Ik had schulden door hem, leningen op mijn naam. Die schulden zijn in de opvang alleen maar opgelopen. Dat is een zorg voor later.

00:00:32.500 --> 00:00:40.000
<v Respondent>De groepstherapie hielp me echt, ik kon mijn verhaal kwijt bij andere vrouwen.
"""

MD = """# Interview N04

Datum: [DATUM]

**[PERSOON-1]:** Wat vond u van de opvang?

**[PERSOON-2]:** Ik ben nog steeds bang dat hij ons vindt. Mijn adres mag niemand weten. Alle brieven zijn in het Nederlands, ik kan ze niet lezen.

**[PERSOON-1]:** Wie helpt u daarmee?

**[PERSOON-2]:** Mijn begeleider legt alles uit. Ze zegt: het komt goed. De medewerkers hier doen echt alles voor ons.

**[PERSOON-1]:** En na de opvang?

**[PERSOON-2]:** Ik zie er als een berg tegenop. Straks moet ik alles alleen regelen en ik weet niet hoe dat moet.
"""


def _docx(path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Interview N01")
    d.add_paragraph("Datum: [DATUM]")
    for label, text in [
        ("I: ", "Hoe was het om hier binnen te komen?"),
        ("R: ", "De eerste nacht hier heb ik eindelijk weer geslapen. Eindelijk veilig."),
        ("I: ", "En de instanties?"),
        ("R: ", "De gemeente zei dat ik bij de SVB moest zijn en de SVB stuurde me terug "
                "naar de gemeente. Van loket naar loket. De kinderbijslag ging nog naar hem."),
        ("I: ", "Wat zou u willen?"),
        ("R: ", "Ik wil inzicht in mijn eigen gegevens, ik weet niet waar ik recht op heb."),
    ]:
        p = d.add_paragraph()
        p.add_run(label).bold = True
        p.add_run(text)
    d.save(str(path))


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("klantreis probeerde het netwerk te gebruiken")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def new_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("nieuw") / "studie"
    assert main(["-q", "init", str(root)]) == 0
    interviews = root / "interviews"
    _docx(interviews / "N01.docx")
    (interviews / "N02.txt").write_bytes(TXT_CP1252.encode("cp1252"))
    (interviews / "N03.vtt").write_text(VTT, encoding="utf-8")
    (interviews / "N04.md").write_text(MD, encoding="utf-8")
    return root


@pytest.mark.slow
def test_run_reads_every_format_and_writes_the_report_offline(new_study, no_network, capsys):
    before = _digest(new_study / "interviews")
    assert main(["-q", "run", str(new_study)]) == 0
    out = capsys.readouterr().out
    assert "Klaar" in out and "report" in out
    reports = new_study / "reports"
    report = next(reports.glob("*.docx"))
    text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    assert "machinesuggesties" in text.split("Inhoud")[0], "suggestions-only is said up front"
    assert (new_study / "personas" / "assignments.csv").exists()
    assert list((reports / "heartbeats").glob("*.png"))
    assert list((reports / "posters").glob("*_A3.pdf"))
    assert _digest(new_study / "interviews") == before, "inputs are never modified"
    # every transcript has a persona: the four formats were all read
    rows = (new_study / "personas" / "assignments.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(r.split(",")[0] for r in rows[1:]) == ["N01", "N02", "N03", "N04"]


@pytest.mark.slow
def test_second_run_skips_unchanged_stages_and_a_change_reruns_downstream(new_study, capsys):
    from klantreis import Study
    from klantreis.pipeline import Pipeline
    if not list((new_study / "reports").glob("*.docx")):
        assert main(["-q", "run", str(new_study)]) == 0
    results, _ = Pipeline(Study.load(new_study)).run()
    writers = {r.name: r for r in results if r.written}
    assert writers and all(r.skipped for r in writers.values())
    findings = new_study / "findings.yaml"
    findings.write_text(findings.read_text(encoding="utf-8") + "\n# aangepast\n",
                        encoding="utf-8")
    results, _ = Pipeline(Study.load(new_study)).run()
    state = {r.name: r.skipped for r in results if r.written}
    assert state["axial"] is True, "a stage upstream of the change is skipped"
    assert state["report"] is False, "the report reads findings.yaml and is rebuilt"


def test_raw_transcript_stops_the_run_before_anything_is_written(make_study, capsys):
    root = make_study({"R01.txt": "I: Hoe heet uw ex?\n\nR: Mijn ex heet Gerrit-Jan Kloosterboer, "
                                  "hij woont aan de Lindelaan 14 in Apeldoorn.\n"})
    assert main(["-q", "run", str(root)]) != 0
    err = capsys.readouterr().err
    assert "R01.txt:3" in err
    assert "Kloosterboer" not in err and "Lindelaan" not in err, "never repeat the data"
    assert not list((root / "reports").rglob("*.*")), "nothing with quotes was written"


def test_empty_study_says_what_to_do(make_study, capsys):
    root = make_study()
    assert main(["-q", "run", str(root)]) == 2
    err = capsys.readouterr().err
    assert "geen transcripten" in err and "interviews" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_researcher_edited_assignments_are_used_and_never_overwritten(new_study):
    from klantreis import Study
    from klantreis.pipeline import Pipeline
    path = new_study / "personas" / "assignments.csv"
    if not path.exists():
        assert main(["-q", "run", str(new_study)]) == 0
    rows = path.read_text(encoding="utf-8").splitlines()
    header, first = rows[0], rows[1].split(",")
    other = next(p for p in ("tessa", "lyna", "rosanna") if p != first[1])
    edited = "\n".join([header, f"{first[0]},{other},1.0,{first[1]}"] + rows[2:]) + "\n"
    path.write_text(edited, encoding="utf-8")
    results, ctx = Pipeline(Study.load(new_study)).run()
    assert path.read_text(encoding="utf-8") == edited, "the researcher's file is kept"
    a = ctx.personas.assignments.set_index("respondent")
    assert a.at[first[0], "persona"] == other and a.at[first[0], "runner_up"] == first[1]
    assert any("handmatig" in n for n in ctx.personas.notes)
    state = {r.name: r.skipped for r in results if r.written}
    assert state["heartbeats"] is False, "downstream stages follow the new assignment"
    path.unlink()                                    # back to the model's assignment
    Pipeline(Study.load(new_study)).run()
    assert path.exists() and path.read_text(encoding="utf-8") != edited


def test_a_study_without_any_codings_gets_a_report_without_personas(make_study, capsys):
    root = make_study({"R01.txt": "I: Hoe gaat het?\n\nR: Goed hoor.\n"})
    assert main(["-q", "run", str(root)]) == 0
    reports = root / "reports"
    assert list(reports.glob("*.docx"))
    assert not (root / "personas" / "assignments.csv").exists()
    assert not list(reports.glob("heartbeats/*")) and not list(reports.glob("posters/*"))


def test_outputs_that_a_stage_no_longer_writes_are_removed(new_study):
    from klantreis import Study
    from klantreis.pipeline import Pipeline
    Pipeline(Study.load(new_study)).run()
    stale = new_study / "reports" / "heartbeats" / "oud_verdwenen.png"
    manifest = new_study / ".klantreis" / "run.json"
    import json
    data = json.loads(manifest.read_text(encoding="utf-8"))
    stale.write_bytes(b"\x89PNG")
    data["heartbeats"]["outputs"].append("reports/heartbeats/oud_verdwenen.png")
    manifest.write_text(json.dumps(data), encoding="utf-8")
    assignments = new_study / "personas" / "assignments.csv"
    Pipeline(Study.load(new_study), force=True).run()
    assert not stale.exists(), "a file the stage no longer writes is gone"
    assert assignments.exists(), "nothing outside reports/ is removed"
