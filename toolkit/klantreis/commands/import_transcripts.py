"""klantreis import-transcripts STUDY [--json]: the segments table (no transcript text).

STUDY may also be a single transcript file, to try out how a file is read. Speaker labels
are printed only when they are role words ("I", "Tolk"), numbered speakers ("Spreker 1") or
placeholders ("[PERSOON-1]"); any other label (usually a first name) is shown as
"naam (verborgen)" next to its role.
"""
from __future__ import annotations

import json
import sys

COLUMNS = ["respondent", "index", "speaker", "role", "start", "end", "words"]


def add_arguments(p) -> None:
    p.add_argument("study", nargs="?", default=".",
                   help="de studiemap, of één transcriptbestand")
    p.add_argument("--json", action="store_true", help="uitvoer als JSON (één object per segment)")


def run(args) -> int:
    from pathlib import Path

    from ..study import Study
    from ..transcripts import read_transcript, segments_table
    from .check import format_table

    target = Path(args.study)
    warnings: list[str] = []
    if target.is_file():
        transcripts = [read_transcript(target, warnings=warnings)]
    else:
        result = Study.load(target).imported
        transcripts, warnings = result.transcripts, result.warnings
    rows = segments_table(transcripts)
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(format_table(rows, COLUMNS + ["interpreted"]) if rows else "geen segmenten")
    for w in warnings:
        print(f"waarschuwing: {w}", file=sys.stderr)
    return 0
