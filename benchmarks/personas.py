"""Persona benchmark on the bundled study: agreement with the researchers' own personas.

    .venv/bin/python benchmarks/personas.py [STUDY] [--bootstrap N] [--full]

Ground truth is the ``persona_onderzoekers`` column of ``interviews/respondenten.csv``
(read here with pandas; the persona stage never sees it). Prints accuracy (correct/N, N =
respondents with a transcript and a ground-truth persona) and the adjusted Rand index for:
human codings (``codings/``) with and without respondent attributes, each clustering
method, no archetypes (clusters only), and text only on machine suggestions -- the
situation of a brand-new study. Targets, as shares of N (14/16 and 12/16 in the bundled
study): >= 7/8 correct with attributes, >= 3/4 text only (ward, with archetypes), judged
on every codings source that ran. Also the bootstrap stability (ARI) of the clustering.
--full is accepted for run.py (there is no larger variant).
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from klantreis import Study  # noqa: E402
from klantreis.personas import find_personas  # noqa: E402

from _util import add_full, verdict  # noqa: E402

TRUTH = "persona_onderzoekers"
SHARE_ATTRIBUTES, SHARE_TEXT = 7 / 8, 3 / 4   # of the respondents with a ground truth
WITH_ATTRIBUTES, TEXT_ONLY = "attributen + archetypes, ward", "alleen tekst + archetypes, ward"


def needed(share: float, n: int) -> int:
    """Correct assignments the target asks of N respondents (7/8 of 16 -> 14)."""
    return math.ceil(share * n - 1e-9)


def agreement(result, truth: pd.Series) -> tuple[int, float]:
    """Correct assignments (archetype ids, or the best one-to-one mapping of cluster
    personas onto the truth) and the ARI."""
    pred = result.assignments.set_index("respondent").persona.reindex(truth.index)
    ari = adjusted_rand_score(truth, pred)
    if set(pred) <= set(truth):
        return int((pred == truth).sum()), ari
    table = pd.crosstab(pred, truth)
    rows, cols = linear_sum_assignment(-table.to_numpy())
    return int(table.to_numpy()[rows, cols].sum()), ari


def load_codings(study: Study):
    """Human codings when codings/ exists, else machine suggestions (None: cannot run)."""
    if study.codings_dir.is_dir() and any(study.codings_dir.rglob("*.yaml")):
        from klantreis.coding import codings_for_analysis
        from klantreis.store import Store
        with tempfile.TemporaryDirectory() as tmp:  # never touch the study's own store
            store = Store(Path(tmp) / "store.sqlite")
            try:
                codings, source = codings_for_analysis(study, store=store)
            finally:
                store.close()
        return codings, source
    return None, "none"


def suggestions(study: Study):
    try:
        from klantreis.suggestions import suggest
    except ModuleNotFoundError:
        return None
    return list(suggest(study))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", nargs="?", default=str(ROOT))
    ap.add_argument("--bootstrap", type=int, default=100)
    add_full(ap)
    args = ap.parse_args(argv)
    skipped = {"met attributen": None, "alleen tekst": None}

    study = Study.load(args.study)
    table = study.interviews_dir / "respondenten.csv"
    if not table.exists() or not study.interviews_dir.is_dir():
        print("kan nog niet draaien: interviews/ of respondenten.csv ontbreekt")
        return verdict(skipped)
    csv = pd.read_csv(table, dtype={"id": str}).set_index("id")
    if TRUTH not in csv.columns:
        print(f"kan niet draaien: kolom {TRUTH} ontbreekt in {table.name}")
        return verdict(skipped)
    truth = csv[TRUTH].astype(str)
    attributes = csv.drop(columns=[TRUTH])  # belt and braces: the stage drops it too
    transcripts = study.transcripts
    truth = truth.reindex(sorted(t.respondent_id for t in transcripts)).dropna()
    n = len(truth)
    if n == 0:
        print(f"kan niet draaien: geen transcript heeft een {TRUTH} in {table.name}")
        return verdict(skipped)
    archetypes = study.personas
    print(f"Persona-benchmark: {n} respondenten, {len(archetypes)} archetypes "
          f"({', '.join(a.id for a in archetypes)}), bootstrap {args.bootstrap}")

    runs = []
    human, source = load_codings(study)
    if human is not None and source == "human":
        runs.append(("menselijke coderingen", human))
    else:
        print("geen menselijke coderingen in codings/: alleen machinesuggesties")
    sugg = suggestions(study)
    if sugg is not None:
        runs.append(("machinesuggesties", sugg))
    if not runs:
        print("kan nog niet draaien: geen coderingen en geen klantreis.suggestions")
        return verdict(skipped)

    header = f"{'codings':<22} {'setting':<34} {'goed':>7} {'ARI':>6} {'stab.':>6} {'sil.':>6} {'s':>5}"
    print(header)
    print("-" * len(header))
    figures = {}
    for label, codings in runs:
        settings = [
            (WITH_ATTRIBUTES, dict(attributes=attributes, archetypes=archetypes)),
            (TEXT_ONLY, dict(archetypes=archetypes)),
            ("alleen tekst + archetypes, kmeans", dict(archetypes=archetypes, method="kmeans")),
            ("alleen tekst + archetypes, nmf", dict(archetypes=archetypes, method="nmf")),
            ("alleen tekst, geen archetypes, k=3", dict(k=3)),
            ("attributen, geen archetypes, k=3", dict(attributes=attributes, k=3)),
        ]
        for name, kw in settings:
            t0 = time.perf_counter()
            result = find_personas(transcripts, codings, study.codebook,
                                   n_bootstrap=args.bootstrap, **kw)
            seconds = time.perf_counter() - t0
            correct, ari = agreement(result, truth)
            figures[(label, name)] = (correct, ari, result.stability)
            stab = "-" if result.stability is None else f"{result.stability:.2f}"
            sil = "-" if result.silhouette is None else f"{result.silhouette:.2f}"
            print(f"{label:<22} {name:<34} {correct:>3}/{n:<3} {ari:>6.2f} {stab:>6} "
                  f"{sil:>6} {seconds:>5.1f}")
    print()
    need_attr, need_text = needed(SHARE_ATTRIBUTES, n), needed(SHARE_TEXT, n)
    targets: dict[str, bool | None] = {}
    for label, _ in runs:
        with_attr = figures.get((label, WITH_ATTRIBUTES))
        text = figures.get((label, TEXT_ONLY))
        if with_attr and text:
            ok_attr, ok_text = with_attr[0] >= need_attr, text[0] >= need_text
            targets[f"{label}, met attributen"] = ok_attr
            targets[f"{label}, alleen tekst"] = ok_text
            print(f"{label}: met attributen {with_attr[0]}/{n} (doel >= {need_attr}: "
                  f"{'gehaald' if ok_attr else 'NIET gehaald'}), alleen tekst "
                  f"{text[0]}/{n} (doel >= {need_text}: "
                  f"{'gehaald' if ok_text else 'NIET gehaald'})")
    return verdict(targets)


if __name__ == "__main__":
    sys.exit(main())
