"""Print-ready persona cards (PDF A4/A5, PNG) drawn with matplotlib.

One card per persona: a coloured header with the name, how many respondents she stands
for and a one-line description; the attributes; needs and goals; pain and high points with
their evidence; the characteristic codes; two to four quotes with their source.

Design rules: Dutch labels; at least 8 pt at print size (the A5 card is the A4 card
scaled by 1/sqrt 2, so every size is set for A5 and grows on A4); long text wrapped;
Okabe-Ito colours and never colour alone (pain points carry a downward triangle and the
word "Pijnpunten", high points an upward one).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from .errors import KlantreisError
from .personas import PersonaCard, _text_on

SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
PAIN_COLOR = "#D55E00"     # vermillion (Okabe-Ito)
HIGH_COLOR = "#009E73"     # bluish green (Okabe-Ito)
INK = "#1A1A1A"
MUTED = "#555555"
FONT = "DejaVu Sans"
# font sizes in points on A5 (the smallest print size); A4 multiplies by sqrt(2)
BASE = {"name": 20.0, "lead": 9.0, "heading": 10.0, "body": 8.5, "small": 8.0, "quote": 8.5}
SCALE = {"A5": 1.0, "A4": 1.25}   # type size relative to A5
LINE = 1.28                # line height in em


@dataclass
class _Page:
    fig: object
    width_in: float
    height_in: float
    scale: float

    def pt(self, name: str) -> float:
        return BASE[name] * self.scale

    def dy(self, size_pt: float, lines: float = 1.0) -> float:
        """Height of ``lines`` lines of ``size_pt`` text as a figure fraction."""
        return size_pt * LINE * lines / 72.0 / self.height_in

    def wrap(self, text: str, width_frac: float, size: float, style: str = "normal",
             weight: str = "normal") -> list[str]:
        """``text`` wrapped to ``width_frac`` of the page at ``size`` points."""
        return wrap(text, width_frac * self.width_in * 72.0 * 0.98, size, style, weight)

    def clip(self, lines: list[str], max_lines: int, width_frac: float, size: float,
             style: str = "normal", weight: str = "normal", suffix: str = "") -> list[str]:
        """At most ``max_lines``; a cut ends in an ellipsis that still fits the width."""
        if len(lines) <= max_lines:
            return lines
        lines = lines[:max_lines]
        words = lines[-1].split()
        limit = width_frac * self.width_in * 72.0 * 0.98
        while words:
            candidate = _ellipsis(" ".join(words)) + suffix
            if _text_width_pt(candidate, size, style, weight) <= limit or len(words) == 1:
                break
            words.pop()
        lines[-1] = _ellipsis(" ".join(words)) + suffix
        return lines


class _Column:
    """Flows text top-down between ``x0`` and ``x1``; stops (with an ellipsis) at ``bottom``."""

    def __init__(self, page: _Page, x0: float, x1: float, top: float, bottom: float):
        self.page, self.x0, self.x1, self.y, self.bottom = page, x0, x1, top, bottom
        self.full = False   # something was shortened
        self.lost = False   # a whole section was left out

    def room(self, size_pt: float, lines: int = 1) -> bool:
        return self.y - self.page.dy(size_pt, lines) >= self.bottom

    def gap(self, em: float = 0.6) -> None:
        self.y -= self.page.dy(self.page.pt("body"), em)

    def heading(self, text: str, marker: str = "", color: str = INK) -> bool:
        """A section heading, only when at least two lines of content fit below it."""
        size = self.page.pt("heading")
        if self.y - self.page.dy(size, 1.5) - self.page.dy(self.page.pt("body"), 2.5) < self.bottom:
            self.full = self.lost = True  # a whole section does not fit
            return False
        fig = self.page.fig
        x = self.x0
        if marker:
            fig.text(x, self.y, marker, fontsize=size, color=color, va="top", ha="left",
                     family=FONT, fontweight="bold")
            x += size * 1.25 / 72.0 / self.page.width_in
        fig.text(x, self.y, text, fontsize=size, color=INK, va="top", ha="left", family=FONT,
                 fontweight="bold")
        self.y -= self.page.dy(size, 1.15)
        # a thin rule under the heading (structure without relying on colour)
        _rule(fig, self.x0, self.x1, self.y + self.page.dy(size, 0.12), width=0.5 * self.page.scale)
        self.y -= self.page.dy(size, 0.3)
        return True

    def text(self, text: str, size: str = "body", style: str = "normal", weight: str = "normal",
             color: str = INK, indent: float = 0.0, max_lines: int | None = None) -> int:
        size_pt = self.page.pt(size)
        width = self.x1 - self.x0 - indent
        lines = self.page.wrap(text, width, size_pt, style, weight) or [""]
        if max_lines is not None:
            lines = self.page.clip(lines, max_lines, width, size_pt, style, weight)
        drawn = 0
        for line in lines:
            if not self.room(size_pt):
                self.full = True
                break
            self.page.fig.text(self.x0 + indent, self.y, line, fontsize=size_pt, va="top",
                               ha="left", family=FONT, style=style, fontweight=weight,
                               color=color)
            self.y -= self.page.dy(size_pt)
            drawn += 1
        return drawn

    def _wrapped(self, text: str, size: str, indent: float, max_lines: int) -> list[str]:
        size_pt = self.page.pt(size)
        width = self.x1 - self.x0 - indent
        lines = self.page.wrap(text, width, size_pt) or [""]
        return self.page.clip(lines, max_lines, width, size_pt)

    def bullet(self, text: str, detail: str = "", marker: str = "•", marker_color: str = INK,
               max_lines: int = 3) -> bool:
        """A bullet with an optional grey detail line; drawn whole or not at all."""
        page = self.page
        size_pt = page.pt("body")
        indent = size_pt * 1.3 / 72.0 / page.width_in
        main = self._wrapped(text, "body", indent, max_lines)
        extra = self._wrapped(detail, "small", indent, 2) if detail else []
        height = page.dy(size_pt, len(main) + 0.25) + page.dy(page.pt("small"), len(extra))
        if self.y - height < self.bottom:
            self.full = True
            return False
        page.fig.text(self.x0, self.y, marker, fontsize=size_pt, va="top", ha="left",
                      family=FONT, color=marker_color, fontweight="bold")
        for line in main:
            page.fig.text(self.x0 + indent, self.y, line, fontsize=size_pt, va="top",
                          ha="left", family=FONT, color=INK)
            self.y -= page.dy(size_pt)
        for line in extra:
            page.fig.text(self.x0 + indent, self.y, line, fontsize=page.pt("small"), va="top",
                          ha="left", family=FONT, color=MUTED)
            self.y -= page.dy(page.pt("small"))
        self.y -= page.dy(size_pt, 0.25)
        return True


_MEASURE_DPI = 720  # fine enough that hinting does not distort widths


@lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg
    return RendererAgg(10, 10, _MEASURE_DPI)


@lru_cache(maxsize=20000)
def _text_width_pt(text: str, size_pt: float, style: str = "normal",
                   weight: str = "normal") -> float:
    """Width of ``text`` in points as the Agg renderer lays it out."""
    from matplotlib.font_manager import FontProperties
    prop = FontProperties(family=FONT, size=size_pt, style=style, weight=weight)
    width = _renderer().get_text_width_height_descent(text, prop, ismath=False)[0]
    return width * 72.0 / _MEASURE_DPI


def wrap(text: str, width_pt: float, size_pt: float, style: str = "normal",
         weight: str = "normal") -> list[str]:
    """Greedy word wrap on measured widths (a long word gets a line of its own)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and _text_width_pt(candidate, size_pt, style, weight) > width_pt:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _ellipsis(line: str) -> str:
    return line.rstrip(" .,;:") + " …"


