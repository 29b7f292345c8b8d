"""Print-ready persona cards (PDF A4/A5, PNG) drawn with matplotlib.

One card per persona: a coloured header with the name, how many respondents she stands
for and a one-line description; the attributes; needs and goals; pain and high points with
their evidence; the characteristic codes; two to four quotes with their source.

Design rules: Dutch labels; at least 8 pt at print size (every size is set for A5; on A4
the type is 1.25 times larger -- not the full sqrt 2 of the page, so that A4 also holds
more content); long text wrapped at word boundaries, cut with an ellipsis where a box ends;
Okabe-Ito colours and never colour alone (pain points carry a downward triangle and the
word "Pijnpunten", high points an upward one).

The card is laid out in points on ``heartbeat.Sheet`` and measured, wrapped and cut with
``heartbeat.TextFitter``, like the heartbeats and posters: every text remembers the box it
was fitted to, so ``heartbeat.overflowing_texts`` and ``assert_min_font_size`` check cards
too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from .colours import HIGH, INK, MUTED, PAIN, text_on
from .errors import KlantreisError
from .personas import PersonaCard

SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
PAIN_COLOR = PAIN          # vermillion (Okabe-Ito), kept for callers of the old names
HIGH_COLOR = HIGH          # bluish green (Okabe-Ito)
FONT = "DejaVu Sans"
# font sizes in points on A5 (the smallest print size): nothing below 8 pt
BASE = {"name": 20.0, "lead": 9.0, "heading": 10.0, "body": 8.5, "small": 8.0, "quote": 8.5}
SCALE = {"A5": 1.0, "A4": 1.25}   # type size relative to A5 (see the module docstring)
LINE = 1.28                # line height in em
MIN_PT = 8.0               # the smallest type on an A5 card (scaled like the rest)


class _Card:
    """The page in points (origin bottom left) with the fitter and the drawing helpers."""

    def __init__(self, size: str):
        from .heartbeat import Sheet
        w_mm, h_mm = SIZES_MM[size]
        self.sheet = Sheet(w_mm / 25.4, h_mm / 25.4)
        self.fig = self.sheet.fig
        self.ax = self.sheet.ax
        self.fit = self.sheet.fitter
        self.W, self.H = self.sheet.W, self.sheet.H
        self.scale = SCALE[size]

    def pt(self, name: str) -> float:
        return BASE[name] * self.scale

    def dy(self, size_pt: float, lines: float = 1.0) -> float:
        """Height of ``lines`` lines of ``size_pt`` text in points."""
        return size_pt * LINE * lines

    def wrap(self, text: str, width: float, size: float, style: str = "normal",
             weight: str = "normal") -> list[str]:
        """``text`` wrapped to ``width`` points (a word wider than that is hyphenated)."""
        return [ln for ln in self.fit.wrap(text, width, size, weight, style) or []
                if ln.strip()]

    def clip(self, lines: list[str], max_lines: int, width: float, size: float,
             style: str = "normal", weight: str = "normal", suffix: str = "") -> list[str]:
        return self.fit.clip(lines, max_lines, width, size, weight, style, suffix)

    def one_line(self, text: str, width: float, size: float, style: str = "normal",
                 weight: str = "normal") -> str:
        return self.fit.ellipsize(text, width, size, weight, style)

    def text(self, x: float, y: float, text: str, size: float, box, *, ha: str = "left",
             va: str = "top", weight: str = "normal", style: str = "normal",
             color: str = INK, zorder: float = 4):
        """One line of text; ``box`` (x0, y0, x1, y1) is where it must stay."""
        t = self.ax.text(x, y, text, fontsize=size, ha=ha, va=va, fontweight=weight,
                         style=style, color=color, family=FONT, zorder=zorder,
                         parse_math=False)
        t._klantreis_box = self.sheet.box(*box)
        return t

    def rule(self, x0: float, x1: float, y: float, color: str = MUTED,
             width: float = 0.5) -> None:
        self.ax.plot([x0, x1], [y, y], color=color, lw=width, zorder=3,
                     solid_capstyle="butt")


class _Column:
    """Flows text top-down between ``x0`` and ``x1``; stops (with an ellipsis) at ``bottom``."""

    def __init__(self, card: _Card, x0: float, x1: float, top: float, bottom: float):
        self.card, self.x0, self.x1, self.y, self.bottom = card, x0, x1, top, bottom
        self.box = (x0, bottom, x1, top)
        self.full = False   # something was shortened
        self.lost = False   # a whole section was left out

    def room(self, size_pt: float, lines: int = 1) -> bool:
        return self.y - self.card.dy(size_pt, lines) >= self.bottom

    def gap(self, em: float = 0.6) -> None:
        self.y -= self.card.dy(self.card.pt("body"), em)

    def heading(self, text: str, marker: str = "", color: str = INK,
                fallback: str = "") -> bool:
        """A section heading on one line, only when at least two lines of content fit below
        it. A heading too wide for the column becomes ``fallback`` (or is cut)."""
        c = self.card
        size = c.pt("heading")
        if self.y - c.dy(size, 1.5) - c.dy(c.pt("body"), 2.5) < self.bottom:
            self.full = self.lost = True  # a whole section does not fit
            return False
        x = self.x0
        if marker:
            c.text(x, self.y, marker, size, self.box, weight="bold", color=color)
            x += size * 1.25
        room = self.x1 - x
        if fallback and c.fit.width(text, size, "bold") > room:
            text = fallback
        c.text(x, self.y, c.one_line(text, room, size, weight="bold"), size, self.box,
               weight="bold")
        self.y -= c.dy(size, 1.15)
        # a thin rule under the heading (structure without relying on colour)
        c.rule(self.x0, self.x1, self.y + c.dy(size, 0.12), width=0.5 * c.scale)
        self.y -= c.dy(size, 0.3)
        return True

    def text(self, text: str, size: str = "body", style: str = "normal", weight: str = "normal",
             color: str = INK, indent: float = 0.0, max_lines: int | None = None) -> int:
        c = self.card
        size_pt = c.pt(size)
        width = self.x1 - self.x0 - indent
        lines = c.wrap(text, width, size_pt, style, weight) or [""]
        if max_lines is not None:
            lines = c.clip(lines, max_lines, width, size_pt, style, weight)
        fits = max(0, min(len(lines), int((self.y - self.bottom) / c.dy(size_pt) + 1e-9)))
        if fits < len(lines):
            self.full = True
            lines = c.clip(lines, fits, width, size_pt, style, weight)
        for line in lines:
            c.text(self.x0 + indent, self.y, line, size_pt, self.box, style=style,
                   weight=weight, color=color)
            self.y -= c.dy(size_pt)
        return len(lines)

    def _wrapped(self, text: str, size: str, indent: float, max_lines: int) -> list[str]:
        c = self.card
        size_pt = c.pt(size)
        width = self.x1 - self.x0 - indent
        return c.clip(c.wrap(text, width, size_pt) or [""], max_lines, width, size_pt)

    def bullet(self, text: str, detail: str = "", marker: str = "•", marker_color: str = INK,
               max_lines: int = 3) -> bool:
        """A bullet with an optional grey detail line; drawn whole or not at all."""
        c = self.card
        size_pt = c.pt("body")
        indent = size_pt * 1.3
        main = self._wrapped(text, "body", indent, max_lines)
        extra = self._wrapped(detail, "small", indent, 2) if detail else []
        height = c.dy(size_pt, len(main) + 0.25) + c.dy(c.pt("small"), len(extra))
        if self.y - height < self.bottom:
            self.full = True
            return False
        c.text(self.x0, self.y, marker, size_pt, self.box, weight="bold", color=marker_color)
        for line in main:
            c.text(self.x0 + indent, self.y, line, size_pt, self.box)
            self.y -= c.dy(size_pt)
        for line in extra:
            c.text(self.x0 + indent, self.y, line, c.pt("small"), self.box, color=MUTED)
            self.y -= c.dy(c.pt("small"))
        self.y -= c.dy(size_pt, 0.25)
        return True


def _percent(value: float) -> str:
    return f"{round(100 * value):d}%"


def card_figure(card: PersonaCard, size: str = "A4"):
    """The card as a matplotlib Figure of the given paper size (portrait).

    Quotes take the bottom of the card. When the lists above do not fit, the card is drawn
    again with fewer quotes or points: first a plan where everything fits, else the first
    where only a list is shortened (with a "nog N" note), never an item cut mid-way."""
    from .heartbeat import rc_context
    if size not in SIZES_MM:
        raise KlantreisError(f"onbekend formaat '{size}' (kies A4 of A5)")
    # (quotes, pain/high points, characteristic codes), most complete first
    plans = ([(3, 5, 4), (2, 5, 4), (2, 4, 4), (2, 3, 4), (2, 3, 2)] if size == "A4" else
             [(2, 4, 4), (2, 3, 4), (2, 3, 2), (1, 3, 4), (1, 3, 2), (1, 2, 2)])
    plans += [(1, 2, 0), (0, 2, 0)]
    drawn = []
    with rc_context():
        for n_quotes, n_points, n_chars in plans:
            fig, shortened, lost = _draw(card, size, min(n_quotes, len(card.quotes)),
                                         n_points, n_chars)
            if not shortened and not lost:
                return fig
            drawn.append((n_quotes, lost, fig))
    # nothing fits whole: keep a quote and every section, shorten a list ("nog N")
    for wants_quote in (True, False):
        for n_quotes, lost, fig in drawn:
            if not lost and (n_quotes >= 1 or not wants_quote or not card.quotes):
                return fig
    return drawn[-1][2]


def _draw(card: PersonaCard, size: str, n_quotes: int, n_points: int, n_chars: int):
    from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

    c = _Card(size)
    W, H = c.W, c.H
    margin_x = 0.06 * W
    margin_top = 0.03 * H
    inner_w = W - 2 * margin_x

    # --- header band (grows with the name and the description) -----------------------------
    top = H - margin_top
    avatar_h = 0.095 * H
    r = 0.40 * avatar_h
    tx = margin_x + 2 * r + 0.3 * 72.0
    text_w = W - margin_x - 0.025 * W - tx
    name_size = c.pt("name")
    name_fit = c.fit.fit(card.name or "?", text_w, c.dy(name_size, 2.0), name_size,
                         c.pt("heading") * 1.2, weight="bold", linespacing=LINE,
                         max_lines=2)
    name_lines, name_fs = name_fit[0].split("\n"), name_fit[1]
    desc = card.description or card.label
    lead = c.pt("lead")
    desc_lines = c.clip(c.wrap(desc, text_w, lead), 4, text_w, lead) if desc else []
    name_h = c.dy(name_fs, len(name_lines) - 1) + c.dy(name_fs, 1.05)
    header_h = max(avatar_h + 0.02 * H, 0.032 * H + name_h + c.dy(lead, 1.25 + len(desc_lines)))
    header_box = (margin_x, top - header_h, W - margin_x, top)
    c.ax.add_patch(FancyBboxPatch((margin_x, top - header_h), inner_w, header_h,
                                  boxstyle=f"round,pad=0,rounding_size={5 * c.scale}",
                                  facecolor=card.color, edgecolor="none", zorder=1))
    on = text_on(card.color)
    # avatar: a circle with the initial (the persona is recognisable in black and white)
    cx = margin_x + r + 0.15 * 72.0
    cy = top - header_h / 2
    c.ax.add_patch(Circle((cx, cy), r, facecolor="white", edgecolor=on,
                          linewidth=1.2 * c.scale, zorder=2))
    c.text(cx, cy, (card.name[:1] or "?").upper(), name_size * 1.2, header_box, ha="center",
           va="center_baseline", weight="bold",
           color=card.color if on == "#FFFFFF" else INK)
    y = top - 0.018 * H
    for line in name_lines:
        c.text(tx, y, line, name_fs, header_box, weight="bold", color=on)
        y -= c.dy(name_fs)
    y += c.dy(name_fs) - c.dy(name_fs, 1.05)
    c.text(tx, y, c.one_line(f"Staat voor {card.count_label} respondenten", text_w, lead,
                             weight="bold"), lead, header_box, weight="bold", color=on)
    y -= c.dy(lead, 1.25)
    for line in desc_lines:
        c.text(tx, y, line, lead, header_box, color=on)
        y -= c.dy(lead)

    # --- quotes at the bottom (measured first so the columns know where to stop) ------------
    small = c.pt("small")
    footer_h = c.dy(small, 2.6) + 0.012 * H
    bottom = footer_h + 0.02 * H
    quote_blocks = []
    q_width = inner_w - 0.05 * W
    qs = c.pt("quote")
    for q in card.quotes[:n_quotes]:
        lines = c.clip(c.wrap(f"\u201c{q.text}\u201d", q_width, qs, "italic"), 4, q_width, qs,
                       "italic", suffix="\u201d")
        quote_blocks.append((lines, q))
    quotes_h = 0.0
    if quote_blocks:
        quotes_h = c.dy(c.pt("heading"), 1.8)
        for lines, _ in quote_blocks:
            quotes_h += c.dy(qs, len(lines)) + c.dy(small, 1.6)
    quotes_top = bottom + quotes_h

    # --- attributes box -------------------------------------------------------------------
    y = top - header_h - 0.018 * H
    if card.attributes:
        body = c.pt("body")
        label_w = 0.2 * W
        value_w = inner_w - label_w - 0.03 * W
        rows = []
        for label, value in card.attributes:
            # a label keeps whole words (two lines at most), a value two lines
            fitted = c.fit.wrap(label, label_w - 0.02 * W, body, "bold", break_words=False)
            if fitted is None or len(fitted) > 2:
                fitted = [c.one_line(label, label_w - 0.02 * W, body, weight="bold")]
            values = c.clip(c.wrap(value, value_w, body) or [""], 2, value_w, body)
            rows.append((fitted, values))
        heading = c.pt("heading")
        box_h = sum(c.dy(body, max(len(lab), len(v), 1)) for lab, v in rows) + 0.02 * H + \
            c.dy(heading, 1.3)
        box = (margin_x, y - box_h, W - margin_x, y)
        c.ax.add_patch(Rectangle((margin_x, y - box_h), inner_w, box_h, facecolor=card.color,
                                 alpha=0.10, edgecolor="none", zorder=1))
        c.ax.add_patch(Rectangle((margin_x, y - box_h), 0.006 * W, box_h, facecolor=card.color,
                                 edgecolor="none", zorder=1))
        yy = y - 0.01 * H
        c.text(margin_x + 0.02 * W, yy, "Kenmerken", heading, box, weight="bold")
        yy -= c.dy(heading, 1.3)
        for labels, values in rows:
            for i, line in enumerate(labels):
                c.text(margin_x + 0.02 * W, yy - c.dy(body, i), line, body, box, weight="bold")
            for i, line in enumerate(values):
                c.text(margin_x + 0.02 * W + label_w, yy - c.dy(body, i), line, body, box)
            yy -= c.dy(body, max(len(labels), len(values), 1))
        y = y - box_h - 0.018 * H

    # --- characteristic codes: full width, two per row (the data-driven core) ---------------
    gutter = 0.05 * W
    mid = 0.5 * W
    limit = quotes_top + 0.01 * H
    if card.characteristic and n_chars:
        head = _Column(c, margin_x, W - margin_x, y, limit)
        head.heading(f"Kenmerkend voor {card.name}", marker="\u25c6", color=MUTED,
                     fallback="Kenmerkend voor deze persona")
        y = head.y
        items = card.characteristic[:n_chars]
        for row in range(0, len(items), 2):
            cols = [_Column(c, margin_x, mid - gutter / 2, y, limit),
                    _Column(c, mid + gutter / 2, W - margin_x, y, limit)]
            for col, s in zip(cols, items[row:row + 2]):
                detail = f"{s.respondents} van {s.group_size} respondenten"
                if s.rate_out is not None:
                    detail += f", anderen {_percent(s.rate_out)}"
                col.bullet(s.name, detail, marker="\u25c6", marker_color=MUTED, max_lines=2)
            y = min(col.y for col in cols)
        y -= c.dy(c.pt("body"), 0.6)

    # --- two columns -----------------------------------------------------------------------
    left = _Column(c, margin_x, mid - gutter / 2, y, limit)
    right = _Column(c, mid + gutter / 2, W - margin_x, y, limit)

    def listing(col: _Column, values: list[str]) -> None:
        if not values:
            col.text("Nog in te vullen door de onderzoeker.", style="italic", color=MUTED)
            return
        for i, value in enumerate(values):
            if not col.bullet(value):
                rest = len(values) - i
                col.text(f"(nog {rest} in het rapport)", size="small", style="italic",
                         color=MUTED)
                break

    if left.heading("Behoeften"):
        listing(left, card.needs)
    left.gap()
    if left.heading("Doelen"):
        listing(left, card.goals)

    for heading, marker, colour, points, empty in (
            ("Pijnpunten", "\u25bc", PAIN, card.pain_points, "Geen pijnpunten gecodeerd."),
            ("Hoogtepunten", "\u25b2", HIGH, card.high_points, "Geen hoogtepunten gecodeerd.")):
        if not right.heading(heading, marker=marker, color=colour):
            pass
        elif points:
            for s in points[:n_points]:
                if not right.bullet(s.name, s.evidence, marker=marker, marker_color=colour,
                                    max_lines=2):
                    break
        else:
            right.text(empty, style="italic", color=MUTED)
        if heading == "Pijnpunten":
            right.gap()

    # --- quotes ----------------------------------------------------------------------------
    if quote_blocks:
        qbox = (margin_x, bottom, W - margin_x, quotes_top)
        heading = c.pt("heading")
        yq = quotes_top
        c.text(margin_x, yq, "In hun woorden", heading, qbox, weight="bold")
        yq -= c.dy(heading, 1.15)
        c.rule(margin_x, W - margin_x, yq + c.dy(heading, 0.12), width=0.5 * c.scale)
        yq -= c.dy(heading, 0.5)
        for lines, q in quote_blocks:
            block_h = c.dy(qs, len(lines))
            c.ax.add_patch(Rectangle((margin_x, yq - block_h), 0.005 * W, block_h,
                                     facecolor=card.color, edgecolor="none", zorder=1))
            for line in lines:
                c.text(margin_x + 0.025 * W, yq, line, qs, qbox, style="italic")
                yq -= c.dy(qs)
            c.text(W - margin_x, yq - c.dy(small, 0.1),
                   c.one_line(f"\u2014 {q.source}", inner_w, small), small, qbox, ha="right",
                   color=MUTED)
            yq -= c.dy(small, 1.6)

    # --- footer ----------------------------------------------------------------------------
    fbox = (margin_x, 0, W - margin_x, bottom)
    basis = card.basis or f"Op basis van {card.n_total} interviews"
    c.rule(margin_x, W - margin_x, 0.02 * H + c.dy(small, 2.3), width=0.4 * c.scale)
    c.text(margin_x, 0.02 * H + c.dy(small, 1.0),
           c.one_line("Een persona is een fictief persoon, gebaseerd op de verhalen van echte "
                      "respondenten.", inner_w, small, style="italic"),
           small, fbox, va="bottom", style="italic", color=MUTED)
    c.text(margin_x, 0.02 * H, c.one_line(basis + ".", inner_w, small), small, fbox,
           va="bottom", color=MUTED)

    return c.fig, left.full or right.full, left.lost or right.lost


def _title(card: PersonaCard) -> str:
    return f"Persona {card.name}"


def render_card(card: PersonaCard, path: str | Path, size: str = "A4", dpi: int = 200) -> Path:
    """Write the card to ``path``; the format follows the suffix (.pdf, .png, .svg)."""
    from .heartbeat import save_figure
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png", "svg"):
        raise KlantreisError(f"kaart: onbekend bestandstype '{path.suffix}' (pdf, png of svg)",
                             path)
    if fmt == "png" and not 72 <= dpi <= 600:
        raise KlantreisError("dpi voor PNG moet tussen 72 en 600 liggen", path)
    return save_figure(card_figure(card, size), path, dpi=dpi, title=_title(card))[0]


def _card_files(card: PersonaCard, out_dir: Path, size: str, formats: tuple[str, ...],
                dpi: int) -> list[Path]:
    """One card at one size, drawn once and saved in every format asked
    (``<id>.<fmt>`` for A4, ``<id>_<size>.<fmt>`` otherwise)."""
    from .heartbeat import save_figure
    stem = card.persona_id if size == "A4" else f"{card.persona_id}_{size}"
    fig = card_figure(card, size)
    return [save_figure(fig, Path(out_dir) / f"{stem}.{fmt}", dpi=dpi, title=_title(card))[0]
            for fmt in formats]


def render_cards(cards: Sequence[PersonaCard], out_dir: str | Path,
                 sizes: Sequence[str] = ("A4", "A5"), png: bool = True,
                 dpi: int = 200) -> list[Path]:
    """PDF per card and size (``<id>.pdf`` for A4, ``<id>_A5.pdf``) plus an A4 PNG; each
    card is drawn once per size, the cards side by side on the machine's cores
    (``klantreis.parallel``)."""
    from .parallel import run_all
    for size in sizes:
        if size not in SIZES_MM:
            raise KlantreisError(f"onbekend formaat '{size}' (kies A4 of A5)")
    out_dir = Path(out_dir)
    jobs = []
    for card in cards:
        for size in sizes:
            formats = ("pdf", "png") if png and size == "A4" else ("pdf",)
            jobs.append((_card_files, (card, out_dir, size, formats, dpi), {}))
    return [path for paths in run_all(jobs) for path in paths]


def write_persona_outputs(study, result, transcripts, codings, attributes=None, *,
                          cards: bool = True, themes=None,
                          persona_cards: Mapping[str, PersonaCard] | None = None) -> list[Path]:
    """What the persona stage leaves behind: ``personas/assignments.csv``, the cards (A4 and
    A5 PDF, PNG), the dendrogram (Ward only) and the nuance table under
    ``reports/personas/``. ``persona_cards`` (persona id -> ``PersonaCard``): cards the
    caller already made, used instead of computing them again."""
    from .fileio import write_atomic
    from .heartbeat import save_figure
    from .personas import nuance_table, persona_card, write_assignments
    from .progress import say

    out_dir = study.reports_dir / "personas"
    written = write_assignments(study, result)
    paths = [written] if written is not None else []
    out_dir.mkdir(parents=True, exist_ok=True)
    if cards:
        say(f"  persona-kaarten tekenen ({len(result.personas)} persona's, A4 en A5)")
        ready = dict(persona_cards or {})
        made = [ready.get(p.id) or persona_card(result, p.id, transcripts, codings,
                                                study.codebook, attributes)
                for p in result.personas if p.respondents]
        paths += render_cards(made, out_dir)
    if result.model is not None and result.method == "ward" and len(result.assignments) > 2:
        paths += save_figure(result.dendrogram_figure(), out_dir / "dendrogram.png", dpi=200,
                             title="Dendrogram van de respondenten")
    themes = list(study.findings.themes) if themes is None else themes
    if themes:
        table = nuance_table(result, codings, study.codebook, themes)
        paths.append(write_atomic(out_dir / "nuance.csv", table.to_csv(lineterminator="\n")))
    return paths


__all__ = ["card_figure", "render_card", "render_cards", "write_persona_outputs", "SIZES_MM"]
