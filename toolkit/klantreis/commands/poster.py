"""klantreis poster STUDY [--size A3|A2]: a journey map poster per persona."""
from __future__ import annotations

from .heartbeat import load_heartbeats, parse_formats


def add_arguments(p) -> None:
    p.add_argument("study", help="de studiemap")
    p.add_argument("--size", choices=("A3", "A2"), default="A3",
                   help="papierformaat, liggend (standaard A3)")
    p.add_argument("--journey", metavar="ID", help="welke klantreis (standaard: de eerste)")
    p.add_argument("--persona", metavar="ID", action="append",
                   help="alleen deze persona (mag vaker)")
    p.add_argument("--formats", default="pdf,png,svg",
                   help="bestandsvormen, komma-gescheiden (standaard: pdf,png,svg)")
    p.add_argument("--png-dpi", type=int, default=150,
                   help="resolutie van de PNG-preview (standaard 150; druk de PDF af)")


def run(args) -> int:
    from ..errors import display_path
    from ..posters import write_posters
    from ..progress import say

    formats = parse_formats(args.formats)
    study, res, hbs = load_heartbeats(args)
    personas = {p.id: p for p in study.personas}
    code_names = {c.id: c.name for c in study.codebook.codes}
    out = study.reports_dir / "posters"
    say(f"posters maken ({len(hbs)} x {args.size}) ...")
    written = write_posters(personas, hbs, res.journey, out, args.size, formats=formats,
                            png_dpi=args.png_dpi, code_names=code_names)
    for path in written:
        print(f"geschreven: {display_path(path)}")
    return 0
