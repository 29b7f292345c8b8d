"""``klantreis run`` end to end: seconds per stage and peak memory, on a copy of the bundled
study (cold, then a second run that skips unchanged stages) and on a study of 160 scaled
transcripts (scale_corpus.py, no human codings: machine suggestions).

    python benchmarks/report.py [--full] [--keep DIR]

Target (issue): the bundled study in under 60 s on this machine after install; the
160-transcript study is measured (seconds and peak memory), without a target.

Everything happens in a temporary directory (or --keep DIR): the study's inputs are copied
there with ``klantreis.copy_study`` and the pipeline writes its reports/, .klantreis/ and
personas/assignments.csv in the copy, never in the repository. When the copy's
personas/assignments.csv (the model's assignment from an earlier run in the repository)
would count as edited by the researchers (``klantreis.personas.edited_assignments``; e.g.
because the copy has no .klantreis/), it is deleted in the copy, so the run assigns personas
itself as on a first run; the script says so.

Each run is a fresh child process that does what ``klantreis run`` does (logging set up
as the CLI does; ``Pipeline(study).run()``) and reports every stage's seconds and whether
it was skipped, the process start-up (imports), the total, and the peak RSS after each
stage (VmHWM, the process's high-water mark, so it only grows). A skipped stage still runs its ``compute`` half (the
later stages need its results); only writing files is skipped.

The scaled transcripts are perturbed copies of the bundled (already anonymized) ones:
words replaced by corpus words, dropped or doubled ("Kun Kun"), and a random label style,
one of which uses the fictional first names "Jeske" and "Amal" as speaker labels. The
privacy check rightly flags those names and some perturbation artefacts (a doubled
capitalised word reads like a name). Before the scale runs, the check is run once
(untimed) and every suspect is accepted in the copy's anonymization/allow.txt, the way a
researcher accepts false positives: the speaker labels everywhere, artefacts per
``FILE:LINE``. The count per kind is printed, so the allow list stays visible.
--full also runs the scale study a second time (unchanged inputs).
"""
from __future__ import annotations

import argparse
import csv
import json
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

LIMIT_SECONDS = 60.0


# --- the child: one `klantreis run` ----------------------------------------------------------

def measure(study_dir: Path) -> dict:
    import logging

    from _util import peak_rss_mb as _rss_mb

    # as the CLI does: our handler first (deduce configures DEBUG logging on import)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    from klantreis import Study
    from klantreis.pipeline import Pipeline, default_stages

    startup = time.perf_counter() - T_START
    rss: dict[str, float] = {}
    stages = default_stages()
    for stage in stages:
        compute, write = stage.compute, stage.write

        def wrapped_compute(ctx, _f=compute, _n=stage.name):
            _f(ctx)
            rss[_n] = _rss_mb()

        def wrapped_write(ctx, _f=write, _n=stage.name):
            out = _f(ctx)
            rss[_n] = _rss_mb()
            return out

        stage.compute, stage.write = wrapped_compute, wrapped_write
    t0 = time.perf_counter()
    study = Study.load(study_dir)
    results, ctx = Pipeline(study, stages=stages).run()
    run_s = time.perf_counter() - t0
    return {
        "stages": [{"name": r.name, "seconds": round(r.seconds, 2), "skipped": r.skipped,
                    "files": len(r.written), "rss_mb": rss.get(r.name)} for r in results],
        "transcripts": len(ctx.transcripts),
        "words": sum(t.word_count for t in ctx.transcripts),
        "codings": len(ctx.codings), "codings_source": ctx.codings_source,
        "personas": len(ctx.personas.personas) if ctx.personas is not None else 0,
        "startup_s": round(startup, 2), "run_s": round(run_s, 2),
        "total_s": round(time.perf_counter() - T_START, 2),
        "cpu_s": round(time.process_time(), 2), "peak_rss_mb": _rss_mb(),
    }


