"""Scale the bundled transcripts to N files for speed and robustness benchmarks.

Each new transcript starts from a bundled one: its question/answer exchanges are shuffled
within four consecutive phases (the interview's order roughly follows the journey), some
words are replaced, dropped or stuttered, and the file gets a random label style (I:/R:,
Interviewer:/Respondente:, timestamps, numbered speakers, first names) and format (UTF-8,
Windows-1252 with CRLF, Markdown, Word, WebVTT). A respondenten.csv with new ids is written.

    python benchmarks/scale_corpus.py --n 160 --out DIR [--src interviews] [--seed 0]
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))

from klantreis.respondents import load_respondents  # noqa: E402
from klantreis.transcripts import read_transcript, transcript_files  # noqa: E402

# label per role for each style; None = numbered/named, filled per file
STYLES = {
    "letters": {"interviewer": "I", "respondent": "R", "interpreter": "T", "other": "B"},
    "words": {"interviewer": "Interviewer", "respondent": "Respondente", "interpreter": "Tolk",
              "other": "Begeleider"},
    "timestamps": {"interviewer": "I", "respondent": "R", "interpreter": "T", "other": "B"},
    "numbered": {"interviewer": "Spreker 1", "respondent": "Spreker 2",
                 "interpreter": "Spreker 3", "other": "Spreker 4"},
    "names": {"interviewer": "Jeske", "respondent": "Amal", "interpreter": "Tolk",
              "other": "Begeleider"},
}
FORMATS = [("txt", 0.45), ("txt-cp1252", 0.15), ("md", 0.1), ("docx", 0.15), ("vtt", 0.15)]
_WORD = re.compile(r"[^\W\d_]+")
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*(?:-\d+)?\]")


def _exchanges(transcript):
    """Turns grouped as interviewer turn + the turns that answer it."""
    groups, current = [], []
    for seg in transcript.segments:
        if seg.role == "interviewer" and current:
            groups.append(current)
            current = []
        current.append(seg)
    if current:
        groups.append(current)
    return groups


def _shuffle_within_phases(groups, rng):
    if len(groups) < 6:
        return groups
    head, body = groups[:1], groups[1:]
    size = -(-len(body) // 4)
    out = list(head)
    for i in range(0, len(body), size):
        phase = body[i:i + size]
        rng.shuffle(phase)
        out.extend(phase)
    return out


def _perturb(text, rng, vocab):
    """Replace ~5% of words by corpus words, drop ~2%, stutter ~2%; keep [..] intact."""
    out = []
    for token in re.split(r"(\s+|\[[^\]]*\])", text):
        if not token or token.isspace() or token.startswith("[") or not _WORD.fullmatch(token):
            out.append(token)
            continue
        r = rng.random()
        if r < 0.05:
            out.append(rng.choice(vocab))
        elif r < 0.07:
            out.append("")
        elif r < 0.09:
            out.append(f"{token} {token}")
        else:
            out.append(token)
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


def _turns(transcript, rng, vocab):
    turns = []
    for group in _shuffle_within_phases(_exchanges(transcript), rng):
        for seg in group:
            text = _perturb(" ".join(seg.text.split()), rng, vocab)
            if text:
                turns.append((seg.role, text))
    return turns


def _clock(seconds):
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _render(turns, style, header, rid):
    labels = STYLES[style]
    lines, clock = [], 0
    for role, text in turns:
        label = labels.get(role, labels["other"])
        if style == "timestamps":
            lines.append(f"[{_clock(clock)}] {label}: {text}")
        else:
            lines.append(f"{label}: {text}")
        clock += 5 + len(text.split()) // 2
    head = [f"Interview {rid}"] + [f"{k.capitalize()}: {v}" for k, v in header.items()
                                   if k != "titel"]
    return head, lines


def _write(path_stem, fmt, head, lines, turns, style):
    if fmt == "txt":
        path = path_stem.with_suffix(".txt")
        path.write_text("\n".join(head) + "\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "txt-cp1252":
        path = path_stem.with_suffix(".txt")
        text = "\r\n".join(head) + "\r\n\r\n" + "\r\n\r\n".join(lines) + "\r\n"
        path.write_bytes(text.encode("cp1252", errors="replace"))
    elif fmt == "md":
        path = path_stem.with_suffix(".md")
        body = [re.sub(r"^((?:\[[\d:]+\] )?)([^:]+):", r"\1**\2:**", ln, count=1) for ln in lines]
        path.write_text("# " + head[0] + "\n\n" + "\n".join(head[1:]) + "\n\n"
                        + "\n\n".join(body) + "\n", encoding="utf-8")
    elif fmt == "docx":
        import docx

        path = path_stem.with_suffix(".docx")
        document = docx.Document()
        for h in head:
            document.add_paragraph(h)
        document.add_paragraph("")
        for ln in lines:
            label, _, text = ln.partition(": ")
            p = document.add_paragraph()
            p.add_run(label + ":").bold = True
            p.add_run(" " + text)
        document.save(str(path))
    else:  # vtt: voice tags, one cue per sentence-ish chunk
        path = path_stem.with_suffix(".vtt")
        labels = STYLES[style]
        cues, clock = ["WEBVTT", ""], 0.0
        for role, text in turns:
            voice = labels.get(role, labels["other"])
            words = text.split()
            for i in range(0, len(words), 14):
                chunk = " ".join(words[i:i + 14])
                start, clock = clock, clock + 0.4 * len(words[i:i + 14]) + 0.3
                cues += [f"{_vtt(start)} --> {_vtt(clock)}", f"<v {voice}>{chunk}", ""]
        path.write_text("\n".join(cues), encoding="utf-8")
    return path


def _vtt(seconds):
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def make_corpus(src_dir, out_dir, n, seed=0):
    """Write ``n`` transcripts derived from those in ``src_dir`` to ``out_dir``; return paths."""
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = [read_transcript(p) for p in transcript_files(src_dir)]
    if not sources:
        raise SystemExit(f"geen transcripten in {src_dir}")
    table = load_respondents(src_dir)
    vocab = sorted({w.lower() for t in sources for s in t.segments
                    for w in _WORD.findall(_PLACEHOLDER.sub(" ", s.text))})
    width = max(4, len(str(n)))
    paths, rows = [], []
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        src = sources[i % len(sources)]
        rid = f"R{i + 1:0{width}d}"
        style = rng.choice(list(STYLES))
        fmt = rng.choices([f for f, _ in FORMATS], weights=[w for _, w in FORMATS])[0]
        turns = _turns(src, rng, vocab)
        head, lines = _render(turns, style, src.header, rid)
        paths.append(_write(out_dir / rid, fmt, head, lines, turns, style))
        rows.append({"id": rid, "bron": src.respondent_id, "stijl": style, "formaat": fmt,
                     **table.attributes(src.respondent_id)})
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(out_dir / "respondenten.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("ja" if v is True else "nee" if v is False else v)
                             for k, v in r.items()})
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=160)
    ap.add_argument("--out", required=True)
    ap.add_argument("--src", default=str(ROOT / "interviews"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    paths = make_corpus(args.src, args.out, args.n, args.seed)
    print(f"{len(paths)} transcripten geschreven naar {args.out}")


if __name__ == "__main__":
    main()
