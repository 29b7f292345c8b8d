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
