"""The Dutch pipeline: lemmas (lookup + supplement), placeholders, masking, coverage."""
from __future__ import annotations

from pathlib import Path

import pytest

from klantreis.nlp import (get_nlp, is_covered, lemma_coverage, lemmatize, load_supplement,
                           masked_text, process_segments, process_texts, uncovered_words)
from klantreis.transcripts import read_transcript

ROOT = Path(__file__).resolve().parents[1]


def test_pipeline_is_offline_blank_dutch_with_lookup_lemmas():
    nlp = get_nlp()
    assert nlp.lang == "nl"
    assert nlp.pipe_names == ["sentencizer", "lemmatizer", "klantreis_lemmas"]
    assert nlp.get_pipe("lemmatizer").mode == "lookup"
    assert get_nlp() is nlp                      # built once


@pytest.mark.parametrize("form,lemma", [
    ("moest", "moeten"), ("kinderen", "kind"), ("werd", "worden"), ("heb", "hebben"),
    ("had", "hebben"), ("kreeg", "krijgen"), ("ging", "gaan"), ("kon", "kunnen"),
    ("wist", "weten"), ("zei", "zeggen"), ("gemeentes", "gemeente"), ("toeslagen", "toeslag"),
    ("uitkeringen", "uitkering"), ("weken", "week"), ("is", "zijn"), ("gewacht", "wachten"),
    ("aangevraagd", "aanvragen"), ("Kinderen", "kind"), ("wéér", "weer"), ("míjn", "mijn"),
    # nouns the supplement had as verbs, plurals the lookup misses
    ("jaren", "jaar"), ("land", "land"), ("huur", "huur"), ("berg", "berg"), ("bedden", "bed"),
    ("benen", "been"), ("bange", "bang"),
    # inflected forms and weak pronouns to the lemma cues are written in
    ("elke", "elk"), ("me", "mij"), ("keer", "keer"), ("duur", "duur"), ("kale", "kaal"),
    ("verstopt", "verstoppen"),
])
def test_lemmas_from_lookup_and_supplement(form, lemma):
    assert lemmatize(f"{form}") == [lemma]


def test_supplement_table_is_wellformed():
    table = load_supplement()
    assert len(table) > 1000
    assert all(k == k.lower() and v == v.lower() and "\t" not in k for k, v in table.items())
    text = (ROOT / "toolkit" / "klantreis" / "data" / "lemma_supplement.tsv").read_text("utf-8")
    rows = [r for r in text.splitlines() if r and not r.startswith("#")]
    assert all(r.count("\t") == 1 for r in rows)
    assert len({r.split("\t")[0] for r in rows}) == len(rows)    # no form twice


def test_placeholders_are_one_token_and_keep_their_case():
    doc = process_texts(["Ik ging met [PERSOON-1], naar [PLAATS-2]. Bel [TELEFOON]!"])[0]
    assert [t.text for t in doc][:7] == ["Ik", "ging", "met", "[PERSOON-1]", ",", "naar",
                                         "[PLAATS-2]"]
    assert "[PERSOON-1]" in lemmatize("met [PERSOON-1] gepraat")


def test_segments_masked_offsets_map_to_the_transcript(tmp_path):
    path = tmp_path / "R01.txt"
    path.write_text("Datum: [DATUM]\n\nI: Hoe ging het?\nR: [lacht] Ik moest wachten. "
                    "[stilte] De kinderen huilden.\nDat was zwaar.\n", encoding="utf-8")
    t = read_transcript(path)
    seg = t.segments[1]
    assert len(masked_text(seg)) == len(seg.text)
    docs = process_segments(t.segments)
    assert len(docs) == 2
    doc = docs[1]
    assert doc.user_data == {"respondent_id": "R01", "segment_index": 1, "offset": seg.start}
    lemmas = [tok.lemma_ for tok in doc if not tok.is_space and not tok.is_punct]
    assert lemmas == ["ik", "moeten", "wachten", "de", "kind", "huilen", "dat", "zijn", "zwaar"]
    for tok in doc:
        if not tok.is_space:
            assert t.text[seg.start + tok.idx: seg.start + tok.idx + len(tok)] == tok.text
    assert len(list(doc.sents)) == 3


def test_fast_pipeline_gives_the_same_lemmas_as_the_full_one():
    texts = ["Ik heb zes weken gewacht op mijn uitkering.",
             "De kinderen gingen naar school en ik zat alleen op mijn kamer.",
             "Zij zegt dat de gemeentes de toeslagen te laat betaalden. Wéér!"]
    full = list(get_nlp().pipe(texts))
    fast = process_texts(texts)
    assert [[t.lemma_ for t in d] for d in full] == [[t.lemma_ for t in d] for d in fast]


def test_lemma_coverage_counts_alphabetic_tokens():
    docs = process_texts(["De kinderen moesten wachten op xqzwv, 12 dagen."])
    # alphabetic: de kinderen moesten wachten op xqzwv dagen -> 6 of 7 known
    assert lemma_coverage(docs) == pytest.approx(6 / 7)
    assert uncovered_words(docs) == {"xqzwv": 1}
    assert lemma_coverage([]) == 1.0
    assert is_covered("Opvang") and not is_covered("xqzwv")


def test_coverage_on_the_bundled_transcripts():
    files = sorted((ROOT / "interviews").glob("R*.*"))
    if len(files) < 16:
        pytest.skip("de meegeleverde transcripten zijn (nog) niet aanwezig")
    segments = [s for f in files for s in read_transcript(f).respondent_segments]
    assert lemma_coverage(process_segments(segments)) >= 0.97


@pytest.mark.parametrize("text,sentences,lemmas", [
    # spaCy's abbreviation list has "dat." (datief), "ex.", "IND.", "u."...: in speech the
    # period is a full stop
    ("Dat. Ik had geen bed.", ["Dat.", "Ik had geen bed."], ["dat", "ik", "hebben"]),
    ("Bij de IND. Dat duurde.", ["Bij de IND.", "Dat duurde."], ["bij", "de", "ind"]),
    ("Mijn ex. Hij kwam.", ["Mijn ex.", "Hij kwam."], ["mijn", "ex"]),
    ("Dank u. Tot ziens.", ["Dank u.", "Tot ziens."], ["dank", "u"]),
    ("Dat wist ik al. Echt.", ["Dat wist ik al.", "Echt."], ["dat", "weten", "ik", "al"]),
    # written abbreviations stay whole
    ("Alles via hem, bv. de huur.", ["Alles via hem, bv. de huur."], ["alles", "via", "hem"]),
])
def test_spoken_words_are_no_abbreviations(text, sentences, lemmas):
    doc = process_texts([text])[0]
    assert [s.text for s in doc.sents] == sentences
    words = [t.lemma_ for t in doc if not t.is_punct]
    assert words[:len(lemmas)] == lemmas


def test_lookup_table_is_fetched_once_by_the_lemma_component():
    nlp = get_nlp()
    component = nlp.get_pipe("klantreis_lemmas")
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    assert component._lookup() is table
    assert is_covered("kinderen") and component.covers("kinderen")
    assert component._lemma_set is not None          # built once, on first use


def test_lemma_counts_add_up_over_files():
    from klantreis.nlp import lemma_counts
    a = process_texts(["De kinderen moesten wachten op xqzwv."])
    b = process_texts(["Ik heb gewacht, 12 dagen."])
    ca, na = lemma_counts(a)
    cb, nb = lemma_counts(b)
    assert (ca, na) == (5, 6) and (cb, nb) == (4, 4)
    assert lemma_coverage(a + b) == pytest.approx((ca + cb) / (na + nb))
