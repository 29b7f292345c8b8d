"""Study folders, YAML validation with file:line messages, init, the CLI's error handling."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from klantreis import KlantreisError, Study, init_study
from klantreis.cli import main
from klantreis.errors import SchemaError
from klantreis.study import load_persona
from klantreis.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_yaml_lines_are_tracked(tmp_path):
    doc = load_yaml(write(tmp_path / "a.yaml", """
        name: x
        items:
          - id: a
          - id: b
            codes: 3
        """))
    assert doc.line("items", 1, "codes") == 5
    assert doc.line("items", 0) == 3


def test_persona_error_names_file_line_and_field(tmp_path):
    path = write(tmp_path / "personas" / "tessa.yaml", """
        id: tessa
        name: Tessa
        description: test
        attributes: {}
        needs: []
        goals: []
        codes: wachten
        """)
    with pytest.raises(SchemaError) as err:
        load_persona(path)
    msg = str(err.value)
    assert "tessa.yaml" in msg and "regel 7" in msg and "'codes' moet een lijst zijn" in msg


def test_unknown_key_is_refused_with_line(tmp_path):
    path = write(tmp_path / "p.yaml", """
        id: x
        name: X
        cods: [a]
        """)
    with pytest.raises(SchemaError, match=r"regel 3: onbekend veld 'cods'"):
        load_persona(path)


def test_broken_yaml_gives_line(tmp_path):
    path = write(tmp_path / "p.yaml", "id: x\nname: [unclosed\n")
    with pytest.raises(SchemaError, match="geen geldige YAML"):
        load_persona(path)


def test_init_creates_a_loadable_study_and_refuses_to_overwrite(tmp_path):
    target = init_study(tmp_path / "nieuw")
    study = Study.load(target)
    assert (target / "interviews").is_dir() and not any((target / "interviews").iterdir())
    assert study.codebook.codes, "a new study starts from the bundled codebook"
    assert study.journeys and study.personas
    before = (target / "study.yaml").read_bytes()
    with pytest.raises(KlantreisError, match="al een studiemap"):
        init_study(target)
    assert (target / "study.yaml").read_bytes() == before


def test_init_refuses_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "iets.txt").write_text("a")
    with pytest.raises(KlantreisError, match="niet leeg"):
        init_study(tmp_path / "x")


def test_bad_codebook_phase_is_reported(tmp_path):
    target = init_study(tmp_path / "s")
    cb = target / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    first_phase_line = next(i for i, line in enumerate(text.splitlines(), 1)
                            if line.strip().startswith("phases:"))
    lines = text.splitlines()
    indent = lines[first_phase_line - 1][: len(lines[first_phase_line - 1]) -
                                          len(lines[first_phase_line - 1].lstrip())]
    lines[first_phase_line - 1] = f"{indent}phases: [maanlanding]"
    cb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        Study.load(target)
    assert "codebook.yaml" in str(err.value) and f"regel {first_phase_line}" in str(err.value)
    assert "maanlanding" in str(err.value)


def test_cli_user_error_is_one_line_and_non_zero(tmp_path, capsys):
    code = main(["run", str(tmp_path / "bestaat-niet")])
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err and "bestaat niet" in err


def test_cli_missing_study_yaml(tmp_path, capsys):
    code = main(["run", str(tmp_path)])
    assert code != 0
    assert "geen study.yaml" in capsys.readouterr().err


def test_console_script_runs_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "klantreis.cli", "run", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr


def test_bundled_study_loads():
    study = Study.load(ROOT)
    assert study.config.title
    assert {p.id for p in study.personas} >= {"tessa", "lyna", "rosanna"}
    assert study.journey.phase_ids()[0] == "voor_opvang"
    findings = study.findings
    assert findings.findings and findings.recommendations


# --- review fixes: duplicate keys, blocks of study.yaml, ids, journeys, OSErrors -----------

def line_of(path: Path, start: str, nth: int = 1) -> int:
    hits = [i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if row.lstrip().startswith(start)]
    return hits[nth - 1]


def test_duplicate_yaml_keys_are_refused_naming_both_lines(tmp_path):
    path = write(tmp_path / "p.yaml", """
        id: x
        name: X
        codes: [a]
        description: iets
        codes: [b]
        """)
    with pytest.raises(SchemaError) as err:
        load_yaml(path)
    msg = str(err.value)
    assert err.value.line == 5 and "p.yaml" in msg
    assert "'codes'" in msg and "regel 3" in msg and "regel 5" in msg
    nested = write(tmp_path / "q.yaml", "a:\n  b: 1\n  c: 2\n  b: 3\nd: {b: 1}\n")
    with pytest.raises(SchemaError, match=r"regel 4: sleutel 'b'.*regel 2 en regel 4"):
        load_yaml(nested)
    load_yaml(write(tmp_path / "ok.yaml", "a: {b: 1}\nc: {b: 2}\nd: [{b: 1}, {b: 2}]\n"))


@pytest.mark.parametrize("block,key,fragment", [
    ("anonymization:\n  keep_ages: true\n  keep_agez: false\n", "keep_agez",
     "onbekende instelling 'anonymization.keep_agez'"),
    ("anonymization:\n  keep_ages: ja\n", "keep_ages", "moet true of false zijn"),
    ("coding:\n  primary_coder: A\n  primary_codr: B\n", "primary_codr", "onbekend veld"),
    ("coding:\n  primary_coder: [A, B]\n", "primary_coder", "'primary_coder' moet"),
])
def test_anonymization_and_coding_blocks_are_validated_with_lines(tmp_path, block, key,
                                                                  fragment):
    target = init_study(tmp_path / "s")
    path = target / "study.yaml"
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("anonymization:")]
    path.write_text(head + block, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        Study.load(target)
    assert "study.yaml" in str(err.value) and fragment in str(err.value)
    assert err.value.line == line_of(path, f"{key}:")


def test_primary_coder_number_is_text(tmp_path):
    target = init_study(tmp_path / "s")
    path = target / "study.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("primary_coder: A",
                                                             "primary_coder: 1"),
                    encoding="utf-8")
    assert Study.load(target).config.coding == {"primary_coder": "1"}


def test_duplicate_persona_ids_are_refused(tmp_path):
    target = init_study(tmp_path / "s")
    text = (target / "personas" / "tessa.yaml").read_text(encoding="utf-8")
    (target / "personas" / "tessa2.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        Study.load(target)
    msg = str(err.value)
    assert "tessa2.yaml" in msg and "tessa.yaml" in msg and "'tessa'" in msg
    assert err.value.line == line_of(target / "personas" / "tessa2.yaml", "id:")


def test_persona_attributes_are_typed_like_the_respondent_table(tmp_path):
    path = write(tmp_path / "p.yaml", """
        id: x
        name: X
        attributes: {tolk: nee, kinderen: "2", leeftijd: [25, 50], herkomst: Nederland, werk: Ja}
        """)
    assert load_persona(path).attributes == {"tolk": False, "kinderen": 2,
                                             "leeftijd": [25, 50], "herkomst": "Nederland",
                                             "werk": True}


def test_journey_code_map_keys_must_be_codebook_codes(tmp_path):
    target = init_study(tmp_path / "s")
    path = target / "journeys" / "vrouwenopvang.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  moeilijke_jeugd:", "  moeilijke_jeugt:"), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        Study.load(target)
    assert "vrouwenopvang.yaml" in str(err.value) and "moeilijke_jeugt" in str(err.value)
    assert err.value.line == line_of(path, "moeilijke_jeugt:")


def test_step_organisations_must_be_text(tmp_path):
    from klantreis.study import load_journey
    target = init_study(tmp_path / "s")
    path = target / "journeys" / "vrouwenopvang.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("organisations: [Veilig Thuis, politie]",
                                 "organisations: [Veilig Thuis, {politie: ja}]", 1),
                    encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_journey(path)
    assert "organisations[1]" in str(err.value)
    assert err.value.line == line_of(path, "organisations: [Veilig Thuis, {politie")


def _findings(tmp_path: Path, body: str):
    from klantreis.findings import load_findings
    study = Study.load(init_study(tmp_path / "s"))
    path = write(tmp_path / "findings.yaml", body)
    return lambda: load_findings(path, study.codebook)


@pytest.mark.parametrize("body,line,fragment", [
    ("""
     findings:
       - {id: a, title: A, codes: [wachten_op_uitkering]}
       - {id: a, title: B, codes: [wachten_op_uitkering]}
     """, 3, "bevinding 'a' staat twee keer"),
    ("""
     recommendations:
       - {id: r, text: T, audience: overheid, kind: quick win, answers: [wachten_op_uitkering]}
       - {id: r, text: U, audience: overheid, kind: quick win, answers: [wachten_op_uitkering]}
     """, 3, "aanbeveling 'r' staat twee keer"),
    ("""
     themes:
       - {id: t, name: T, codes: [wachten_op_uitkering]}
       - {id: t, name: U, codes: [wachten_op_uitkering]}
     """, 3, "thema 't' staat twee keer"),
    ("""
     recommendations:
       - id: r
         text: T
         audience: overheid
         kind: quick win
         answers: [wachten_op_uitkering]
         desired_valence: 5
     """, 7, "'desired_valence' moet tussen -3 en 3"),
])
def test_findings_ids_and_valence_are_validated(tmp_path, body, line, fragment):
    load = _findings(tmp_path, body)
    with pytest.raises(SchemaError) as err:
        load()
    assert fragment in str(err.value) and "findings.yaml" in str(err.value)
    assert err.value.line == line


def test_init_on_a_file_is_one_line(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    for target in (afile, afile / "sub"):
        assert main(["init", str(target)]) != 0
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert "geen map" in err
    assert afile.read_text() == "x"
    with pytest.raises(KlantreisError, match="geen map"):
        from klantreis import copy_study
        copy_study(ROOT, afile)


def test_os_errors_are_one_line_with_file_and_reason(tmp_path, capsys, monkeypatch):
    import klantreis.study as study_module

    def denied(target, template=None):
        raise PermissionError(13, "Permission denied", str(tmp_path / "geheim"))

    monkeypatch.setattr(study_module, "init_study", denied)
    code = main(["init", str(tmp_path / "nieuw")])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert err.strip() == f"klantreis init: {tmp_path / 'geheim'}: Permission denied"
    proc = subprocess.run([sys.executable, "-m", "klantreis.cli", "init",
                           str(tmp_path / "x" / "y")], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0      # a normal new folder still works
    (tmp_path / "blok").write_text("")
    proc = subprocess.run([sys.executable, "-m", "klantreis.cli", "check",
                           str(tmp_path / "blok")], capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_display_path_relative_to_a_root(tmp_path, monkeypatch):
    from klantreis.errors import display_path
    monkeypatch.chdir(tmp_path)
    study = tmp_path / "studie"
    inside = study / "interviews" / "R01.txt"
    assert display_path(inside, study) == str(Path("interviews") / "R01.txt")
    assert display_path(inside) == str(Path("studie") / "interviews" / "R01.txt")
    assert display_path(Path("/elders/x.txt"), study) == "/elders/x.txt"


def test_role_names_are_the_model_roles():
    from klantreis.models import ROLES
    from klantreis.study import ROLE_NAMES
    assert ROLE_NAMES is ROLES
