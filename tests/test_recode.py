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


# --- ids that are ordinary words, and only where an id sits ------------------------------------

WORDS = ("I: En de kinderen?\n\nR: De jeugdhulp kwam pas na maanden. Jeugdhulp en "
         "schuldhulpverlening zaten allebei vol.\n\nI: En de schulden?\n\nR: Bij de "
         "schuldhulpverlening stond ik op een wachtlijst.\n")


@pytest.fixture
def wordy(make_study):
    """A study where the ids 'jeugdhulp' and 'schuldhulpverlening' are also ordinary words:
    in the transcript (so in quotes), in organisation lists, cues and examples."""
    root = make_study({"R01.txt": WORDS})
    (root / "codings" / "A").mkdir(parents=True)
    (root / "codings" / "A" / "R01.yml").write_text(
        "coder: A\nrespondent: R01\ncodings:\n"
        "  - code: jeugdhulp\n"
        "    quote: \"De jeugdhulp kwam pas na maanden.\"\n"
        "    memo: \"jeugdhulp traag; zie ook wachten_op_therapie\"\n"
        "  - code: schuldhulpverlening\n"
        "    quote: \"Bij de schuldhulpverlening stond ik op een wachtlijst.\"\n",
        encoding="utf-8")
    (root / "findings.yaml").write_text(
        "findings:\n"
        "  - id: traag\n"
        "    title: Hulp voor de kinderen komt traag op gang\n"
        "    text: Vaak genoemd bij jeugdhulp en wachten_op_therapie.\n"
        "    codes: [jeugdhulp, wachten_op_therapie]\n"
        "recommendations:\n"
        "  - id: sneller\n"
        "    text: Sneller hulp voor kinderen.\n"
        "    audience: jeugdhulp\n"
        "    organisations: [jeugdhulp, gemeente]\n"
        "    kind: quick win\n"
        "    answers: [traag, jeugdhulp, schuldhulpverlening]\n"
        "themes:\n"
        "  - id: hulp\n"
        "    name: Hulp\n"
        "    codes:\n"
        "      - schuldhulpverlening\n"
        "      - jeugdhulp\n",
        encoding="utf-8")
    return root


def test_an_id_that_is_an_ordinary_word_changes_only_where_it_is_an_id(wordy):
    study = Study.load(wordy)
    before = {p: p.read_text(encoding="utf-8") for p in wordy.rglob("*.y*ml")}
    result = rename_code(study, "schuldhulpverlening", "hulp_bij_schulden", who="A")
    assert result.codings == 1
    study = Study.load(wordy)
    book = study.codebook
    assert "hulp_bij_schulden" in book.code_ids() and "schuldhulpverlening" not in book.code_ids()
    # the word stays a word: organisations, cues, examples, journeys, quotes
    assert "schuldhulpverlening" in book.code("hulp_bij_schulden").organisations
    journey = (wordy / "journeys" / "vrouwenopvang.yaml").read_text(encoding="utf-8")
    assert journey == before[wordy / "journeys" / "vrouwenopvang.yaml"]
    assert "schuldhulpverlening" in study.journey.organisations
    codings = (wordy / "codings" / "A" / "R01.yml").read_text(encoding="utf-8")
    assert "code: hulp_bij_schulden" in codings
    assert "Bij de schuldhulpverlening stond ik" in codings, "quotes are never touched"
    findings = (wordy / "findings.yaml").read_text(encoding="utf-8")
    assert "answers: [traag, jeugdhulp, hulp_bij_schulden]" in findings
    assert "      - hulp_bij_schulden\n      - jeugdhulp\n" in findings
    # the rewritten .yml file syncs onto the same store codings
    assert sorted(c.code for c in study_codings(study, "A")) == ["hulp_bij_schulden",
                                                                 "jeugdhulp"]
    with Store(study.store_path) as store:
        assert len(store.codings(coder="A")) == 2


def test_organisations_cues_and_examples_keep_the_word(wordy):
    study = Study.load(wordy)
    rename_code(study, "jeugdhulp", "hulp_voor_kinderen", who="A")
    findings = (wordy / "findings.yaml").read_text(encoding="utf-8")
    assert "  - id: traag\n" in findings
    assert "codes: [hulp_voor_kinderen, wachten_op_therapie]" in findings
    assert "answers: [traag, hulp_voor_kinderen, schuldhulpverlening]" in findings
    assert "audience: jeugdhulp" in findings and "organisations: [jeugdhulp, gemeente]" in findings
    assert "Vaak genoemd bij jeugdhulp en" in findings, "an ordinary word in text stays"
    codings = (wordy / "codings" / "A" / "R01.yml").read_text(encoding="utf-8")
    assert 'memo: "jeugdhulp traag;' in codings
    assert "De jeugdhulp kwam pas" in codings
    book = Study.load(wordy).codebook
    assert book.code("hulp_voor_kinderen").cues[0] == "jeugdhulp", "cues are lemmas, not ids"
    assert any("jeugdhulp" in e for e in book.code("hulp_voor_kinderen").examples)


def test_identifier_like_ids_follow_in_the_researchers_texts(wordy):
    study = Study.load(wordy)
    rename_code(study, "wachten_op_therapie", "wachtlijst_therapie", who="A")
    findings = (wordy / "findings.yaml").read_text(encoding="utf-8")
    assert "Vaak genoemd bij jeugdhulp en wachtlijst_therapie." in findings
    codings = (wordy / "codings" / "A" / "R01.yml").read_text(encoding="utf-8")
    assert "zie ook wachtlijst_therapie" in codings
    codebook = (wordy / "codebook.yaml").read_text(encoding="utf-8")
    assert "wachten_op_therapie" not in codebook          # id and the cross-references


