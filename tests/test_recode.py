"""Renaming and merging codes keeps every coding, in the files and in the store."""
from __future__ import annotations

import hashlib

import pytest

from klantreis import KlantreisError, Study
from klantreis.cli import main
from klantreis.coding import CodingSession, study_codings
from klantreis.recode import merge_codes, rename_code
from klantreis.store import Store

TRANSCRIPT = ("I: Hoe ging het met geld?\n\nR: Zes weken heb ik op mijn uitkering gewacht. "
              "De toeslagen liepen nog via hem.\n\nI: En nu?\n\nR: Nu heb ik mijn eigen "
              "bankpas, ik beslis het zelf.\n")


@pytest.fixture
def coded(make_study):
    root = make_study({"R01.txt": TRANSCRIPT})
    (root / "codings" / "A").mkdir(parents=True)
    (root / "codings" / "A" / "R01.yaml").write_text(
        "coder: A\nrespondent: R01\ncodings:\n"
        "  # wachten: kern van de instroom\n"
        "  - code: wachten_op_uitkering\n"
        "    quote: \"Zes weken heb ik op mijn uitkering gewacht.\"\n"
        "    memo: \"zie ook wachten_op_uitkering bij R02\"\n"
        "  - code: toeslagen_via_partner\n"
        "    quote: \"De toeslagen liepen nog via hem.\"\n"
        "  - code: regie_terug\n"
        "    quote: \"Nu heb ik mijn eigen bankpas, ik beslis het zelf.\"\n",
        encoding="utf-8")
    study = Study.load(root)
    with CodingSession(study, "B") as s:       # a coding made in the store only
        s.code("R01", "wachten_op_uitkering", quote="Zes weken")
    return root


def _spans(study):
    with Store(study.store_path) as store:
        return sorted((c.coder, c.start, c.end, c.code) for c in store.codings())


def test_rename_follows_everywhere_and_keeps_layout(coded):
    study = Study.load(coded)
    study_codings(study, "A")                  # the files are synced into the store
    before = _spans(study)
    assert len(before) == 4
    interviews = hashlib.sha256((coded / "interviews" / "R01.txt").read_bytes()).hexdigest()
    result = rename_code(study, "wachten_op_uitkering", "wachten_op_inkomen", who="A")
    assert result.codings == 2
    study = Study.load(coded)
    assert "wachten_op_inkomen" in study.codebook.code_ids()
    assert "wachten_op_uitkering" not in study.codebook.code_ids()
    text = (coded / "codings" / "A" / "R01.yaml").read_text(encoding="utf-8")
    assert "# wachten: kern van de instroom" in text, "comments stay"
    assert "code: wachten_op_inkomen" in text and "wachten_op_uitkering" not in text
    after = _spans(study)
    assert [a[:3] for a in after] == [b[:3] for b in before], "every passage is kept"
    assert {a[3] for a in after} == {"wachten_op_inkomen", "toeslagen_via_partner",
                                     "regie_terug"}
    # a sync of the rewritten file keeps the same codings (no duplicates, nothing lost)
    assert len(study_codings(study, "A")) == 3
    assert hashlib.sha256((coded / "interviews" / "R01.txt").read_bytes()).hexdigest() == \
        interviews, "transcripts are never touched"
    for path in [coded / "findings.yaml", *(coded / "personas").glob("*.yaml"),
                 *(coded / "journeys").glob("*.yaml")]:
        assert "wachten_op_uitkering" not in path.read_text(encoding="utf-8"), path.name
    with Store(study.store_path) as store:
        assert store.events(action="code.rename")


def test_merge_removes_the_definition_and_keeps_the_codings(coded):
    study = Study.load(coded)
    n_codes = len(study.codebook.codes)
    result = merge_codes(study, ["toeslagen_via_partner"], "wachten_op_uitkering", who="A")
    assert result.codings == 1
    study = Study.load(coded)
    assert len(study.codebook.codes) == n_codes - 1
    assert "toeslagen_via_partner" not in study.codebook.code_ids()
    codes = [c.code for c in study_codings(study, "A")]
    assert sorted(codes) == ["regie_terug", "wachten_op_uitkering", "wachten_op_uitkering"]
    for persona in study.personas:
        assert len(persona.codes) == len(set(persona.codes)), "no duplicate ids in lists"


def test_refusals_change_nothing(coded):
    study = Study.load(coded)
    snapshot = {p: p.read_bytes() for p in coded.rglob("*.yaml")}
    with pytest.raises(KlantreisError, match="bestaat al"):
        rename_code(study, "wachten_op_uitkering", "regie_terug")
    with pytest.raises(KlantreisError, match="niet in het codeboek"):
        rename_code(study, "bestaat_niet", "iets")
    with pytest.raises(KlantreisError, match="geen geldige"):
        rename_code(study, "regie_terug", "Regie Terug")
    with pytest.raises(KlantreisError, match="bestaande code"):
        merge_codes(study, ["regie_terug"], "nieuw_ding")
    assert {p: p.read_bytes() for p in coded.rglob("*.yaml")} == snapshot


def test_cli_rename_and_merge(coded, capsys):
    assert main(["-q", "code", str(coded), "--rename", "regie_terug", "regie_herwonnen"]) == 0
    assert "bijgewerkt: codebook.yaml" in capsys.readouterr().out
    assert main(["-q", "code", str(coded), "--merge", "regie_herwonnen"]) == 2
    assert "--into" in capsys.readouterr().err
