"""Generalisation: personas on transcripts the project never tuned on.

    .venv/bin/python benchmarks/unseen.py [--bootstrap N]

``benchmarks/data/unseen/`` holds nine fictional, anonymized transcripts written
independently of the bundled study (three per archetype, one of each less typical) and
``truth.csv`` (id, persona). This runs them the way a new team would: ``klantreis init``
into a temporary folder (the bundled configuration: codebook, journey, archetypes), the
transcripts copied in, no codings (machine suggestions only) and no respondent table
(text only). Prints accuracy and adjusted Rand index against the truth, the confidence
of each assignment, and how many codes the suggester found per interview.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from klantreis import Study, init_study  # noqa: E402
from klantreis.coding import codings_for_analysis  # noqa: E402
from klantreis.personas import find_personas  # noqa: E402
from klantreis.progress import set_quiet  # noqa: E402

from _util import add_full, verdict  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "unseen"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=50)
    add_full(parser)
    args = parser.parse_args(argv)
    set_quiet(True)
    truth = pd.read_csv(DATA / "truth.csv").set_index("id")["persona"]
    with tempfile.TemporaryDirectory() as tmp:
        root = init_study(Path(tmp) / "nieuw")
        for path in sorted((DATA / "interviews").iterdir()):
            shutil.copy(path, root / "interviews" / path.name)
        study = Study.load(root)
        t0 = time.perf_counter()
        transcripts = study.transcripts
        codings, source = codings_for_analysis(study, transcripts=transcripts)
        result = find_personas(transcripts, codings, study.codebook, None, study.personas,
                               n_bootstrap=args.bootstrap)
        seconds = time.perf_counter() - t0
    a = result.assignments.set_index("respondent").reindex(truth.index)
    correct = int((a.persona == truth).sum())
    ari = adjusted_rand_score(truth, a.persona)
    per_resp = pd.Series([c.respondent_id for c in codings]).value_counts()
    codes = pd.Series({rid: len({c.code for c in codings if c.respondent_id == rid})
                       for rid in truth.index})
    print(f"Ongeziene transcripten: {len(truth)} (codering: {source}, geen attributen, "
          f"archetypes uit de standaardconfiguratie), {seconds:.1f} s")
    print(f"{'id':<5} {'waarheid':<9} {'persona':<9} {'zekerheid':>9}  {'tweede':<9} "
          f"{'passages':>8} {'codes':>6}")
    for rid in truth.index:
        mark = "" if a.persona[rid] == truth[rid] else "  <- anders"
        print(f"{rid:<5} {truth[rid]:<9} {a.persona[rid]:<9} {a.confidence[rid]:>9.2f}  "
              f"{a.runner_up[rid]:<9} {per_resp.get(rid, 0):>8} {codes[rid]:>6}{mark}")
    print(f"goed: {correct}/{len(truth)}  ARI {ari:.2f}  "
          f"stabiliteit (bootstrap-ARI) {result.stability if result.stability is not None else float('nan'):.2f}")
    return verdict({})   # no target: the figures are for information


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
