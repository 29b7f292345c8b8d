"""Import speed: read + segment + lemmatize, in words per second, with peak memory and
lemma coverage, on the bundled transcripts (16) and scaled corpora (160; 1600 with --full).

    python benchmarks/import_speed.py [--full] [--keep DIR]

Each size runs in a fresh child process, so the peak memory (ru_maxrss) is its own; the
pipeline is built before the clock starts (a one-off cost, reported separately).
Target: >= 100,000 words/s.
"""
from __future__ import annotations

import argparse
import json
import resource
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
    from klantreis.nlp import get_nlp, process_segments
    from klantreis.transcripts import read_transcript, transcript_files

    t0 = time.perf_counter()
    get_nlp()
    startup = time.perf_counter() - t0
    files = transcript_files(folder)
    words = tokens = alpha = covered = 0
    t_import = t_nlp = 0.0
    from klantreis.nlp import is_covered
    known: dict[str, bool] = {}
    for path in files:
        a = time.perf_counter()
        t = read_transcript(path)
        b = time.perf_counter()
        docs = process_segments(t.segments)
        c = time.perf_counter()
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
        "files": len(files), "words": words, "tokens": tokens,
        "import_s": round(t_import, 3), "nlp_s": round(t_nlp, 3),
        "words_per_s": round(words / total) if total else 0,
        "import_words_per_s": round(words / t_import) if t_import else 0,
        "nlp_words_per_s": round(words / t_nlp) if t_nlp else 0,
        "startup_s": round(startup, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
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
    from scale_corpus import make_corpus

    sizes = [160, 1600] if args.full else [160]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="klantreis-bench-"))
    rows = [("16 (meegeleverd)", run_child(ROOT / "interviews"))]
    for n in sizes:
        folder = base / f"corpus{n}"
        if not folder.is_dir() or len(list(folder.iterdir())) < n:
            t0 = time.perf_counter()
            make_corpus(ROOT / "interviews", folder, n, seed=0)
            print(f"corpus {n}: aangemaakt in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        rows.append((str(n), run_child(folder)))
    print(f"{'transcripten':>18} {'woorden':>9} {'woorden/s':>10} {'import w/s':>11} "
          f"{'nlp w/s':>9} {'piek MB':>8} {'dekking':>8} {'opstart s':>9}")
    ok = True
    for name, r in rows:
        print(f"{name:>18} {r['words']:>9} {r['words_per_s']:>10} {r['import_words_per_s']:>11} "
              f"{r['nlp_words_per_s']:>9} {r['peak_rss_mb']:>8} {r['lemma_coverage']:>8.2%} "
              f"{r['startup_s']:>9}")
        ok = ok and r["words_per_s"] >= TARGET
    print(f"doel >= {TARGET} woorden/s: {'gehaald' if ok else 'NIET gehaald'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
