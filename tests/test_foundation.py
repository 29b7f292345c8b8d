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
