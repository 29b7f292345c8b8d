"""The respondent table: CSV dialects and encodings, xlsx, typing, duplicates, warnings."""
from __future__ import annotations

from pathlib import Path

import pytest

from klantreis import Study
from klantreis.errors import InputError, SchemaError
from klantreis.respondents import load_respondents, parse_value
from klantreis.transcripts import import_study

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


@pytest.mark.parametrize("raw,expected", [
    ("34", 34), ("-2", -2), ("3.5", 3.5), ("ja", True), ("Nee", False), ("yes", True),
    ("NO", False), ("true", True), ("False", False), ("", None), ("  ", None), (None, None),
    ("0612", "0612"), ("Eritrea", "Eritrea"), ("face-to-face", "face-to-face"),
])
def test_parse_value(raw, expected):
    value = parse_value(raw)
    assert value == expected and type(value) is type(expected)


def test_decimal_comma_only_in_semicolon_files():
    assert parse_value("3,5", decimal_comma=True) == 3.5
    assert parse_value("3,5", decimal_comma=False) == "3,5"


def test_comma_csv_typed_values_and_frame(tmp_path):
    path = write(tmp_path / "respondenten.csv",
                 "id,leeftijd,kinderen,herkomst,tolk,opmerking\n"
                 "R01,34,2,Nederland,nee,\n"
                 "R02,26,1,Eritrea,ja,eerste gesprek verzet\n")
    table = load_respondents(path)
    assert table.ids == ["R01", "R02"]
    assert table.attributes("R01") == {"leeftijd": 34, "kinderen": 2, "herkomst": "Nederland",
                                       "tolk": False, "opmerking": None}
    assert table.attributes("R99") == {}
    frame = table.frame
    assert list(frame.index) == ["R01", "R02"] and frame.index.name == "id"
    assert frame.loc["R02", "leeftijd"] == 26
    assert str(frame["tolk"].dtype) == "boolean"
    assert frame["leeftijd"].sum() == 60
    assert table.warnings == []


def test_semicolon_cp1252_crlf_with_bom_less_excel_export(tmp_path):
    text = ("Id;Leeftijd;Herkomst;Inkomen per maand;Tolk\n"
            "R01;34;Nederland;1.250,5;Nee\n"
            "R05;29;Syrië;980,25;Ja\n")
    path = write(tmp_path / "respondenten.csv", text, encoding="cp1252", newline="\r\n")
    table = load_respondents(path)
    assert table.columns == ["id", "leeftijd", "herkomst", "inkomen per maand", "tolk"]
    assert table.attributes("R05") == {"leeftijd": 29, "herkomst": "Syrië",
                                       "inkomen per maand": 980.25, "tolk": True}
    # a thousands separator is not a number we can trust: kept as text
    assert table.attributes("R01")["inkomen per maand"] == "1.250,5"


def test_utf8_bom_header(tmp_path):
    path = write(tmp_path / "respondenten.csv", "id,leeftijd\nR01,30\n", encoding="utf-8-sig")
    assert load_respondents(path).attributes("R01") == {"leeftijd": 30}


def test_identical_duplicate_is_a_warning_conflicting_one_an_error(tmp_path):
    path = write(tmp_path / "respondenten.csv", "id,leeftijd\nR01,30\nR02,31\nR01,30\n")
    table = load_respondents(path)
    assert table.ids == ["R01", "R02"]
    assert table.warnings == ["respondenten.csv, regel 4: respondent 'R01' staat dubbel "
                              "(zelfde waarden; regel 2)"]
    write(path, "id,leeftijd\nR01,30\nR02,31\n\nR01,33\n")
    with pytest.raises(SchemaError) as info:
        load_respondents(path)
    assert info.value.line == 5 and "respondenten.csv" in str(info.value)
    assert "regel 2" in str(info.value)


@pytest.mark.parametrize("text,line,fragment", [
    ("naam,leeftijd\nR01,30\n", 1, "kolom 'id' ontbreekt"),
    ("id,leeftijd\nR01,30\n,31\n", 3, "rij zonder id"),
    ("id,leeftijd,leeftijd\nR01,30,30\n", 1, "twee keer"),
    ("id,leeftijd\nR01,30,40,50\n", 2, "meer waarden"),
])
def test_schema_errors_have_file_and_line(tmp_path, text, line, fragment):
    path = write(tmp_path / "respondenten.csv", text)
    with pytest.raises(SchemaError) as info:
        load_respondents(path)
    assert info.value.line == line
    assert fragment in str(info.value) and "respondenten.csv" in str(info.value)


