"""The bundled study's own material (study.yaml, codebook, journey, personas, findings) and
the package defaults that ``klantreis init`` copies: they must load, refer to each other
consistently and never drift apart."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from klantreis import Study
from klantreis.study import default_template_dir, init_study

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "toolkit" / "klantreis" / "defaults"
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"}
CUE_RE = re.compile(r"~?[a-zà-ÿ0-9\-]+\*?( [a-zà-ÿ0-9\-]+\*?)*")  # ~: a weak cue
# Files that must be byte-identical between the bundled study and the package defaults.
SHARED = ["codebook.yaml", "journeys/vrouwenopvang.yaml", "personas/tessa.yaml",
          "personas/lyna.yaml", "personas/rosanna.yaml", "anonymization/keep.txt",
          "anonymization/deny.txt", "anonymization/allow.txt"]


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.load(ROOT)


@pytest.fixture(scope="module")
def findings() -> dict:
    return yaml.safe_load((ROOT / "findings.yaml").read_text(encoding="utf-8"))


# --- the bundled study --------------------------------------------------------------------

def test_bundled_study_loads(study):
    assert study.config.commissioner == "Kloosterhoeveberaad"
    assert study.config.language == "nl"
    assert [p.id for p in study.config.phases] == ["define", "discover", "design", "deliver"]
    assert all(p.start and p.end and p.start <= p.end for p in study.config.phases)
    assert set(study.config.sections) == {"aanleiding", "opdracht", "afbakening", "definitie",
                                          "doel"}
    assert study.config.coding.get("primary_coder") == "A"
    assert study.config.anonymization.get("keep_ages") is True
    assert [j.id for j in study.journeys] == ["vrouwenopvang"]
    assert {p.id for p in study.personas} == {"tessa", "lyna", "rosanna"}


def test_codebook_size_and_structure(study):
    book = study.codebook
    assert 7 <= len(book.categories) <= 9
    assert 35 <= len(book.codes) <= 60
    assert book.core_category in {c.id for c in book.categories}
    assert book.storyline
    assert 6 <= len(book.relations) <= 10
    # both poles exist where the personas differ
    for neg, pos in [("privacy_financien", "blij_met_financiele_hulp"),
                     ("zelfstandig_begeleid_wonen_negatief", "zelfstandig_begeleid_wonen_positief"),
                     ("wachten_op_therapie", "groepstherapie")]:
        assert book.code(neg).valence < 0 < book.code(pos).valence
    assert book.code("op_eigen_benen_angst").valence < book.code("op_eigen_benen_spannend").valence


def test_every_code_has_cues_examples_and_a_journey_phase(study):
    phases = set(study.journey.phase_ids())
    orgs = set(study.journey.organisations)
    for code in study.codebook.codes:
        assert 4 <= len(code.cues) <= 24, code.id
        assert 1 <= len(code.examples) <= 2, code.id
        assert code.definition and code.use_when and code.not_when, code.id
        assert code.phases and set(code.phases) <= phases, code.id
        assert set(code.organisations) <= orgs, code.id
        for cue in code.cues:
            assert CUE_RE.fullmatch(cue), (code.id, cue)


def test_journey_code_map_is_consistent(study):
    journey = study.journey
    step_phase = {s.id: p.id for p in journey.phases for s in p.steps}
    assert all(2 <= len(p.steps) <= 5 for p in journey.phases)
    for code_id, target in journey.code_map.items():
        code = study.codebook.code(code_id)          # KeyError when the code is unknown
        assert target["phase"] in code.phases, code_id
        assert step_phase[target["step"]] == target["phase"], code_id
    for step in (s for p in journey.phases for s in p.steps):
        assert set(step.organisations) <= set(journey.organisations), step.id


def test_persona_codes_exist_and_colours_are_distinct(study):
    ids = set(study.codebook.code_ids())
    for persona in study.personas:
        assert 6 <= len(persona.codes) <= 10, persona.id
        assert set(persona.codes) <= ids, persona.id
        assert persona.color in OKABE_ITO
    assert len({p.color for p in study.personas}) == len(study.personas)


def test_findings_load_with_the_project_loader(study):
    loaded = study.findings
    assert len(loaded.findings) == 7
    assert len(loaded.recommendations) == 12
    assert {t.id for t in loaded.themes} >= {"hulp_bij_financien", "therapie", "op_eigen_benen",
                                            "zelfstandig_begeleid_wonen"}


def test_findings_and_themes_refer_to_codebook_codes(study, findings):
    ids = set(study.codebook.code_ids())
    assert len(findings["findings"]) == 7
    for f in findings["findings"]:
        assert f["title"] and f["text"] and f["codes"], f["id"]
        assert set(f["codes"]) <= ids, f["id"]
    for theme in findings["themes"]:
        assert theme["codes"] and set(theme["codes"]) <= ids, theme["id"]


def test_recommendations_answer_existing_findings_or_codes(study, findings):
    code_ids = set(study.codebook.code_ids())
    finding_ids = {f["id"] for f in findings["findings"]}
    assert not finding_ids & code_ids, "een bevinding en een code delen een id"
    recs = findings["recommendations"]
    assert [r["audience"] for r in recs].count("overheid") == 9
    assert [r["audience"] for r in recs].count("vervolgonderzoek") == 3
    for rec in recs:
        assert rec["kind"] in {"quick win", "not so quick win"}, rec["id"]
        assert rec["answers"] and set(rec["answers"]) <= finding_ids | code_ids, rec["id"]
        assert -3 <= rec.get("desired_valence", 0) <= 3
    ids = [x["id"] for x in findings["findings"] + recs + findings["themes"]]
    assert len(ids) == len(set(ids))


# --- cues against the project's own lemmatizer and matcher --------------------------------

@pytest.fixture(scope="module")
def suggester(study):
    from klantreis.suggestions import DeductiveSuggester
    return DeductiveSuggester(study.codebook)


def test_cue_words_are_lemmas(study, suggester):
    # matching is on lemmas (klantreis.nlp): a cue word that lemmatizes to something else
    # (e.g. 'brieven' -> 'brief') can never match
    for code in study.codebook.codes:
        for cue in code.cues:
            for part in cue.lstrip("~").split():
                if not part.endswith("*"):
                    assert suggester.nlp(part)[0].lemma_ == part, (code.id, cue, part)


def test_every_example_is_found_by_its_own_cues(study, suggester):
    strings = suggester.nlp.vocab.strings
    for code in study.codebook.codes:
        for example in code.examples:
            found = {strings[m] for m, _, _ in suggester.matcher(suggester.nlp(example))}
            assert code.id in found, (code.id, example)


# --- package defaults ----------------------------------------------------------------------

@pytest.mark.parametrize("name", SHARED)
def test_defaults_are_identical_to_the_bundled_study(name):
    assert (DEFAULTS / name).read_bytes() == (ROOT / name).read_bytes(), name


def test_defaults_have_no_extra_journeys_or_personas():
    for sub in ("journeys", "personas"):
        bundled = sorted(p.name for p in (ROOT / sub).glob("*.yaml"))
        assert sorted(p.name for p in (DEFAULTS / sub).glob("*.yaml")) == bundled


def test_init_from_defaults_gives_a_loadable_study(tmp_path):
    assert default_template_dir().resolve() == DEFAULTS.resolve()
    target = init_study(tmp_path / "nieuw")
    new = Study.load(target)
    assert new.config.title == "Titel van het onderzoek"
    assert [p.start for p in new.config.phases] == [None] * 4
    assert len(new.codebook.codes) == len(Study.load(ROOT).codebook.codes)
    template = yaml.safe_load((target / "findings.yaml").read_text(encoding="utf-8"))
    assert template == {"findings": [], "recommendations": [], "themes": []}
