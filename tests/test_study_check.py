"""``klantreis check``: a broken study is never OK (findings, codings, study.yaml blocks,
no transcripts), and the store is never written while checking."""
from __future__ import annotations

from pathlib import Path

import pytest

from klantreis.cli import main

ROOT = Path(__file__).resolve().parents[1]
INTERVIEW = ("I: Hoe ging het met de uitkering?\n"
             "R: Ik heb zes weken gewacht op mijn uitkering. Dat was zwaar.\n")


def check(root: Path, capsys) -> tuple[int, str, str]:
    code = main(["-q", "check", str(root)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def codings(root: Path, coder: str, rid: str, body: str) -> Path:
    path = root / "codings" / coder / f"{rid}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def test_a_good_study_is_ok_and_reads_its_codings(make_study, capsys):
    root = make_study({"R01.txt": INTERVIEW})
    codings(root, "A", "R01", "coder: A\nrespondent: R01\ncodings:\n"
                              "  - code: wachten_op_uitkering\n"
                              "    quote: zes weken gewacht op mijn uitkering\n")
    code, out, err = check(root, capsys)
    assert code == 0, err
    assert "Coderingen: 1 bestanden, 1 coderingen" in out
    assert out.rstrip().endswith("OK: de studiemap is in orde.")
    assert not (root / ".klantreis" / "store.sqlite").exists()


def test_no_transcripts_is_not_ok(make_study, capsys):
    root = make_study({})
    code, out, _ = check(root, capsys)
    assert code == 1
    assert "Transcripten: geen" in out and "NIET OK" in out
    assert "OK: de studiemap is in orde." not in out


@pytest.mark.parametrize("body,line,fragment", [
    ("coder: A\nrespondent: R01\ncodings:\n  - code: wachten_op_uitkerin\n"
     "    quote: zes weken gewacht\n", 4, "wachten_op_uitkering"),
    ("coder: A\nrespondent: R01\ncodings:\n  - code: wachten_op_uitkering\n"
     "    quote: dit staat er niet in\n", 5, "R01"),
    ("coder: A\nrespondent: R09\ncodings: []\n", 2, "R09"),
])
def test_broken_codings_files_are_named_with_line(make_study, capsys, body, line, fragment):
    root = make_study({"R01.txt": INTERVIEW})
    codings(root, "A", "R01", body)
    codings(root, "B", "R01", "coder: B\nrespondent: R01\ncodings:\n  - code: onbekend\n"
                              "    quote: zwaar\n")
    code, out, err = check(root, capsys)
    assert code == 2
    assert f"codings/A/R01.yaml, regel {line}" in err and fragment in err
    assert "codings/B/R01.yaml, regel 4" in err           # every file, not only the first
    assert "NIET OK: 2 problemen" in out
    assert "Ik heb zes weken" not in out + err           # never transcript text
    assert not (root / ".klantreis" / "store.sqlite").exists()


def test_findings_with_an_unknown_code_are_not_ok(make_study, capsys):
    root = make_study({"R01.txt": INTERVIEW})
    (root / "findings.yaml").write_text(
        "findings:\n  - id: a\n    title: A\n    codes: [bestaat_niet]\n", encoding="utf-8")
    code, out, err = check(root, capsys)
    assert code == 2
    assert "findings.yaml, regel 4" in err and "bestaat_niet" in err
    assert "NIET OK" in out


def test_bad_study_yaml_blocks_stop_the_check(make_study, capsys):
    root = make_study({"R01.txt": INTERVIEW}, anonymization={"keep_age": True})
    code, _, err = check(root, capsys)
    assert code == 2 and "anonymization.keep_age" in err and "regel" in err


def test_primary_coder_without_codings_is_a_warning(make_study, capsys):
    root = make_study({"R01.txt": INTERVIEW}, coding={"primary_coder": "Z"})
    assert "primary_coder" not in check(root, capsys)[1]     # nothing coded yet: no remark
    codings(root, "A", "R01", "coder: A\nrespondent: R01\ncodings: []\n")
    code, out, _ = check(root, capsys)
    assert code == 0
    assert "coding.primary_coder 'Z' heeft (nog) geen map codings/Z/" in out


def test_the_bundled_study_checks_ok(capsys):
    if len(list((ROOT / "interviews").glob("R*.*"))) < 16:
        pytest.skip("de meegeleverde transcripten zijn (nog) niet aanwezig")
    code, out, err = check(ROOT, capsys)
    assert code == 0, err
    assert "Transcripten: 16" in out and "Coderingen: 20 bestanden" in out


def test_a_finding_named_like_a_code_is_a_warning(make_study, capsys):
    root = make_study({"R01.txt": INTERVIEW})
    (root / "findings.yaml").write_text(
        "findings:\n  - id: wachten_op_uitkering\n    title: A\n"
        "    codes: [wachten_op_uitkering]\n", encoding="utf-8")
    code, out, _ = check(root, capsys)
    assert code == 0
    assert "bevinding 'wachten_op_uitkering' heeft dezelfde id als een code" in out