def test_empty_and_binary_tables_are_refused(tmp_path):
    with pytest.raises(InputError, match="respondenten.csv.*lege"):
        load_respondents(write(tmp_path / "respondenten.csv", "\n\n"))
    bad = tmp_path / "x" / "respondenten.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"dit is geen excel")
    with pytest.raises(InputError, match="respondenten.xlsx.*Excel"):
        load_respondents(bad)


def test_xlsx_with_typed_cells(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "leeftijd", "tolk", "herkomst", "score"])
    ws.append(["R01", 34, "nee", "Nederland", 3.5])
    ws.append([None, None, None, None, None])
    ws.append(["R02", "26", True, "Eritrea", None])
    path = tmp_path / "interviews" / "respondenten.xlsx"
    path.parent.mkdir()
    wb.save(path)
    table = load_respondents(tmp_path / "interviews")
    assert table.attributes("R01") == {"leeftijd": 34, "tolk": False, "herkomst": "Nederland",
                                       "score": 3.5}
    assert table.attributes("R02") == {"leeftijd": 26, "tolk": True, "herkomst": "Eritrea",
                                       "score": None}
    assert table.lines == {"R01": 2, "R02": 4}


def test_missing_table_is_empty_not_an_error(tmp_path):
    table = load_respondents(tmp_path)
    assert len(table) == 0 and table.attributes("R01") == {}
    assert table.check_transcripts(["R01"]) == []


def test_transcripts_and_rows_are_cross_checked(make_study):
    root = make_study({
        "R01.txt": "I: Hoe gaat het?\nR: Goed.\n",
        "R02.txt": "I: Hoe gaat het?\nR: Goed.\n",
        "respondenten.csv": "id,leeftijd\nR01,30\nR03,40\n",
    })
    result = import_study(Study.load(root))
    assert "respondenten.csv, regel 3: respondent 'R03' heeft geen transcript" in result.warnings
    assert "respondenten.csv: geen rij voor 1 transcript(en): R02" in result.warnings
    assert result.transcripts[0].attributes == {"leeftijd": 30}
    assert result.transcripts[1].attributes == {}


def test_bundled_table_matches_the_bundled_transcripts():
    if not (ROOT / "study.yaml").exists() or len(list((ROOT / "interviews").glob("R*.*"))) < 16:
        pytest.skip("meegeleverde studie niet compleet")
    table = load_respondents(Study.load(ROOT))
    assert len(table) == 16
    assert table.frame["leeftijd"].between(16, 70).all()
    assert set(table.frame["tolk"].unique()) <= {True, False}


# --- table names, study.yaml setting, one import (review fixes) -------------------------------

