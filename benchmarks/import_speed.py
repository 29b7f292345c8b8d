"""Import speed: read + segment + lemmatize, in words per second, with peak memory and
lemma coverage, on a study's transcripts (the bundled study's 16 by default) and on corpora
scaled up from them (160; 1600 with --full).

    python benchmarks/import_speed.py [STUDY] [--full] [--keep DIR]

Target (issue): >= 100,000 words/s on a corpus scaled up from the bundled transcripts
(benchmarks/scale_corpus.py). The target is judged on the scaled rows (160, and 1600 with
--full); the study's own files are shown for information: on a small study (the bundled
one: 16 files, 22,500 words) the fixed start-up and the cold word caches dominate.

Each size runs in a fresh child process, so peak memory (VmHWM) and the caches are its
own. The clock has three parts:

* start-up: importing the modules and building the spaCy pipeline (``get_nlp``), once per
  process, printed separately and not in words/s;
* import: ``read_transcript`` (decode, parse, segment) per file;
* nlp: ``process_segments`` (tokens, sentences, lemmas) per file.

words/s = words / (import + nlp), wall clock; "cpu w/s" uses process CPU time instead: when
it is much higher than the wall figure the machine was busy with something else (2 cores).
Lemma coverage (``klantreis.nlp.lemma_coverage``) is counted outside the clock. Note that
the scaled corpora reuse the study's vocabulary (scale_corpus replaces words by corpus
words), so their word caches are as warm as a real corpus of that size would only get
later; "vormen" shows the distinct word forms.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET = 100_000


def measure(folder: Path) -> dict:
    from _util import peak_rss_mb as _rss_mb

    t0, c0 = time.perf_counter(), time.process_time()
    # start-up: read_transcript imports python-docx on the first .docx
    import docx  # noqa: F401
    from klantreis.nlp import get_nlp, lemma_coverage, process_segments
    from klantreis.transcripts import read_transcript, transcript_files
    get_nlp()
    startup, startup_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_startup = _rss_mb()
    files = transcript_files(folder)
    words = tokens = alpha = 0
    covered = 0.0
    t_import = t_nlp = cpu = 0.0
    forms: set[str] = set()
    for path in files:
        ca = time.process_time()
        a = time.perf_counter()
        t = read_transcript(path)
        b = time.perf_counter()
        docs = process_segments(t.segments)
        c = time.perf_counter()
        cpu += time.process_time() - ca
        t_import += b - a
        t_nlp += c - b
        words += t.word_count
        # coverage outside the clock, per file (all docs together would hold every file's
        # tokens in memory and inflate the peak); weighted by the file's alphabetic tokens
        n_alpha = 0
        for doc in docs:
            tokens += len(doc)
            for tok in doc:
                if tok.is_alpha:
                    n_alpha += 1
                    forms.add(tok.lower_)
        alpha += n_alpha
        covered += lemma_coverage(docs) * n_alpha
    total = t_import + t_nlp
    return {
        "files": len(files), "words": words, "tokens": tokens, "forms": len(forms),
        "import_s": round(t_import, 3), "nlp_s": round(t_nlp, 3),
        "words_per_s": round(words / total) if total else 0,
        "cpu_words_per_s": round(words / cpu) if cpu else 0,
        "import_words_per_s": round(words / t_import) if t_import else 0,
        "nlp_words_per_s": round(words / t_nlp) if t_nlp else 0,
        "with_startup_words_per_s": round(words / (total + startup)),
        "startup_s": round(startup, 2), "startup_cpu_s": round(startup_cpu, 2),
        "rss_startup_mb": rss_startup, "peak_rss_mb": _rss_mb(),
        "lemma_coverage": round(covered / alpha, 4) if alpha else 1.0,
    }


def run_child(folder: Path) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure",
                          str(folder)], capture_output=True, text=True, check=False)
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        raise SystemExit(f"meting mislukt in {folder} (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", nargs="?", default=str(ROOT),
                    help="studiemap (standaard de meegeleverde studie)")
    ap.add_argument("--full", action="store_true", help="ook 1600 transcripten")
    ap.add_argument("--keep", help="map voor de opgeschaalde corpora (standaard tijdelijk)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    from _util import machine, nl_int, verdict
    from scale_corpus import make_corpus

    from klantreis import Study
    from klantreis.transcripts import transcript_files

    target = f">= {nl_int(TARGET)} woorden/s"
    source = Study.load(args.study).interviews_dir
    if not source.is_dir() or not transcript_files(source):
        print(f"kan niet draaien: geen transcripten in {source}")
        return verdict({target: None})
    sizes = [160, 1600] if args.full else [160]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="klantreis-bench-"))
    own = run_child(source)
    bundled = source.parent.resolve() == ROOT.resolve()
    rows = [(f"{own['files']} ({'meegeleverd' if bundled else 'studie'})", False, own)]
    try:
        for n in sizes:
            folder = base / f"corpus{n}"
            if not folder.is_dir() or len(list(folder.iterdir())) < n:
                t0 = time.perf_counter()
                make_corpus(source, folder, n, seed=0)
                print(f"corpus {n}: aangemaakt in {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr)
            rows.append((f"{n} (opgeschaald)", True, run_child(folder)))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{machine()}; studie {source.parent}; "
          f"corpora in {args.keep or 'een tijdelijke map (verwijderd)'}")
    print(f"{'transcripten':>18} {'woorden':>9} {'woorden/s':>9} {'cpu w/s':>8} "
          f"{'import w/s':>10} {'nlp w/s':>8} {'opstart s':>9} {'incl.opst':>9} "
          f"{'piek MB':>7} {'dekking':>7} {'vormen':>6}")
    judged = []
    for name, scaled, r in rows:
        print(f"{name:>18} {nl_int(r['words']):>9} {r['words_per_s']:>9} "
              f"{r['cpu_words_per_s']:>8} {r['import_words_per_s']:>10} "
              f"{r['nlp_words_per_s']:>8} {r['startup_s']:>9} "
              f"{r['with_startup_words_per_s']:>9} {r['peak_rss_mb']:>7} "
              f"{r['lemma_coverage']:>7.2%} {r['forms']:>6}")
        if scaled:
            judged.append((name.split()[0], r["words_per_s"]))
    print("woorden/s = woorden / (import + nlp), zonder opstart (modules laden en de "
          "spaCy-pijplijn bouwen, per proces één keer; 'incl.opst' telt die wel mee). "
          f"Piek-RSS na de opstart: {rows[0][2]['rss_startup_mb']} MB.")
    ok = all(v >= TARGET for _, v in judged)
    detail = ", ".join(f"{n}: {nl_int(v)}" for n, v in judged)
    print(f"doel {target} op het opgeschaalde corpus ({detail}): "
          f"{'gehaald' if ok else 'NIET gehaald'}")
    return verdict({f"{target} opgeschaald": ok})


if __name__ == "__main__":
    sys.exit(main())
