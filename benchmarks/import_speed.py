"""Import speed: read + segment + lemmatize, in words per second, with peak memory and
lemma coverage, on the bundled transcripts (16) and scaled corpora (160; 1600 with --full).

    python benchmarks/import_speed.py [--full] [--keep DIR]

Target (issue): >= 100,000 words/s on a corpus scaled up from the bundled transcripts
(benchmarks/scale_corpus.py). The target is judged on the scaled rows (160, and 1600 with
--full); the 16 bundled files are shown for information: at 22,500 words the fixed start-up
and the cold word caches dominate.

Each size runs in a fresh child process, so peak memory (VmHWM) and the caches are its
own. The clock has three parts:

* start-up: importing the modules and building the spaCy pipeline (``get_nlp``), once per
  process, printed separately and not in words/s;
* import: ``read_transcript`` (decode, parse, segment) per file;
* nlp: ``process_segments`` (tokens, sentences, lemmas) per file.

words/s = words / (import + nlp), wall clock; "cpu w/s" uses process CPU time instead: when
it is much higher than the wall figure the machine was busy with something else (2 cores).
Lemma coverage is counted outside the clock. Note that the scaled corpora reuse the bundled
vocabulary (scale_corpus replaces words by corpus words), so their word caches are as warm
as a real corpus of that size would only get later; "vormen" shows the distinct word forms.
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
    from klantreis.nlp import get_nlp, is_covered, process_segments
    from klantreis.transcripts import read_transcript, transcript_files
    get_nlp()
    startup, startup_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_startup = _rss_mb()
    files = transcript_files(folder)
    words = tokens = alpha = covered = 0
    t_import = t_nlp = cpu = 0.0
    known: dict[str, bool] = {}
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
        for doc in docs:             # coverage outside the clock
            tokens += len(doc)
            for tok in doc:
                if tok.is_alpha:
                    alpha += 1
                    low = tok.lower_
                    if low not in known:
                        known[low] = is_covered(low)
                    covered += known[low]
    total = t_import + t_nlp
    return {
        "files": len(files), "words": words, "tokens": tokens, "forms": len(known),
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
    out = subprocess.run([sys.executable, __file__, "--measure", str(folder)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="ook 1600 transcripten")
    ap.add_argument("--keep", help="map voor de opgeschaalde corpora (standaard tijdelijk)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    from _util import machine
    from scale_corpus import make_corpus

    sizes = [160, 1600] if args.full else [160]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="klantreis-bench-"))
    rows = [("16 (meegeleverd)", False, run_child(ROOT / "interviews"))]
    try:
        for n in sizes:
            folder = base / f"corpus{n}"
            if not folder.is_dir() or len(list(folder.iterdir())) < n:
                t0 = time.perf_counter()
                make_corpus(ROOT / "interviews", folder, n, seed=0)
                print(f"corpus {n}: aangemaakt in {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr)
            rows.append((f"{n} (opgeschaald)", True, run_child(folder)))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{machine()}; corpora in {args.keep or 'een tijdelijke map (verwijderd)'}")
    print(f"{'transcripten':>17} {'woorden':>8} {'woorden/s':>9} {'cpu w/s':>8} "
          f"{'import w/s':>10} {'nlp w/s':>8} {'opstart s':>9} {'incl.opst':>9} "
          f"{'piek MB':>7} {'dekking':>7} {'vormen':>6}")
    judged = []
    for name, scaled, r in rows:
        print(f"{name:>17} {r['words']:>8} {r['words_per_s']:>9} {r['cpu_words_per_s']:>8} "
              f"{r['import_words_per_s']:>10} {r['nlp_words_per_s']:>8} {r['startup_s']:>9} "
              f"{r['with_startup_words_per_s']:>9} {r['peak_rss_mb']:>7} "
              f"{r['lemma_coverage']:>7.2%} {r['forms']:>6}")
        if scaled:
            judged.append((name.split()[0], r["words_per_s"]))
    print("woorden/s = woorden / (import + nlp), zonder opstart (modules laden en de "
          "spaCy-pijplijn bouwen, per proces één keer; 'incl.opst' telt die wel mee). "
          f"Piek-RSS na de opstart: {rows[0][2]['rss_startup_mb']} MB.")
    ok = all(v >= TARGET for _, v in judged)
    detail = ", ".join(f"{n}: {v:,}".replace(",", ".") for n, v in judged)
    print(f"doel >= {TARGET:,} woorden/s op het opgeschaalde corpus ({detail}): "
          f"{'gehaald' if ok else 'NIET gehaald'}".replace(",", "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