def run_child(study_dir: Path, log: Path) -> dict:
    with open(log, "a", encoding="utf-8") as err:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure",
                              str(study_dir)],
                             stdout=subprocess.PIPE, stderr=err, text=True, check=False)
    if out.returncode:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        sys.stderr.write("\n".join(tail) + "\n")
        raise SystemExit(f"klantreis run mislukt in {study_dir} (exit {out.returncode}); "
                         f"zie {log}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- preparing the studies -------------------------------------------------------------------

def copy_study(dst: Path) -> tuple[Path, str | None]:
    """The bundled study's inputs in ``dst`` (``klantreis.copy_study``), and a note when
    the copy's personas/assignments.csv had to go (see the module docstring)."""
    from klantreis import copy_study as _copy_study

    _copy_study(ROOT, dst)
    return dst, _drop_edited_assignments(dst)


def _drop_edited_assignments(study_dir: Path) -> str | None:
    path = study_dir / "personas" / "assignments.csv"
    if not path.exists():
        return None
    try:
        from klantreis import Study
        from klantreis.personas import edited_assignments
        edited = edited_assignments(Study.load(study_dir)) is not None
    except ImportError:  # the check moved: treat the file as the researchers' own
        edited = True
    if not edited:
        return None
    path.unlink()
    return ("personas/assignments.csv in de kopie verwijderd: de kopie zag hem als door de "
            "onderzoekers aangepast en zou die toewijzing overnemen; nu wijst het model zelf "
            "toe, zoals bij een eerste run")


def scale_study(dst: Path, corpus: Path) -> tuple[Path, dict]:
    """The bundled study with the scaled transcripts and no codings/; suspects of the
    privacy check accepted in its allow.txt (see the module docstring)."""
    from scale_corpus import STYLES

    _, note = copy_study(dst)
    # the scaled transcripts instead of the bundled ones; no human codings
    shutil.rmtree(dst / "interviews")
    shutil.rmtree(dst / "codings", ignore_errors=True)
    shutil.copytree(corpus, dst / "interviews")
    # the scaler's bookkeeping columns (source respondent, label style, file format) are
    # not respondent attributes: leave them out of the table the persona stage reads
    table = dst / "interviews" / "respondenten.csv"
    with open(table, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    columns = [c for c in rows[0] if c not in ("bron", "stijl", "formaat")]
    with open(table, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)

    from klantreis import Study
    from klantreis.anonymize.gate import AllowList, check_files
    from klantreis.anonymize.lexicon import StudyLists, fold
    from klantreis.anonymize.runner import source_files

    t0 = time.perf_counter()
    study = Study.load(dst)
    files, _ = source_files(study.interviews_dir)
    suspects = check_files(files, study=study, allow=AllowList(StudyLists.load(dst).allow))
    labels = {fold(w) for style in STYLES.values() for label in style.values()
              for w in label.split()}
    label_tokens = sorted({s.token for s in suspects if fold(s.token) in labels})
    other = sorted({f"{s.path.name}:{s.line} {s.token}" for s in suspects
                    if fold(s.token) not in labels})
    allow = dst / "anonymization" / "allow.txt"
    with open(allow, "a", encoding="utf-8") as fh:
        fh.write("\n# benchmarks/report.py: fictional speaker labels of scale_corpus.py\n")
        fh.writelines(f"{t}\n" for t in label_tokens)
        fh.write("# benchmarks/report.py: artefacts of the perturbation (doubled or "
                 "replaced words)\n")
        fh.writelines(f"{e}\n" for e in other)
    info = {"suspects": len(suspects), "labels": label_tokens,
            "label_hits": sum(fold(s.token) in labels for s in suspects),
            "artefacts": len(other), "prep_s": round(time.perf_counter() - t0, 1),
            "note": note}
    return dst, info


def prepare_child(dst: Path, corpus: Path, log: Path) -> dict:
    """``scale_study`` in a child process: the check loads deduce (over 1 GB), which the
    parent should not keep while the measured runs start."""
    with open(log, "a", encoding="utf-8") as err:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--prepare",
                              str(dst), str(corpus)],
                             stdout=subprocess.PIPE, stderr=err, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"voorbereiden van de opgeschaalde studie mislukt; zie {log}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the parent: print ---------------------------------------------------------------------

def print_runs(title: str, runs: list[tuple[str, dict]]) -> None:
    from _util import nl_int

    first = runs[0][1]
    print(f"\n{title}: {nl_int(first['transcripts'])} transcripten, "
          f"{nl_int(first['words'])} woorden, {nl_int(first['codings'])} coderingen "
          f"({first['codings_source']}), {first['personas']} persona's")
    names = [s["name"] for s in first["stages"]]
    head = f"{'stap':<11}" + "".join(f" {n:>16}" for n, _ in runs)
    print(head)
    print(f"{'':<11}" + "".join(f" {'s':>7} {'piek MB':>8}" for _ in runs))
    for i, name in enumerate(names):
        cells = []
        for _, r in runs:
            st = r["stages"][i]
            mark = "*" if st["skipped"] else " "
            cells.append(f" {st['seconds']:>6.2f}{mark} {st['rss_mb'] or 0:>8.0f}")
        print(f"{name:<11}" + "".join(cells))
    print(f"{'opstart':<11}" + "".join(f" {r['startup_s']:>7.2f} {'':>8}" for _, r in runs))
    print(f"{'totaal':<11}" + "".join(f" {r['total_s']:>7.2f} {r['peak_rss_mb']:>8.0f}"
                                      for _, r in runs))
    print(f"{'cpu':<11}" + "".join(f" {r['cpu_s']:>7.2f} {'':>8}" for _, r in runs))
    print("  * = schrijven overgeslagen (invoer ongewijzigd); de berekening loopt wel. "
          "totaal = proces (opstart + alle stappen); piek = VmHWM na de stap.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true",
                    help="ook een tweede run van de opgeschaalde studie")
    ap.add_argument("--keep", help="werkmap (standaard tijdelijk, daarna verwijderd)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    if args.prepare:
        import logging
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(scale_study(Path(args.prepare[0]), Path(args.prepare[1]))[1]))
        return 0

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="klantreis-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    from _util import machine, verdict
    print(f"{machine()}; werkmap {base}")
    try:
        bundled = base / "bundled"
        if bundled.exists():
            shutil.rmtree(bundled)
        _, note = copy_study(bundled)
        if note:
            print(note)
        log = base / "bundled.log"
        runs = [("koud", run_child(bundled, log)), ("tweede", run_child(bundled, log))]
        print_runs("Meegeleverde studie", runs)
        cold = runs[0][1]["total_s"]
        ok = cold < LIMIT_SECONDS
        print(f"doel meegeleverde studie < {LIMIT_SECONDS:.0f} s (koud, proces): {cold:.1f} s "
              f"-> {'gehaald' if ok else 'NIET gehaald'}")

        from scale_corpus import make_corpus
        corpus = base / "corpus160"
        if not corpus.is_dir() or len(list(corpus.iterdir())) < 160:
            make_corpus(ROOT / "interviews", corpus, 160, seed=0)
        scaled = base / "scaled160"
        if scaled.exists():
            shutil.rmtree(scaled)
        info = prepare_child(scaled, corpus, base / "scaled160.log")
        print(f"\nopgeschaalde studie voorbereid in {info['prep_s']} s (niet getimed): "
              f"privacycontrole vond {info['suspects']} verdachte woorden; toegestaan in "
              f"allow.txt: sprekerlabels {', '.join(info['labels']) or '-'} "
              f"({info['label_hits']}x, overal) en {info['artefacts']} verstoringsartefacten "
              f"(per BESTAND:REGEL)")
        if info.get("note"):
            print(info["note"])
        log = base / "scaled160.log"
        runs = [("koud", run_child(scaled, log))]
        if args.full:
            runs.append(("tweede", run_child(scaled, log)))
        print_runs("Opgeschaalde studie (160)", runs)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return verdict({f"meegeleverde studie < {LIMIT_SECONDS:.0f} s": ok})


if __name__ == "__main__":
    sys.exit(main())
