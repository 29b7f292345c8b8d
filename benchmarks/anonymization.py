"""Anonymization: recall and precision per type, kept public bodies, and speed.

    python benchmarks/anonymization.py [--verbose] [--no-deduce]

Three evaluations, all with the default study settings (ages kept, shelter organisations
replaced, countries kept):

1. Our own labelled set (benchmarks/data/anonymization/T*.txt): fictional raw Dutch
   interview transcripts with every planted item tagged ``{{LABEL|text}}`` and every
   public body or ordinary capitalised word that must stay tagged ``{{KEEP|text}}``.
   This is DEVELOPMENT data: the recognisers were built and tuned while looking at it, so
   its figures are optimistic. To show how much the bundled word lists lean on it, the set
   is also run with every entry of first_names.txt and places.txt that occurs in it (and
   that deduce's own lists lack) left out ("zonder eigen lijstwoorden").
   Per type: recall (the item is fully covered by some replacement: nothing of it stays
   readable), typed recall (covered by a replacement of the right type) and precision
   (a replacement of that type lies on a planted item of that type). Plus: KEEP items
   removed (must be 0) and the whole folder through ``anonymize_folder`` with every
   planted text searched for in the output.
2. deduce's regression cases (../shared/eval/deduce/): per file, recall of the annotated
   spans (every letter and digit replaced, except titles and lower-case particles such as
   "dr" and "van der", which stay readable by design) and precision (negative examples
   count: anything found there is a false alarm).
   Ages are evaluated with ``keep_ages: false`` (by default ages stay).
3. CoNLL-2002 Dutch (../shared/eval/conll2002_nl/): one sentence per line, one text per
   article, PER and LOC entities. The news-text rules (organisation markers, brand and
   compound rules) were derived from ned.train, so ned.train is development data;
   ned.testa is held out and is the figure to quote. Entity-level recall (every character of the
   entity replaced; typed: by PERSOON/PLAATS) and precision (a PERSOON/PLAATS replacement
   lies on a PER/LOC entity; also reported: on any CoNLL entity, i.e. no ordinary word
   was lost).

Speed: words per second of ``Detector.detect_many`` once deduce's cache exists and is
loaded (the one-off load time is printed separately).

Targets: own set BSN, IBAN, TELEFOON, EMAIL, POSTCODE recall 1.0 and no KEEP item removed;
CoNLL PER recall >= 0.95 with precision >= 0.80; >= 20,000 words/s.
Parts 2 and 3 are skipped with a message when ../shared/eval is absent.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DATA = ROOT / "benchmarks" / "data" / "anonymization"
EVAL = ROOT.parent / "shared" / "eval"
TAG_RE = re.compile(r"\{\{([A-Z]+)\|(.*?)\}\}")
MUST_BE_PERFECT = ("BSN", "IBAN", "TELEFOON", "EMAIL", "POSTCODE")
WORDS_PER_S_TARGET = 20_000


# --- the labelled set ---------------------------------------------------------------------

def load_labelled(folder: Path = DATA) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """[(file name, raw text, [(start, end, label)])] with the inline tags stripped."""
    out = []
    for path in sorted(folder.glob("T*.txt")):
        tagged = path.read_text(encoding="utf-8")
        text, gold, pos = [], [], 0
        length = 0
        for m in TAG_RE.finditer(tagged):
            before = tagged[pos:m.start()]
            text.append(before)
            length += len(before)
            label, inner = m.group(1), m.group(2)
            gold.append((length, length + len(inner), label))
            text.append(inner)
            length += len(inner)
            pos = m.end()
        text.append(tagged[pos:])
        out.append((path.name, "".join(text), gold))
    return out


_TITLE_OR_PARTICLE = re.compile(
    r"(?i:\b(?:dr|drs|mr|ir|prof|dhr|mevr|mw|mevrouw|meneer|mijnheer|heer|dokter)\b\.?)|"
    r"\b(?:van|de|der|den|het|ter|ten|v/d|v\.d\.)\b")


def _covered(text: str, start: int, end: int, dets, labels=None,
             ignore_titles: bool = False) -> bool:
    """Every non-space character of text[start:end] lies inside a detection. With
    ``ignore_titles`` a title or lower-case particle left readable does not count ("dr" of
    "dr Visser" and "van der" of "van der Sluis" identify no one)."""
    spans = [(d.start, d.end) for d in dets if labels is None or d.label in labels]
    skip = set()
    if ignore_titles:
        for m in _TITLE_OR_PARTICLE.finditer(text, start, end):
            skip.update(range(m.start(), m.end()))
    for p in range(start, end):
        if text[p].isspace() or p in skip or not text[p].isalnum() and ignore_titles:
            continue
        if not any(s <= p < e for s, e in spans):
            return False
    return True


def _overlaps(d, spans) -> bool:
    return any(s < d.end and d.start < e for s, e, *_ in spans)


def _same_kind(label: str) -> set[str]:
    # a date of birth found as a date is still found as a date
    if label in ("DATUM", "GEBOORTEDATUM"):
        return {"DATUM", "GEBOORTEDATUM"}
    return {label}


def evaluate_labelled(detector, verbose: bool = False) -> dict:
    docs = load_labelled()
    results = detector.detect_many([t for _, t, _ in docs])
    stats: dict[str, Counter] = defaultdict(Counter)
    keep_removed = []
    misses, false_alarms = [], []
    for (name, text, gold), dets in zip(docs, results):
        real = [g for g in gold if g[2] != "KEEP"]
        keeps = [g for g in gold if g[2] == "KEEP"]
        for s, e, label in real:
            st = stats[label]
            st["gold"] += 1
            if _covered(text, s, e, dets):
                st["covered"] += 1
            else:
                misses.append((name, label, text[s:e], _line(text, s)))
            if _covered(text, s, e, dets, _same_kind(label)):
                st["typed"] += 1
        for s, e, _ in keeps:
            if any(d.start < e and s < d.end for d in dets):
                keep_removed.append((name, text[s:e], _line(text, s)))
        for d in dets:
            st = stats[d.label]
            st["pred"] += 1
            same = [(s, e) for s, e, lab in real if lab in _same_kind(d.label)]
            if _overlaps(d, same):
                st["pred_ok"] += 1
            if not _overlaps(d, real):
                false_alarms.append((name, d.label, d.text, _line(text, d.start)))
    total_pred = sum(st["pred"] for st in stats.values())
    return {"stats": stats, "keep_removed": keep_removed, "misses": misses,
            "false_alarms": false_alarms, "docs": docs,
            "keep_total": sum(1 for _, _, g in docs for x in g if x[2] == "KEEP"),
            "precision_any": 1 - len(false_alarms) / total_pred if total_pred else 1.0}


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def leftovers_after_run(docs) -> list[tuple[str, str, str]]:
    """Run ``anonymize_folder`` on the raw texts; return planted items still readable
    (the planted text found verbatim in the output)."""
    from klantreis.anonymize import anonymize_folder
    left = []
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "ruw", Path(tmp) / "uit"
        src.mkdir()
        for name, text, _ in docs:
            (src / name).write_text(text, encoding="utf-8")
        anonymize_folder(src, out)
        for name, text, gold in docs:
            result = (out / name).read_text(encoding="utf-8")
            for s, e, label in gold:
                item = text[s:e]
                if label == "KEEP" or len(item) < 3:
                    continue
                if re.search(r"(?<!\w)" + re.escape(item) + r"(?!\w)", result):
                    left.append((name, label, item))
    return left


def print_labelled(res: dict, verbose: bool) -> bool:
    stats = res["stats"]
    print(f"\n1. Eigen gelabelde set: {len(res['docs'])} fictieve transcripten, "
          f"{sum(len(t.split()) for _, t, _ in res['docs'])} woorden")
    print("   LET OP: ontwikkeldata (de herkenners zijn met deze set in zicht gebouwd en "
          "afgesteld); de cijfers zijn optimistisch")
    print(f"   {'type':<14}{'n':>5}{'recall':>9}{'getypeerd':>11}{'voorspeld':>11}{'precisie':>10}")
    labels = sorted(set(stats), key=lambda l: (-stats[l]["gold"], l))
    ok = True
    for label in labels:
        st = stats[label]
        if not st["gold"] and not st["pred"]:
            continue
        rec = st["covered"] / st["gold"] if st["gold"] else float("nan")
        typ = st["typed"] / st["gold"] if st["gold"] else float("nan")
        prec = st["pred_ok"] / st["pred"] if st["pred"] else float("nan")
        flag = ""
        if label in MUST_BE_PERFECT and st["gold"]:
            flag = "  (doel 1.0: " + ("gehaald" if rec == 1.0 else "NIET GEHAALD") + ")"
            ok &= rec == 1.0
        print(f"   {label:<14}{st['gold']:>5}{rec:>9.3f}{typ:>11.3f}{st['pred']:>11}"
              f"{prec:>10.3f}{flag}")
    gold = sum(stats[l]["gold"] for l in stats)
    cov = sum(stats[l]["covered"] for l in stats)
    print(f"   {'alles':<14}{gold:>5}{cov / gold:>9.3f}"
          f"{sum(stats[l]['typed'] for l in stats) / gold:>11.3f}"
          f"{sum(stats[l]['pred'] for l in stats):>11}{res['precision_any']:>10.3f}"
          f"   (precisie hier: vervanging ligt op een geplant item, van welk type ook)")
    kr = res["keep_removed"]
    print(f"   KEEP-items (publieke instanties, gewone woorden) verwijderd: {len(kr)} van "
          f"{res['keep_total']}  (doel 0: {'gehaald' if not kr else 'NIET GEHAALD'})")
    ok &= not kr
    for name, item, line in kr:
        print(f"     {name}:{line} {item}")
    if verbose or res["misses"]:
        for name, label, item, line in res["misses"]:
            print(f"     gemist {name}:{line} {label} {item!r}")
    if verbose:
        for name, label, item, line in res["false_alarms"]:
            print(f"     onterecht {name}:{line} {label} {item!r}")
    return ok


def leave_out_lexicon(docs):
    """The lexicon without the entries of our own first_names.txt and places.txt that occur
    in the labelled set and that deduce's lists lack: (lexicon, names left out, places left
    out). Shows how much the own-set figures owe to list entries the set also contains."""
    import dataclasses

    from klantreis.anonymize.lexicon import (
        Lexicon,
        _deduce_items,
        _deduce_lookup_dir,
        data_dir,
        fold,
        read_list,
    )
    lex = Lexicon.load()
    text = "\n".join(fold(t) for _, t, _ in docs)

    def occurs(item: str) -> bool:
        return re.search(r"(?<!\w)" + re.escape(fold(item)) + r"(?!\w)", text) is not None

    base = _deduce_lookup_dir()
    deduce_first = {fold(w) for w in _deduce_items(base, "names/lst_first_name")}
    deduce_places = {fold(w) for w in _deduce_items(base, "locations/lst_placename")}
    names = sorted({fold(w) for w in read_list(data_dir() / "first_names.txt", True)
                    if occurs(w)} - deduce_first)
    places = sorted({fold(w) for w in read_list(data_dir() / "places.txt") if occurs(w)}
                    - deduce_places)
    reduced = dataclasses.replace(lex, first_names=lex.first_names - set(names),
                                  places=lex.places - set(places), _word_cache={})
    return reduced, names, places


# --- deduce's regression cases ---------------------------------------------------------

DEDUCE_TAGS = {"persoon": {"PERSOON"}, "patient": {"PERSOON"},
               "locatie": {"PLAATS", "ADRES", "POSTCODE"},
               "ziekenhuis": {"INSTELLING"}, "zorginstelling": {"INSTELLING"},
               "datum": {"DATUM", "GEBOORTEDATUM"}, "leeftijd": {"LEEFTIJD"},
               "telefoonnummer": {"TELEFOON"}, "emailadres": {"EMAIL"}, "url": {"URL"},
               "bsn": {"BSN"}, "id": {"BSN", "NUMMER"}}


def evaluate_deduce(folder: Path, detector_for) -> list[tuple[str, int, int, float, int, float]]:
    rows = []
    for path in sorted(folder.glob("*.json")):
        examples = json.loads(path.read_text(encoding="utf-8"))["examples"]
        det = detector_for(path.stem)
        gold_n = found = pred = pred_ok = 0
        for ex in examples:
            text = ex["text"]
            dets = det.detect(text)
            anns = ex["annotations"]
            for a in anns:
                gold_n += 1
                found += _covered(text, a["start_char"], a["end_char"], dets,
                                  ignore_titles=True)
            spans = [(a["start_char"], a["end_char"]) for a in anns]
            for d in dets:
                pred += 1
                pred_ok += _overlaps(d, spans)
        rows.append((path.stem, len(examples), gold_n, found / gold_n if gold_n else 1.0,
                     pred, pred_ok / pred if pred else 1.0))
    return rows


# --- CoNLL-2002 ----------------------------------------------------------------------------

def load_conll(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Articles as (text with one sentence per line, [(start, end, type)])."""
    docs, cur, sent = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            if sent:
                cur.append(sent)
                sent = []
            if cur:
                docs.append(cur)
                cur = []
            continue
        if not line.strip():
            if sent:
                cur.append(sent)
                sent = []
            continue
        tok, _pos, tag = line.split(" ")
        sent.append((tok, tag))
    if sent:
        cur.append(sent)
    if cur:
        docs.append(cur)
    out = []
    for doc in docs:
        parts, gold, length = [], [], 0
        for sent in doc:
            ent = None
            for i, (tok, tag) in enumerate(sent):
                if i:
                    parts.append(" ")
                    length += 1
                s = length
                parts.append(tok)
                length += len(tok)
                if tag.startswith("B-"):
                    ent = [s, length, tag[2:]]
                    gold.append(ent)
                elif tag.startswith("I-") and ent is not None:
                    ent[1] = length
                else:
                    ent = None
            parts.append("\n")
            length += 1
        out.append(("".join(parts), [tuple(g) for g in gold]))
    return out