def _rule(fig, x0: float, x1: float, y: float, color: str = MUTED, width: float = 0.5) -> None:
    """A thin horizontal line in figure coordinates."""
    from matplotlib.lines import Line2D
    fig.add_artist(Line2D([x0, x1], [y, y], transform=fig.transFigure, color=color,
                          linewidth=width))


def _percent(value: float) -> str:
    return f"{round(100 * value):d}%"


def card_figure(card: PersonaCard, size: str = "A4"):
    """The card as a matplotlib Figure of the given paper size (portrait).

    Quotes take the bottom of the card. When the lists above do not fit, the card is drawn
    again with fewer quotes or points: first a plan where everything fits, else the first
    where only a list is shortened (with a "nog N" note), never an item cut mid-way."""
    if size not in SIZES_MM:
        raise KlantreisError(f"onbekend formaat '{size}' (kies A4 of A5)")
    # (quotes, pain/high points, characteristic codes), most complete first
    plans = ([(3, 5, 4), (2, 5, 4), (2, 4, 4), (2, 3, 4), (2, 3, 2)] if size == "A4" else
             [(2, 4, 4), (2, 3, 4), (2, 3, 2), (1, 3, 4), (1, 3, 2), (1, 2, 2)])
    plans += [(1, 2, 0), (0, 2, 0)]
    drawn = []
    for n_quotes, n_points, n_chars in plans:
        fig, shortened, lost = _draw(card, size, min(n_quotes, len(card.quotes)), n_points,
                                     n_chars)
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
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

    w_mm, h_mm = SIZES_MM[size]
    width_in, height_in = w_mm / 25.4, h_mm / 25.4
    fig = Figure(figsize=(width_in, height_in))
    # A4 is not simply the A5 card blown up: a little larger type, more room for content
    page = _Page(fig, width_in, height_in, SCALE[size])
    trans = fig.transFigure
    margin_x = 0.06
    margin_top = 0.03

    # --- header band (grows with the description, up to four lines) ------------------------
    top = 1 - margin_top
    avatar_h = 0.095
    r_in = 0.40 * avatar_h * height_in
    tx = margin_x + (2 * r_in + 0.3) / width_in
    text_w = 1 - margin_x - 0.025 - tx
    desc = card.description or card.label
    desc_lines = page.clip(page.wrap(desc, text_w, page.pt("lead")), 4, text_w,
                           page.pt("lead")) if desc else []
    header_h = max(avatar_h + 0.02, 0.032 + page.dy(page.pt("name"), 1.05)
                   + page.dy(page.pt("lead"), 1.25 + len(desc_lines)))
    fig.add_artist(FancyBboxPatch((margin_x, top - header_h), 1 - 2 * margin_x, header_h,
                                  boxstyle="round,pad=0,rounding_size=0.012",
                                  transform=trans, facecolor=card.color, edgecolor="none"))
    on = _text_on(card.color)
    # avatar: a circle with the initial (the persona is recognisable in black and white)
    cx = margin_x + (r_in + 0.15) / width_in
    cy = top - header_h / 2
    fig.add_artist(Circle((cx * width_in, cy * height_in), r_in, transform=fig.dpi_scale_trans,
                          facecolor="white", edgecolor=on, linewidth=1.2 * page.scale))
    fig.text(cx, cy, (card.name[:1] or "?").upper(), fontsize=page.pt("name") * 1.2,
             color=card.color if _text_on(card.color) == "#FFFFFF" else INK, ha="center",
             va="center", family=FONT, fontweight="bold")
    y = top - 0.018
    fig.text(tx, y, card.name, fontsize=page.pt("name"), color=on, va="top", ha="left",
             family=FONT, fontweight="bold")
    y -= page.dy(page.pt("name"), 1.05)
    fig.text(tx, y, f"Staat voor {card.count_label} respondenten", fontsize=page.pt("lead"),
             color=on, va="top", ha="left", family=FONT, fontweight="bold")
    y -= page.dy(page.pt("lead"), 1.25)
    for line in desc_lines:
        fig.text(tx, y, line, fontsize=page.pt("lead"), color=on, va="top", ha="left",
                 family=FONT)
        y -= page.dy(page.pt("lead"))

    # --- quotes at the bottom (measured first so the columns know where to stop) ------------
    footer_h = page.dy(page.pt("small"), 2.6) + 0.012
    bottom = footer_h + 0.02
    quote_blocks = []
    q_width = 1 - 2 * margin_x - 0.05
    for q in card.quotes[:n_quotes]:
        lines = page.clip(page.wrap(f"“{q.text}”", q_width, page.pt("quote"), "italic"), 4,
                          q_width, page.pt("quote"), "italic", suffix="”")
        quote_blocks.append((lines, q))
    quotes_h = 0.0
    if quote_blocks:
        quotes_h = page.dy(page.pt("heading"), 1.8)
        for lines, _ in quote_blocks:
            quotes_h += page.dy(page.pt("quote"), len(lines)) + page.dy(page.pt("small"), 1.6)
    quotes_top = bottom + quotes_h

    # --- attributes box -------------------------------------------------------------------
    y = top - header_h - 0.018
    if card.attributes:
        size = page.pt("body")
        label_w = 0.2
        rows = []
        for label, value in card.attributes:
            wrapped = page.wrap(value, 1 - 2 * margin_x - label_w - 0.03, size)
            rows.append((label, wrapped[:2]))
        box_h = sum(page.dy(size, max(1, len(v))) for _, v in rows) + 0.02 + \
            page.dy(page.pt("heading"), 1.3)
        fig.add_artist(Rectangle((margin_x, y - box_h), 1 - 2 * margin_x, box_h, transform=trans,
                                 facecolor=card.color, alpha=0.10, edgecolor="none"))
        fig.add_artist(Rectangle((margin_x, y - box_h), 0.006, box_h, transform=trans,
                                 facecolor=card.color, edgecolor="none"))
        yy = y - 0.01
        fig.text(margin_x + 0.02, yy, "Kenmerken", fontsize=page.pt("heading"), va="top",
                 ha="left", family=FONT, fontweight="bold", color=INK)
        yy -= page.dy(page.pt("heading"), 1.3)
        for label, wrapped in rows:
            fig.text(margin_x + 0.02, yy, label, fontsize=size, va="top", ha="left",
                     family=FONT, fontweight="bold", color=INK)
            for line in wrapped or [""]:
                fig.text(margin_x + 0.02 + label_w, yy, line, fontsize=size, va="top",
                         ha="left", family=FONT, color=INK)
                yy -= page.dy(size)
        y = y - box_h - 0.018

    # --- characteristic codes: full width, two per row (the data-driven core) ---------------
    gutter = 0.05
    mid = 0.5
    limit = quotes_top + 0.01
    if card.characteristic and n_chars:
        head = _Column(page, margin_x, 1 - margin_x, y, limit)
        head.heading(f"Kenmerkend voor {card.name}", marker="◆", color=MUTED)
        y = head.y
        items = card.characteristic[:n_chars]
        for row in range(0, len(items), 2):
            cols = [_Column(page, margin_x, mid - gutter / 2, y, limit),
                    _Column(page, mid + gutter / 2, 1 - margin_x, y, limit)]
            for col, s in zip(cols, items[row:row + 2]):
                detail = f"{s.respondents} van {s.group_size} respondenten"
                if s.rate_out is not None:
                    detail += f", anderen {_percent(s.rate_out)}"
                col.bullet(s.name, detail, marker="◆", marker_color=MUTED, max_lines=2)
            y = min(c.y for c in cols)
        y -= page.dy(page.pt("body"), 0.6)

    # --- two columns -----------------------------------------------------------------------
    left = _Column(page, margin_x, mid - gutter / 2, y, limit)
    right = _Column(page, mid + gutter / 2, 1 - margin_x, y, limit)

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

    if not right.heading("Pijnpunten", marker="▼", color=PAIN_COLOR):
        pass
    elif card.pain_points:
        for s in card.pain_points[:n_points]:
            if not right.bullet(s.name, s.evidence, marker="▼", marker_color=PAIN_COLOR,
                                max_lines=2):
                break
    else:
        right.text("Geen pijnpunten gecodeerd.", style="italic", color=MUTED)
    right.gap()
    if not right.heading("Hoogtepunten", marker="▲", color=HIGH_COLOR):
        pass
    elif card.high_points:
        for s in card.high_points[:n_points]:
            if not right.bullet(s.name, s.evidence, marker="▲", marker_color=HIGH_COLOR,
                                max_lines=2):
                break
    else:
        right.text("Geen hoogtepunten gecodeerd.", style="italic", color=MUTED)

    # --- quotes ----------------------------------------------------------------------------
    if quote_blocks:
        yq = quotes_top
        fig.text(margin_x, yq, "In haar woorden", fontsize=page.pt("heading"), va="top",
                 ha="left", family=FONT, fontweight="bold", color=INK)
        yq -= page.dy(page.pt("heading"), 1.15)
        _rule(fig, margin_x, 1 - margin_x, yq + page.dy(page.pt("heading"), 0.12),
              width=0.5 * page.scale)
        yq -= page.dy(page.pt("heading"), 0.5)
        for lines, q in quote_blocks:
            block_h = page.dy(page.pt("quote"), len(lines))
            fig.add_artist(Rectangle((margin_x, yq - block_h), 0.005, block_h, transform=trans,
                                     facecolor=card.color, edgecolor="none"))
            for line in lines:
                fig.text(margin_x + 0.025, yq, line, fontsize=page.pt("quote"), va="top",
                         ha="left", family=FONT, style="italic", color=INK)
                yq -= page.dy(page.pt("quote"))
            fig.text(1 - margin_x, yq - page.dy(page.pt("small"), 0.1), f"— {q.source}",
                     fontsize=page.pt("small"), va="top", ha="right", family=FONT, color=MUTED)
            yq -= page.dy(page.pt("small"), 1.6)

    # --- footer ----------------------------------------------------------------------------
    basis = card.basis or f"Op basis van {card.n_total} interviews"
    _rule(fig, margin_x, 1 - margin_x, 0.02 + page.dy(page.pt("small"), 2.3),
          width=0.4 * page.scale)
    fig.text(margin_x, 0.02 + page.dy(page.pt("small"), 1.0),
             "Een persona is een fictief persoon, gebaseerd op de verhalen van echte "
             "respondenten.", fontsize=page.pt("small"), va="bottom", ha="left", family=FONT,
             color=MUTED, style="italic")
    fig.text(margin_x, 0.02, basis + ".", fontsize=page.pt("small"), va="bottom", ha="left",
             family=FONT, color=MUTED)

    return fig, left.full or right.full, left.lost or right.lost