def _xlsx(path: Path, rows: list[list]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.mark.parametrize("name", ["respondents.csv", "Respondenten.CSV", "respondenten.xlsm",
                                  "respondents.xlsx", "respondents.xlsm"])
def test_every_table_name_is_found_and_is_no_transcript(make_study, name):
    files = {"R01.txt": "I: Hoe gaat het?\nR: Goed.\n"}
    if name.lower().endswith(".csv"):
        files[name] = "id,leeftijd\nR01,30\n"
    root = make_study(files)
    if not name.lower().endswith(".csv"):
        _xlsx(root / "interviews" / name, [["id", "leeftijd"], ["R01", 30]])
    study = Study.load(root)
    assert study.respondents.path.name == name
    assert study.transcripts[0].attributes == {"leeftijd": 30}
    assert [t.respondent_id for t in study.transcripts] == ["R01"]
    assert study.imported.warnings == []


def test_table_named_in_study_yaml(make_study):
    root = make_study({"R01.txt": "I: Hoe gaat het?\nR: Goed.\n",
                       "respondenten.csv": "id,leeftijd\nR01,99\n"},
                      respondent_table="interviews/deelnemers.xlsx")
    _xlsx(root / "interviews" / "deelnemers.xlsx", [["id", "leeftijd"], ["R01", 30]])
    study = Study.load(root)
    assert study.config.respondent_table == "interviews/deelnemers.xlsx"
    assert study.respondents.path.name == "deelnemers.xlsx"
    assert study.transcripts[0].attributes == {"leeftijd": 30}
    assert not any("deelnemers.xlsx" in w and "overgeslagen" in w
                   for w in study.imported.warnings)
    assert any("respondenten.csv: genegeerd" in w for w in study.imported.warnings)


@pytest.mark.parametrize("value,fragment", [
    ("interviews/bestaat-niet.xlsx", "bestaat niet"),
    ("interviews/deelnemers.txt", "moet een"),
    ("../buiten.csv", "in de studiemap"),
])
def test_bad_respondent_table_setting_names_the_line(make_study, value, fragment):
    root = make_study({}, respondent_table=value)
    (root.parent / "buiten.csv").write_text("id\nR01\n", encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        Study.load(root)
    assert "study.yaml" in str(info.value) and fragment in str(info.value)
    line = next(i for i, row in enumerate((root / "study.yaml").read_text(
        encoding="utf-8").splitlines(), 1) if row.startswith("respondent_table"))
    assert info.value.line == line


def test_study_imports_once_and_keeps_the_warnings(make_study, monkeypatch):
    from klantreis import respondents, transcripts
    root = make_study({"R01.txt": "I: Hoe gaat het?\nR: Goed.\n",
                       "R02.txt": "I: Hoe gaat het?\nR: Goed.\n",
                       "opname.mp3": b"ID3\x00",
                       "respondenten.csv": "id,leeftijd\nR01,30\nR03,40\n"})
    study = Study.load(root)
    calls = {"import": 0, "table": 0}
    real_import, real_load = transcripts.import_study, respondents.load_respondents

    def counting_import(s):
        calls["import"] += 1
        return real_import(s)

    def counting_load(s):
        calls["table"] += 1
        return real_load(s)

    monkeypatch.setattr(transcripts, "import_study", counting_import)
    monkeypatch.setattr(respondents, "load_respondents", counting_load)
    assert [t.respondent_id for t in study.transcripts] == ["R01", "R02"]
    table = study.respondents
    frame, table_warnings = respondents.attribute_frame(study)
    assert calls == {"import": 1, "table": 1}
    assert table is study.imported.respondents and study.transcripts is study.imported.transcripts
    warnings = study.imported.warnings
    assert any("opname.mp3" in w for w in warnings)
    assert warnings.count("respondenten.csv, regel 3: respondent 'R03' heeft geen "
                          "transcript") == 1
    assert "respondenten.csv: geen rij voor 1 transcript(en): R02" in warnings
    assert list(frame.index) == ["R01", "R03"] and table_warnings == table.warnings


def test_check_transcripts_twice_does_not_repeat_its_remarks(tmp_path):
    path = write(tmp_path / "respondenten.csv", "id,leeftijd\nR01,30\nR01,30\nR02,31\n")
    table = load_respondents(path)
    first = table.check_transcripts(["R01", "R09"])
    again = table.check_transcripts(["R01", "R09"])
    assert first == again and len(first) == 2
    assert len(table.warnings) == 3         # the duplicate row + the two remarks, once each
    table.check_transcripts(["R01", "R02"])
    assert len(table.warnings) == 1


def test_one_yes_no_vocabulary():
    from klantreis.respondents import BOOL_WORDS, FALSE_WORDS, TRUE_WORDS, parse_bool
    assert TRUE_WORDS | FALSE_WORDS == BOOL_WORDS and not TRUE_WORDS & FALSE_WORDS
    for word in BOOL_WORDS:
        assert parse_value(word.upper()) is (word in TRUE_WORDS)
        assert parse_bool(f" {word} ") is (word in TRUE_WORDS)
    # single letters are no yes/no (a column of initials or "v"/"m" stays text)
    assert parse_value("j") == "j" and parse_value("n") == "n" and parse_value("y") == "y"
    assert parse_bool("j") is None and parse_bool(3) is None and parse_bool(False) is False