def test_merge_dedupes_lists_drops_code_map_entries_and_keeps_layout(wordy):
    journey_path = wordy / "journeys" / "vrouwenopvang.yaml"
    journey = journey_path.read_text(encoding="utf-8")
    assert "  wachten_op_therapie: {phase: verblijf, step: therapie}\n" in journey
    assert "  groepstherapie: {phase: verblijf, step: therapie}\n" in journey
    persona = wordy / "personas" / "lyna.yaml"
    persona.write_text(persona.read_text(encoding="utf-8").replace(
        "  - groepstherapie\n", "  - groepstherapie\n  - wachten_op_therapie  # wacht\n"),
        encoding="utf-8")
    study = Study.load(wordy)
    merge_codes(study, ["wachten_op_therapie"], "groepstherapie", who="A")
    study = Study.load(wordy)
    assert "wachten_op_therapie" not in study.codebook.code_ids()
    text = journey_path.read_text(encoding="utf-8")
    assert "wachten_op_therapie" not in text and \
        "  groepstherapie: {phase: verblijf, step: therapie}\n" in text
    assert text.startswith("# De klantreis van vrouwen"), "comments stay"
    lyna = next(p for p in study.personas if p.id == "lyna")
    assert lyna.codes.count("groepstherapie") == 1
    assert "# wacht" not in persona.read_text(encoding="utf-8")
    findings = study.findings
    assert findings.findings[0].codes == ["jeugdhulp", "groepstherapie"]


def test_merging_every_code_of_a_category_leaves_an_empty_list(make_study):
    root = make_study({"R01.txt": TRANSCRIPT})
    study = Study.load(root)
    category = study.codebook.categories[-1]
    ids = [c.id for c in category.codes]
    target = study.codebook.categories[0].codes[0].id
    merge_codes(study, ids, target, who="A")
    study = Study.load(root)
    assert study.codebook.category(category.id).codes == []
    assert target in study.codebook.code_ids()


def test_bom_and_crlf_are_kept(coded):
    path = coded / "codings" / "A" / "R01.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    rename_code(Study.load(coded), "regie_terug", "regie_herwonnen", who="A")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n")
    assert b"code: regie_herwonnen\r\n" in raw


def test_codebook_and_findings_names_come_from_study_yaml(make_study):
    root = make_study({"R01.txt": TRANSCRIPT}, codebook="mijn_codeboek.yaml",
                      findings="mijn_bevindingen.yaml")
    (root / "codebook.yaml").rename(root / "mijn_codeboek.yaml")
    (root / "mijn_bevindingen.yaml").write_text(
        "findings:\n  - id: f1\n    title: Wachten\n    codes: [regie_terug]\n",
        encoding="utf-8")
    study = Study.load(root)
    result = rename_code(study, "regie_terug", "regie_herwonnen", who="A")
    assert sorted(p.name for p in result.files) >= ["mijn_bevindingen.yaml",
                                                    "mijn_codeboek.yaml"]
    study = Study.load(root)
    assert "regie_herwonnen" in study.codebook.code_ids()
    assert study.findings.findings[0].codes == ["regie_herwonnen"]


def test_works_without_symlinks(coded, monkeypatch):
    import os

    def no_symlinks(*args, **kwargs):
        raise OSError("symbolic links are not available")
    monkeypatch.setattr(os, "symlink", no_symlinks)
    result = rename_code(Study.load(coded), "regie_terug", "regie_herwonnen", who="A")
    assert result.codings == 1


def test_an_invalid_result_names_the_real_file(coded):
    path = coded / "codings" / "A" / "R01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Nu heb ik mijn eigen bankpas", "Nu heb ik een eigen bankpas"), encoding="utf-8")
    snapshot = {p: p.read_bytes() for p in coded.rglob("*.yaml")}
    with pytest.raises(KlantreisError) as err:
        rename_code(Study.load(coded), "regie_terug", "regie_herwonnen", who="A")
    assert err.value.path == path and err.value.line == 11      # the quote's line
    assert "ongeldig" in err.value.message and "citaat niet gevonden" in err.value.message
    assert {p: p.read_bytes() for p in coded.rglob("*.yaml")} == snapshot


def test_a_failed_write_leaves_store_and_files_as_they_were(coded, monkeypatch):
    import klantreis.recode as recode_mod

    study = Study.load(coded)
    study_codings(study, "A")
    before_store = _spans(study)
    snapshot = {p: p.read_bytes() for p in coded.rglob("*.yaml")}
    real = recode_mod.write_atomic
    calls = []

    def flaky(path, content, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise KlantreisError("kan niet schrijven (schijf vol)", path)
        return real(path, content, **kwargs)
    monkeypatch.setattr(recode_mod, "write_atomic", flaky)
    with pytest.raises(KlantreisError, match="schijf vol"):
        rename_code(study, "wachten_op_uitkering", "wachten_op_inkomen", who="A")
    assert len(calls) >= 3, "the first file was written and then put back"
    assert {p: p.read_bytes() for p in coded.rglob("*.yaml")} == snapshot
    assert _spans(study) == before_store
    with Store(study.store_path) as store:
        assert not store.events(action="code.rename")


def test_unreadable_file_is_a_klantreis_error(coded):
    study = Study.load(coded)
    (coded / "personas" / "lyna.yaml").write_bytes(b"codes: [\xff\xfe]\n")
    with pytest.raises(KlantreisError, match="UTF-8") as err:
        rename_code(study, "regie_terug", "regie_herwonnen")
    assert err.value.path == coded / "personas" / "lyna.yaml"