def evaluate_conll(docs, results) -> dict:
    out = {}
    for typ, label in (("PER", "PERSOON"), ("LOC", "PLAATS")):
        gold = [(i, s, e) for i, (_, g) in enumerate(docs) for s, e, t in g if t == typ]
        cov = sum(_covered(docs[i][0], s, e, results[i]) for i, s, e in gold)
        typed = sum(_covered(docs[i][0], s, e, results[i], {label}) for i, s, e in gold)
        preds = [(i, d) for i in range(len(docs)) for d in results[i] if d.label == label]
        ok = sum(_overlaps(d, [(s, e) for s, e, t in docs[i][1] if t == typ]) for i, d in preds)
        ent = sum(_overlaps(d, docs[i][1]) for i, d in preds)
        n = len(preds) or 1
        out[typ] = {"gold": len(gold), "recall": cov / len(gold), "typed": typed / len(gold),
                    "pred": len(preds), "precision": ok / n, "precision_entity": ent / n}
    return out


# --- speed ----------------------------------------------------------------------------------

def words_per_second(detector, texts: list[str], repeat: int = 5) -> tuple[float, float]:
    """(words per wall-clock second, words per CPU second of this process), best of
    ``repeat`` runs. The detector is single-threaded: on a shared machine the wall clock
    also counts time other processes had the core, the CPU time does not."""
    words = sum(len(t.split()) for t in texts)
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        detector.detect_many(texts)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return words / wall, words / cpu


