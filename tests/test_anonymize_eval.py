"""The anonymizer against labelled data: our fictional transcripts, and (when ../shared/eval
is there) deduce's regression cases and CoNLL-2002 Dutch. Figures: benchmarks/anonymization.py.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from klantreis.anonymize import Detector

ROOT = Path(__file__).resolve().parents[1]
EVAL = Path(__file__).parents[1].parent / "shared" / "eval"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_anonymization",
                                                  ROOT / "benchmarks" / "anonymization.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_anonymization", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _shared(sub: str) -> Path:
    path = EVAL / sub
    if not path.exists():
        pytest.skip(f"{path} ontbreekt: evaluatiebestanden van buiten het project (../shared/eval) "
                    f"niet beschikbaar")
    return path


def test_labelled_set_is_well_formed(bench):
    docs = bench.load_labelled()
    assert 6 <= len(docs) <= 10
    labels = set()
    for name, text, gold in docs:
        assert "{{" not in text and "}}" not in text, name
        assert 550 <= len(text.split()) <= 1300, name
        for s, e, label in gold:
            assert text[s:e].strip() == text[s:e] and text[s:e], (name, s)
            labels.add(label)
    assert {"PERSOON", "PLAATS", "ADRES", "POSTCODE", "TELEFOON", "EMAIL", "URL", "DATUM",
            "GEBOORTEDATUM", "BSN", "IBAN", "KENTEKEN", "INSTELLING", "KEEP"} <= labels
    # the planted numbers are generated test numbers that pass the checks
    from klantreis.anonymize import elfproef, iban_valid
    for _, text, gold in docs:
        for s, e, label in gold:
            digits = "".join(ch for ch in text[s:e] if ch.isdigit())
            if label == "BSN":
                assert elfproef(digits) and digits.startswith("9999")
            if label == "IBAN":
                assert iban_valid(text[s:e])
            if label == "EMAIL":
                assert text[s:e].endswith(("example.com", "example.nl", "example.org"))


def test_labelled_set_targets(bench, detector):
    res = bench.evaluate_labelled(detector)
    stats = res["stats"]
    for label in ("BSN", "IBAN", "TELEFOON", "EMAIL", "POSTCODE", "ADRES", "GEBOORTEDATUM"):
        assert stats[label]["covered"] == stats[label]["gold"] > 0, label
    assert res["keep_removed"] == []
    for label in ("PERSOON", "PLAATS", "INSTELLING"):
        assert stats[label]["covered"] / stats[label]["gold"] >= 0.95, label
    assert res["precision_any"] >= 0.95


def test_labelled_set_through_the_folder_run(bench):
    docs = bench.load_labelled()
    assert bench.leftovers_after_run(docs) == []


def test_deduce_regression_cases(bench, detector):
    folder = _shared("deduce")
    rows = {r[0]: r for r in bench.evaluate_deduce(folder, lambda stem: detector)}
    # identifiers with checksums or a clear shape: everything
    for stem in ("emails", "urls", "identifiers"):
        assert rows[stem][3] == 1.0, rows[stem]
    assert rows["phone_numbers"][3] >= 0.85
    assert rows["locations"][3] >= 0.85
    for stem, _n, _g, _rec, pred, prec in rows.values():
        if stem not in ("ages",):
            assert prec >= 0.8, (stem, prec, pred)


def test_conll2002_person_recall(bench, detector):
    path = _shared("conll2002_nl") / "ned.testa"
    docs = bench.load_conll(path)
    results = detector.detect_many([t for t, _ in docs])
    ev = bench.evaluate_conll(docs, results)
    assert ev["PER"]["recall"] >= 0.95
    # nearly every PERSOON replacement is a named entity (no ordinary word lost); see the
    # benchmark for why PER-only precision is lower (companies and events also go)
    assert ev["PER"]["precision_entity"] >= 0.95