def render_card(card: PersonaCard, path: str | Path, size: str = "A4", dpi: int = 200) -> Path:
    """Write the card to ``path``; the format follows the suffix (.pdf, .png, .svg)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png", "svg"):
        raise KlantreisError(f"kaart: onbekend bestandstype '{path.suffix}' (pdf, png of svg)",
                             path)
    if fmt == "png" and not 72 <= dpi <= 600:
        raise KlantreisError("dpi voor PNG moet tussen 72 en 600 liggen", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = card_figure(card, size)
    metadata = {"Title": f"Persona {card.name}", "Creator": "klantreis"}
    if fmt == "pdf":
        metadata["CreationDate"] = None  # reproducible files
    elif fmt == "png":
        metadata = {"Title": f"Persona {card.name}", "Software": "klantreis"}
    else:
        metadata = {"Title": f"Persona {card.name}", "Date": None}
    fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
    return path


def render_cards(cards: Sequence[PersonaCard], out_dir: str | Path,
                 sizes: Sequence[str] = ("A4", "A5"), png: bool = True,
                 dpi: int = 200) -> list[Path]:
    """PDF per card and size (``<id>.pdf`` for A4, ``<id>_A5.pdf``) plus an A4 PNG."""
    out_dir = Path(out_dir)
    paths = []
    for card in cards:
        for size in sizes:
            suffix = "" if size == "A4" else f"_{size}"
            paths.append(render_card(card, out_dir / f"{card.persona_id}{suffix}.pdf", size))
        if png:
            paths.append(render_card(card, out_dir / f"{card.persona_id}.png", "A4", dpi))
    return paths


def write_persona_outputs(study, result, transcripts, codings, attributes=None, *,
                          cards: bool = True, themes=None) -> list[Path]:
    """What the persona stage leaves behind: ``personas/assignments.csv``, the cards (A4 and
    A5 PDF, PNG), the dendrogram and the nuance table under ``reports/personas/``."""
    from .personas import nuance_table, persona_card, write_assignments
    from .progress import say

    out_dir = study.reports_dir / "personas"
    written = write_assignments(study, result)
    paths = [written] if written is not None else []
    out_dir.mkdir(parents=True, exist_ok=True)
    if cards:
        say(f"  persona-kaarten tekenen ({len(result.personas)} persona's, A4 en A5)")
        made = [persona_card(result, p.id, transcripts, codings, study.codebook, attributes)
                for p in result.personas if p.respondents]
        paths += render_cards(made, out_dir)
    if result.model is not None and len(result.assignments) > 2:
        path = out_dir / "dendrogram.png"
        result.dendrogram_figure().savefig(path, dpi=200, metadata={"Software": "klantreis"})
        paths.append(path)
    themes = list(study.findings.themes) if themes is None else themes
    if themes:
        table = nuance_table(result, codings, study.codebook, themes)
        path = out_dir / "nuance.csv"
        table.to_csv(path, lineterminator="\n")
        paths.append(path)
    return paths


__all__ = ["card_figure", "render_card", "render_cards", "write_persona_outputs", "SIZES_MM"]