# --- main -----------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="list every miss and false alarm")
    ap.add_argument("--no-deduce", action="store_true", help="without deduce's recognisers")
    ap.add_argument("--full", action="store_true", help="(accepted for benchmarks/run.py)")
    args = ap.parse_args(argv)

    from klantreis.anonymize import AnonymizationSettings, Detector
    from klantreis.anonymize.engine import cache_exists
    from klantreis.progress import set_quiet

    from _util import verdict

    set_quiet(True)
    targets: dict[str, bool | None] = {}
    settings = AnonymizationSettings(use_deduce=not args.no_deduce)
    print(f"deduce: {'uit' if args.no_deduce else 'aan'}; cache "
          f"{'aanwezig' if cache_exists() else 'wordt nu eenmalig gebouwd'}")
    t0 = time.perf_counter()
    detector = Detector(settings=settings)
    if detector.engine is not None:
        detector.engine.load()
    detector.detect("Opwarmen met Jan uit Haarlem.")
    print(f"laden (woordenlijsten{' en deduce' if not args.no_deduce else ''}): "
          f"{time.perf_counter() - t0:.1f} s (eenmalig per proces)")

    res = evaluate_labelled(detector, args.verbose)
    ok = print_labelled(res, args.verbose)
    left = leftovers_after_run(res["docs"])
    print(f"   na 'anonymize_folder': {len(left)} geplante items nog letterlijk leesbaar")
    for name, label, item in left:
        print(f"     {name} {label} {item!r}")
    reduced, names, places = leave_out_lexicon(res["docs"])
    lean = evaluate_labelled(Detector(settings=settings, lexicon=reduced, engine=detector.engine))
    print(f"   zonder eigen lijstwoorden die in de set staan ({len(names)} voornamen, "
          f"{len(places)} plaatsen uit first_names.txt/places.txt weggelaten):")
    for label in ("PERSOON", "PLAATS", "INSTELLING"):
        a, b = res["stats"][label], lean["stats"][label]
        if a["gold"]:
            print(f"     {label:<12} recall {a['covered'] / a['gold']:.3f} -> "
                  f"{b['covered'] / b['gold']:.3f}, getypeerd {a['typed'] / a['gold']:.3f} -> "
                  f"{b['typed'] / b['gold']:.3f}")
    own_texts = [t for _, t, _ in res["docs"]]
    wps = [words_per_second(detector, own_texts)]
    print(f"   snelheid eigen set: {wps[0][0]:,.0f} woorden/s (klok), "
          f"{wps[0][1]:,.0f} woorden per CPU-seconde")

    if not EVAL.is_dir():
        print(f"\n2./3. overgeslagen: {EVAL} ontbreekt (evaluatiebestanden van buiten het "
              f"project: deduce-regressiegevallen en CoNLL-2002)")
    else:
        deduce_dir = EVAL / "deduce"
        if deduce_dir.is_dir():
            age_settings = AnonymizationSettings(keep_ages=False, use_deduce=not args.no_deduce)
            age_detector = Detector(settings=age_settings, engine=detector.engine)
            rows = evaluate_deduce(deduce_dir,
                                   lambda stem: age_detector if stem == "ages" else detector)
            print("\n2. deduce-regressiegevallen (../shared/eval/deduce)")
            print(f"   {'bestand':<16}{'vbn':>5}{'gold':>6}{'recall':>9}{'voorspeld':>11}"
                  f"{'precisie':>10}")
            for stem, n, g, rec, p, prec in rows:
                note = "  (keep_ages: false)" if stem == "ages" else ""
                print(f"   {stem:<16}{n:>5}{g:>6}{rec:>9.3f}{p:>11}{prec:>10.3f}{note}")
        else:
            print("\n2. overgeslagen: ../shared/eval/deduce ontbreekt")
        roles = {"train": "ontwikkeldata: de nieuwstekstregels zijn hieruit afgeleid",
                 "testa": "achtergehouden: dit is het cijfer om te noemen"}
        for split, role in roles.items():
            conll = EVAL / "conll2002_nl" / f"ned.{split}"
            if not conll.is_file():
                print(f"\n3. overgeslagen: ../shared/eval/conll2002_nl/ned.{split} ontbreekt")
                continue
            docs = load_conll(conll)
            texts = [t for t, _ in docs]
            results = detector.detect_many(texts)
            ev = evaluate_conll(docs, results)
            print(f"\n3. CoNLL-2002 ned.{split} ({role}): {len(docs)} artikelen, "
                  f"{sum(len(t.split()) for t in texts)} woorden, één zin per regel")
            print(f"   {'type':<6}{'n':>5}{'recall':>9}{'getypeerd':>11}{'voorspeld':>11}"
                  f"{'precisie':>10}{'prec. entiteit':>16}")
            for typ, st in ev.items():
                print(f"   {typ:<6}{st['gold']:>5}{st['recall']:>9.3f}{st['typed']:>11.3f}"
                      f"{st['pred']:>11}{st['precision']:>10.3f}{st['precision_entity']:>16.3f}")
            per = ev["PER"]
            print(f"   doel PER recall >= 0.95: {'gehaald' if per['recall'] >= 0.95 else 'NIET GEHAALD'}"
                  f"; precisie >= 0.80 (PERSOON op een PER-entiteit): "
                  f"{'gehaald' if per['precision'] >= 0.80 else 'NIET GEHAALD'}"
                  f" ({per['precision']:.3f}); op enige entiteit: {per['precision_entity']:.3f}")
            print("   (LOC: landen blijven standaard staan, keep_countries; CoNLL telt ze als LOC)")
            if split == "testa":
                targets["CoNLL PER recall >= 0.95"] = per["recall"] >= 0.95
                targets["CoNLL PER precisie >= 0.80"] = per["precision"] >= 0.80
                w = words_per_second(detector, texts)
                wps.append(w)
                print(f"   snelheid CoNLL: {w[0]:,.0f} woorden/s (klok), {w[1]:,.0f} woorden "
                      f"per CPU-seconde")

    wall = min(w for w, _ in wps)
    cpu = min(c for _, c in wps)
    print(f"\nSnelheid (laagste van de metingen, cache geladen): {wall:,.0f} woorden/s op de "
          f"klok, {cpu:,.0f} woorden per CPU-seconde (doel >= {WORDS_PER_S_TARGET:,}: "
          f"{'gehaald' if cpu >= WORDS_PER_S_TARGET else 'NIET GEHAALD'}"
          f"{'' if wall >= WORDS_PER_S_TARGET else '; de klok telt ook andere processen op deze machine mee'})")
    try:
        print(f"(belasting van de machine: {os.getloadavg()[0]:.1f} op {os.cpu_count()} kernen)")
    except OSError:  # pragma: no cover
        pass
    print(f"Eigen set: identificatoren volledig en geen publieke instantie verwijderd: "
          f"{'ja' if ok else 'NEE'}")
    targets["eigen set: identificatoren 1.0, geen keep-item weg"] = ok
    targets[f"snelheid >= {WORDS_PER_S_TARGET:,} woorden/s"] = cpu >= WORDS_PER_S_TARGET
    return verdict(targets)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
