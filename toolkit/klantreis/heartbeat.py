"""Heartbeat figures: one persona's curve with pain and high points, and all personas together.

Designed for print at 1:1 on an A4 landscape page (9.5 x 6.7 inch) and for the Word report
(PNG at 300 dpi), with a vector PDF and SVG beside it. Colour is never the only code:
pain points are down-triangles labelled P1.., high points up-triangles labelled H1..; the
palette is Okabe-Ito (colour-blind safe). Moments without evidence are not drawn as data:
the line across them is dashed (interpolated, for reading only) and they say "geen
gegevens".

Every text is wrapped and shrunk to fit its box with the renderer's own measurements
(``TextFitter``), so nothing overflows; ``assert_min_font_size`` checks the result.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Sequence

import matplotlib
import numpy as np

# The Agg canvas directly, never pyplot: no global backend switch (a notebook keeps its own)
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionPatch, FancyBboxPatch
from matplotlib.text import Text

from .colours import (
    DESIRED,
    GREY,
    HIGH,
    LIGHT,
    OKABE_ITO,
    PAIN,
    PERSONA_CYCLE,
    distinct,
    readable_on_white,
)
from .journeys import Heartbeat, KeyMoment
from .models import Journey

# the palette (Okabe & Ito 2008) and the pain/high colours live in klantreis.colours
LINESTYLES = ["-", (0, (6, 2)), (0, (1.2, 1.6)), (0, (6, 1.5, 1.2, 1.5))]
MARKERS = ["o", "s", "D", "P", "X", "h"]
PAIN_GLYPH, HIGH_GLYPH = "\u25bc", "\u25b2"   # ▼ ▲ (DejaVu Sans has both)
FORMATS = ("png", "pdf", "svg")
MIN_PHASE_SLOTS = 2.2
PT_PER_INCH = 72.0
SHY = "\u00ad"                                 # soft hyphen: a preferred break in a word

RC = {
    "font.family": "DejaVu Sans",
    "font.sans-serif": ["DejaVu Sans"],
    "pdf.fonttype": 42,          # TrueType in the PDF: editable, exact glyphs
    "svg.fonttype": "path",      # SVG looks the same everywhere
    "axes.unicode_minus": True,
    "text.usetex": False,
}


def rc_context():
    return matplotlib.rc_context(RC)


def new_figure(width_in: float, height_in: float, dpi: float = 100) -> Figure:
    """A Figure with its own Agg canvas (no pyplot state, safe in threads and notebooks)."""
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


# --- fitting text into boxes ---------------------------------------------------------------

class TextFitter:
    """Wrap at word boundaries and shrink until a text fits ``width x height`` points.

    Word widths are measured with the figure's renderer (the font metrics the PNG, PDF and
    SVG share) and cached; a line is its words plus spaces (exact for matplotlib's layout).
    A word wider than the box is broken; at the minimum size the text is cut with an
    ellipsis rather than allowed to overflow. The heartbeats, the posters and the persona
    cards all measure, wrap and cut with this one class.
    """

    UNIT = 100.0           # measure at 100 pt / 72 dpi (hinting negligible) and scale ...
    SAFETY = 1.03          # ... with a margin, since coarse renderings hint a bit wider
    # (family, text, weight, style) -> width at 1 pt, shared by every figure of the process
    _WIDTHS: ClassVar[dict[tuple, float]] = {}
    _MEASURER: ClassVar[Any] = None

    def __init__(self, fig: Figure, family: str = "DejaVu Sans"):
        self.fig = fig
        self.family = family
        self.renderer = fig.canvas.get_renderer()
        self._heights: dict[tuple, tuple[float, float]] = {}
        self._probe = Text(0, 0, "", figure=fig)

    def _prop(self, size: float, weight: str, style: str) -> FontProperties:
        return FontProperties(family=self.family, size=size, weight=weight, style=style)

    def _measure(self, s: str, size: float, weight: str, style: str) -> float:
        """Width in points: the width at 100 pt (cached per word and face) scaled."""
        key = (self.family, s, weight, style)
        w = self._WIDTHS.get(key)
        if w is None:
            if TextFitter._MEASURER is None:
                from matplotlib.backends.backend_agg import RendererAgg
                TextFitter._MEASURER = RendererAgg(16, 16, PT_PER_INCH)
            px, _, _ = TextFitter._MEASURER.get_text_width_height_descent(
                s, self._prop(self.UNIT, weight, style), ismath=False)
            if len(self._WIDTHS) > 200_000:          # a long-lived notebook: start over
                self._WIDTHS.clear()
            w = self._WIDTHS[key] = px / self.UNIT * self.SAFETY
        return w * size

    def _space(self, size: float, weight: str, style: str) -> float:
        return self._measure("x x", size, weight, style) - self._measure("xx", size, weight, style)

    def width(self, s: str, size: float, weight: str = "normal", style: str = "normal") -> float:
        """Width in points of one line (with a small safety margin)."""
        s = s.replace(SHY, "")
        words = s.split(" ")
        if len(words) == 1:
            return self._measure(s, size, weight, style)
        sp = self._space(size, weight, style)
        return sum(self._measure(w, size, weight, style) for w in words if w) + \
            sp * (len(words) - 1)

    def wrap(self, text: str, width: float, size: float, weight: str = "normal",
             style: str = "normal", break_words: bool = True) -> list[str] | None:
        """Greedy word wrap; None when a word is too wide and ``break_words`` is off.

        A soft hyphen (U+00AD) in a word marks where it may break ("Contact\u00admomenten");
        other words are only broken, with a hyphen, when ``break_words``."""
        sp = self._space(size, weight, style)
        m = lambda w: self._measure(w.replace(SHY, ""), size, weight, style)  # noqa: E731
        lines: list[str] = []
        for para in text.split("\n"):
            # split on ordinary spaces only: a no-break space keeps "▼ Pijnpunten" together
            words = [w for w in re.split(r"[ \t]+", para) if w]
            if not words:
                lines.append("")
                continue
            cur, cur_w = "", 0.0
            for word in words:
                ww = m(word)
                while ww > width and (SHY in word or break_words) and len(word) > 1:
                    head, rest = self._split_word(word, width, m, break_words)
                    if head is None:
                        break
                    if cur:
                        lines.append(cur)
                        cur, cur_w = "", 0.0
                    lines.append(head)
                    word, ww = rest, m(rest)
                if ww > width and not break_words:
                    return None
                if not cur:
                    cur, cur_w = word, ww
                elif cur_w + sp + ww <= width:
                    cur, cur_w = f"{cur} {word}", cur_w + sp + ww
                else:
                    lines.append(cur)
                    cur, cur_w = word, ww
            lines.append(cur)
        return [ln.replace(SHY, "") for ln in lines]

    @staticmethod
    def _split_word(word: str, width: float, m, break_anywhere: bool):
        """(first part with '-', rest) at the last soft hyphen that fits, else anywhere."""
        cuts = [i for i, ch in enumerate(word) if ch == SHY]
        for i in reversed(cuts):
            if m(word[:i] + "-") <= width:
                return word[:i] + "-", word[i + 1:]
        if not break_anywhere:
            return None, word
        cut = len(word) - 3                     # keep at least 3 letters on each side ...
        while cut > 3 and m(word[:cut] + "-") > width:
            cut -= 1
        if cut <= 3 or len(word) < 7:           # ... unless the box is really too narrow
            cut = max(len(word) - 1, 1)
            while cut > 1 and m(word[:cut] + "-") > width:
                cut -= 1
        return word[:cut] + "-", word[cut:]

    def height(self, lines: Sequence[str], size: float, linespacing: float = 1.2,
               weight: str = "normal", style: str = "normal") -> float:
        """Height in points of these lines as one matplotlib Text (calibrated on 1 and 2
        lines with tall glyphs, then linear: matplotlib spaces lines evenly)."""
        key = (size, linespacing, weight, style)
        if key not in self._heights:
            p = self._probe
            p.set_fontproperties(self._prop(size, weight, style))
            p.set_linespacing(linespacing)
            hs = []
            for n in (1, 2):
                p.set_text("\n".join(["\u00c9\u00c5lpgj|"] * n))
                hs.append(p.get_window_extent(self.renderer).height * PT_PER_INCH / self.fig.dpi)
            self._heights[key] = (hs[0], hs[1] - hs[0])
        first, step = self._heights[key]
        n = max(len(lines), 1)
        return first + (n - 1) * step

    def fit(self, text: str, width: float, height: float, size: float, min_size: float,
            *, weight: str = "normal", style: str = "normal", linespacing: float = 1.2,
            max_lines: int | None = None) -> tuple[str, float, bool]:
        """(wrapped text, font size, was it cut) fitting the box."""
        s = size
        while True:
            # shrink before breaking a word; break words only at the minimum size
            lines = self.wrap(text, width, s, weight, style, break_words=s <= min_size)
            fits_lines = lines is not None and (max_lines is None or len(lines) <= max_lines)
            if fits_lines and self.height(lines, s, linespacing, weight, style) <= height:
                return "\n".join(lines), s, False
            if s - 0.5 < min_size - 1e-9:
                break
            s = round(s - 0.5, 2)
        s = min_size
        lines = self.wrap(text, width, s, weight, style)
        keep = len(lines) if max_lines is None else min(len(lines), max_lines)
        while keep > 0 and self.height(lines[:keep], s, linespacing, weight, style) > height:
            keep -= 1
        if keep <= 0:
            return "", s, True
        out = self.clip(lines, keep, width, s, weight, style)
        return "\n".join(out), s, keep < len(lines)

    def fit_words(self, text: str, width: float, height: float, size: float,
                  min_size: float, *, weight: str = "normal", style: str = "normal",
                  linespacing: float = 1.2, max_lines: int | None = None
                  ) -> tuple[str, float] | None:
        """(wrapped text, font size) with whole words only, shrinking down to
        ``min_size``; None when it does not fit that way (leave such a label out rather
        than break "gege-vens" or cut it)."""
        s = size
        while True:
            lines = self.wrap(text, width, s, weight, style, break_words=False)
            if lines is not None and (max_lines is None or len(lines) <= max_lines) and \
                    self.height(lines, s, linespacing, weight, style) <= height:
                return "\n".join(lines), s
            if s - 0.25 < min_size - 1e-9:
                return None
            s = round(s - 0.25, 2)

    def ellipsize(self, text: str, width: float, size: float, weight: str = "normal",
                  style: str = "normal", suffix: str = "") -> str:
        """``text`` (plus ``suffix``) as it is when it fits ``width``, else cut (``cut``)."""
        if self.width(text + suffix, size, weight, style) <= width:
            return text + suffix
        return self.cut(text, width, size, weight, style, suffix)

    def cut(self, text: str, width: float, size: float, weight: str = "normal",
            style: str = "normal", suffix: str = "") -> str:
        """``text`` ending in " \u2026" (words left out: the ellipsis stands apart) plus
        ``suffix``, dropping words from the end until it fits ``width``; letters are dropped
        only when a single word is too wide."""
        words = text.split()
        while words:
            candidate = " ".join(words).rstrip(" ,;:.\u2013-") + " \u2026" + suffix
            if self.width(candidate, size, weight, style) <= width:
                return candidate
            if len(words) == 1:
                break
            words.pop()
        word = words[0] if words else ""
        while word:
            candidate = word + "\u2026" + suffix
            if self.width(candidate, size, weight, style) <= width:
                return candidate
            word = word[:-1]
        return "\u2026"

    def clip(self, lines: Sequence[str], max_lines: int, width: float, size: float,
             weight: str = "normal", style: str = "normal", suffix: str = "") -> list[str]:
        """At most ``max_lines`` lines; when lines are left out the last one kept ends in
        an ellipsis (plus ``suffix``, e.g. a closing quote) that still fits ``width``."""
        lines = list(lines)
        if len(lines) <= max_lines:
            return lines
        out = lines[:max_lines]
        if out:
            out[-1] = self.cut(out[-1], width, size, weight, style, suffix)
        return out


class Sheet:
    """A figure with one full-size overlay axes whose units are points (origin bottom left).

    Boxes, texts and connectors go on the overlay; plots get their own axes placed in
    points. Every text placed with ``text`` is fitted to its box and remembers the box
    (``overflowing_texts`` checks it after rendering).
    """

    def __init__(self, width_in: float, height_in: float, dpi: float = 100):
        self.fig = new_figure(width_in, height_in, dpi)
        self.W, self.H = width_in * PT_PER_INCH, height_in * PT_PER_INCH
        ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.W)
        ax.set_ylim(0, self.H)
        ax.set_axis_off()
        ax.set_zorder(5)
        self.ax = ax
        bg = self.fig.add_axes((0, 0, 1, 1))       # backgrounds under the plots
        bg.set_xlim(0, self.W)
        bg.set_ylim(0, self.H)
        bg.set_axis_off()
        bg.set_zorder(-1)
        self.bg = bg
        self.fitter = TextFitter(self.fig)

    def axes(self, x0: float, y0: float, w: float, h: float, zorder: float = 1):
        return self.fig.add_axes((x0 / self.W, y0 / self.H, w / self.W, h / self.H),
                                 zorder=zorder)

    def point_of(self, ax, x: float, y: float) -> tuple[float, float]:
        """Data point of another axes in sheet points."""
        disp = ax.transData.transform((x, y))
        px, py = self.ax.transData.inverted().transform(disp)
        return float(px), float(py)

    def rect(self, x0: float, y0: float, w: float, h: float, *, background: bool = False,
             **kw):
        """A rectangle on the overlay, or under every plot with ``background``."""
        from matplotlib.patches import Rectangle
        kw.setdefault("lw", 0)
        kw.setdefault("zorder", 1)
        return (self.bg if background else self.ax).add_patch(Rectangle((x0, y0), w, h, **kw))

    def box(self, x0: float, y0: float, x1: float, y1: float):
        """A callable giving this box in display coordinates (any dpi)."""
        ax = self.ax

        def display(fig):
            (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
            return a, b, c, d
        return display

    def text(self, x0: float, y0: float, w: float, h: float, text: str, size: float,
             min_size: float | None = None, *, ha: str = "left", va: str = "top",
             pad: float = 0.0, weight: str = "normal", style: str = "normal",
             color: str = "#222222", max_lines: int | None = None, linespacing: float = 1.2,
             zorder: float = 3, **kw) -> tuple[Text | None, float, float]:
        """Fit ``text`` into the box; returns (artist or None, used height, font size)."""
        iw, ih = w - 2 * pad, h - 2 * pad
        fitted, fs, _ = self.fitter.fit(text, iw, ih, size, size if min_size is None
                                        else min_size, weight=weight, style=style,
                                        linespacing=linespacing, max_lines=max_lines)
        if not fitted.strip():
            return None, 0.0, fs
        x = {"left": x0 + pad, "center": x0 + w / 2, "right": x0 + w - pad}[ha]
        y = {"top": y0 + h - pad, "center": y0 + h / 2, "bottom": y0 + pad}[va]
        t = self.ax.text(x, y, fitted, ha=ha, va=va, fontsize=fs, fontweight=weight,
                         style=style, color=color, linespacing=linespacing, zorder=zorder,
                         parse_math=False, multialignment=ha if ha != "right" else "right",
                         **kw)
        t._klantreis_box = self.box(x0, y0, x0 + w, y0 + h)
        used = self.fitter.height(fitted.split("\n"), fs, linespacing, weight, style)
        return t, used, fs


def text_artists(fig: Figure) -> list[Text]:
    """Every visible, non-empty text of a figure (tick labels, titles, annotations)."""
    seen, out = set(), []
    for t in fig.findobj(Text):
        if id(t) in seen or not t.get_visible() or not t.get_text().strip():
            continue
        seen.add(id(t))
        out.append(t)
    return out


def min_font_size(fig: Figure) -> float:
    sizes = [t.get_fontsize() for t in text_artists(fig)]
    return min(sizes) if sizes else float("inf")


def assert_min_font_size(fig: Figure, minimum: float) -> None:
    """Raise AssertionError naming the smallest texts below ``minimum`` points."""
    small = [t for t in text_artists(fig) if t.get_fontsize() < minimum - 1e-6]
    if small:
        sample = ", ".join(f"{t.get_fontsize():.1f}pt '{t.get_text()[:20]}'" for t in small[:5])
        raise AssertionError(f"{len(small)} teksten kleiner dan {minimum} pt: {sample}")


def overflowing_texts(fig: Figure, tolerance_pt: float = 0.5, dpi: float = 300) -> list[Text]:
    """Texts that stick out of the box they were fitted to (``_klantreis_box``) or out of
    the page, measured as rendered at ``dpi``."""
    old_dpi = fig.dpi
    fig.set_dpi(dpi)
    try:
        fig.draw_without_rendering()          # legends and annotations find their place
        renderer = fig.canvas.get_renderer()
        tol = tolerance_pt * dpi / PT_PER_INCH
        fw, fh = fig.bbox.width, fig.bbox.height
        bad = []
        for t in text_artists(fig):
            bb = t.get_window_extent(renderer)
            box = getattr(t, "_klantreis_box", None)
            x0, y0, x1, y1 = box(fig) if box is not None else (0, 0, fw, fh)
            if bb.x0 < x0 - tol or bb.y0 < y0 - tol or bb.x1 > x1 + tol or bb.y1 > y1 + tol:
                bad.append(t)
        return bad
    finally:
        fig.set_dpi(old_dpi)


@dataclass
class Slot:
    phase: str
    step: str | None
    label: str
    x: float


@dataclass
class SlotLayout:
    """Phases as spans ``[x0, x1)`` on the x axis; drawn moments as slots inside them."""

    phases: list[tuple[str, str, float, float]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    @property
    def xmax(self) -> float:
        return self.phases[-1][3] if self.phases else 1.0

    def slot_width(self, slot: Slot) -> float:
        for pid, _, x0, x1 in self.phases:
            if pid == slot.phase:
                n = sum(1 for s in self.slots if s.phase == pid)
                return (x1 - x0) / max(n, 1)
        return 1.0

    def x_of(self, phase: str, step: str | None) -> float | None:
        for s in self.slots:
            if (s.phase, s.step) == (phase, step):
                return s.x
        return None


def layout_slots(journey: Journey, heartbeats: Iterable[Heartbeat],
                 equal_phases: bool = False) -> SlotLayout:
    """Moments with evidence in any heartbeat, in journey order; a phase without any keeps
    one "geen gegevens" slot so the gap stays visible. Phase widths grow with their slots
    (every slot equally wide) unless ``equal_phases`` (poster columns)."""
    hbs = list(heartbeats)
    with_data = {m.key for hb in hbs for m in hb.moments if m.has_data}
    # short step labels for the axis; "algemeen" holds what is known only by its phase
    names = {(p.id, s.id): s.label for p in journey.phases for s in p.steps}
    layout, x = SlotLayout(), 0.0
    for p in journey.phases:
        keys = [(p.id, None)] + [(p.id, s.id) for s in p.steps]
        drawn = [k for k in keys if k in with_data] or [(p.id, None)]
        # every slot equally wide, but a one-slot phase not too narrow for its labels
        width = 1.0 if equal_phases else max(float(len(drawn)), MIN_PHASE_SLOTS)
        layout.phases.append((p.id, p.name, x, x + width))
        for j, k in enumerate(drawn):
            label = names.get(k, "algemeen")
            if k not in with_data:
                label = ""
            layout.slots.append(Slot(k[0], k[1], label, x + width * (j + 0.5) / len(drawn)))
        x += width
    return layout


# --- drawing pieces ----------------------------------------------------------------------------

def _smooth(xs: np.ndarray, ys: np.ndarray, n: int = 60):
    """Monotone cubic (PCHIP): smooth like an ECG trace, no overshoot past the data."""
    if len(xs) < 2:
        return xs, ys
    from scipy.interpolate import PchipInterpolator
    f = PchipInterpolator(xs, ys)
    dense = np.linspace(xs[0], xs[-1], max(n, 12 * len(xs)))
    return dense, f(dense)


def _draw_phase_bands(ax, layout: SlotLayout, *, ylim=(-3.6, 3.6)) -> None:
    for i, (_, _, x0, x1) in enumerate(layout.phases):
        if i % 2 == 0:
            ax.axvspan(x0, x1, color=LIGHT, zorder=0, lw=0)
        if i:
            ax.axvline(x0, color="#d0d0d0", lw=0.6, zorder=0.5)
    ax.set_xlim(0, layout.xmax)
    ax.set_ylim(*ylim)


VALUE_AXES = ("both", "left")


def _style_value_axis(ax, size: float, value_axis: str = "both") -> None:
    """The -3..+3 axis. ``"both"``: numbers on the left with an axis title, the scale words
    (negatief / neutraal / positief) on the right; ``"left"``: numbers and words together
    on the left, no title (the poster, whose right side is the next column)."""
    if value_axis not in VALUE_AXES:
        raise ValueError(f"value_axis must be one of {', '.join(VALUE_AXES)}")
    ax.axhspan(-0.5, 0.5, color="#e4e4e4", zorder=0.2, lw=0)
    ax.axhline(0, color="#9a9a9a", lw=0.7, zorder=0.6)
    ax.set_yticks(range(-3, 4))
    if value_axis == "left":
        ax.set_yticklabels(["\u22123", "negatief \u22122", "\u22121", "neutraal 0", "+1",
                            "positief +2", "+3"])
    else:
        ax.set_yticklabels(["\u22123", "\u22122", "\u22121", "0", "+1", "+2", "+3"])
    ax.tick_params(axis="y", labelsize=size, length=2, colors="#333333")
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#999999")
    if value_axis == "left":
        return
    sec = ax.secondary_yaxis("right")
    sec.set_yticks([-2, 0, 2])
    sec.set_yticklabels(["negatief", "neutraal", "positief"])
    sec.tick_params(labelsize=size, length=0, colors="#333333")
    sec.spines["right"].set_visible(False)
    ax.set_ylabel("beleving (\u22123 \u2026 +3)", fontsize=size, color="#333333")


def _series(hb: Heartbeat, layout: SlotLayout, values: str = "score"):
    """(x, y, has_data) for every slot of the layout, from one heartbeat."""
    by_key = {m.key: m for m in hb.moments}
    out = []
    for s in layout.slots:
        m = by_key.get((s.phase, s.step))
        v = getattr(m, values) if m is not None else None
        out.append((s.x, v, v is not None))
    return out


def persona_line_colour(colour: str | None) -> str:
    """A persona's colour for her curve: as it is, or darkened to 3:1 contrast on white
    when it is too light for a line (yellow, sky blue)."""
    return readable_on_white(colour or OKABE_ITO["blue"], 3.0)


def _draw_line(ax, hb: Heartbeat, layout: SlotLayout, *, color: str, lw: float = 2.4,
               linestyle="-", marker="o", values: str = "score", label: str | None = None,
               gap_style=(0, (2, 2)), markersize: float = 5.5, zorder: float = 3,
               hollow: bool = False):
    """Solid between neighbouring moments with evidence, dashed (thin) across a gap."""
    pts = _series(hb, layout, values)
    data = [(x, y) for x, y, ok in pts if ok]
    if not data:
        return None, []
    xs = np.array([p[0] for p in data])
    ys = np.array([p[1] for p in data])
    dense_x, dense_y = _smooth(xs, ys)
    slot_index = {x: i for i, (x, _, _) in enumerate(pts)}
    for a in range(len(data) - 1):
        x0, x1 = data[a][0], data[a + 1][0]
        seg = (dense_x >= x0) & (dense_x <= x1)
        adjacent = slot_index[x1] - slot_index[x0] == 1
        ax.plot(dense_x[seg], dense_y[seg], color=color,
                lw=lw if adjacent else max(lw * 0.45, 0.9),
                linestyle=linestyle if adjacent else gap_style,
                alpha=1.0 if adjacent else 0.85, zorder=zorder, solid_capstyle="round")
    face = "white" if hollow else color
    handle = ax.plot(xs, ys, linestyle="none", marker=marker, markersize=markersize,
                     markerfacecolor=face, markeredgecolor=color, markeredgewidth=1.3,
                     zorder=zorder + 0.1)[0]
    proxy = Line2D([], [], color=color, lw=lw, linestyle=linestyle, marker=marker,
                   markersize=markersize, markerfacecolor=face, markeredgecolor=color,
                   label=label)
    missing = []
    for x, _, ok in pts:
        if ok:
            continue
        inside = len(xs) >= 2 and xs[0] < x < xs[-1]
        y = float(np.interp(x, dense_x, dense_y)) if inside else 0.0
        missing.append((x, y, inside))
    return (handle, proxy), missing


def _slot_width_pt(ax, layout: SlotLayout, x: float | None = None) -> float:
    """Width in points of the slot at ``x`` (default: the narrowest slot), for labels
    inside the curve axes."""
    width_pt = ax.get_position().width * ax.figure.get_figwidth() * PT_PER_INCH
    if not layout.slots:
        return width_pt
    slots = [s for s in layout.slots if x is None or abs(s.x - x) < 1e-9] or layout.slots
    return min(layout.slot_width(s) for s in slots) * width_pt / layout.xmax


def _no_data_label(ax, x: float, size: float, min_size: float, fitter: TextFitter | None,
                   slot_w_pt: float) -> None:
    """"geen gegevens" at the foot of a slot: whole words, on one or two lines, shrunk to
    ``min_size`` at most; left out when it still does not fit (the hollow marker and the
    dotted line say it too)."""
    label, fs = "geen gegevens", size
    if fitter is not None:
        fitted = fitter.fit_words(label, slot_w_pt - 4, 2.6 * size, size, min_size,
                                  style="italic", max_lines=2)
        if fitted is None:
            return
        label, fs = fitted
    ax.text(x, -3.45, label, ha="center", va="bottom", fontsize=fs, color=GREY,
            style="italic", zorder=3, parse_math=False, linespacing=1.1)


def _draw_missing(ax, missing, size: float, fitter: TextFitter | None, layout: SlotLayout,
                  scale: float = 1.0, min_size: float | None = None):
    for x, y, _ in missing:
        ax.plot([x], [y], marker="o", markersize=6 * scale, markerfacecolor="white",
                markeredgecolor=GREY, linestyle="none", zorder=3.2)
        _no_data_label(ax, x, size, size if min_size is None else min_size, fitter,
                       _slot_width_pt(ax, layout, x))


def _draw_key_marks(ax, hb: Heartbeat, layout: SlotLayout, size: float,
                    marker_size: float = 11) -> dict[str, tuple[float, float]]:
    """Triangles (▼ pain, ▲ high) with their labels; returns label -> (x, y)."""
    where = {}
    for km in hb.key_moments():
        x = layout.x_of(km.moment.phase, km.moment.step)
        if x is None:
            continue
        y = km.score
        pain = km.kind == "pijnpunt"
        ax.plot([x], [y], marker="v" if pain else "^", markersize=marker_size,
                markerfacecolor=PAIN if pain else HIGH, markeredgecolor="black",
                markeredgewidth=0.8, linestyle="none", zorder=5)
        # label under a pain point, above a high point; beside it near the axis limits
        near_edge = abs(y) > 2.3
        d = marker_size * 0.82
        offset = (d, 0) if near_edge else (0, -d if pain else d)
        ax.annotate(km.label, (x, y), xytext=offset, textcoords="offset points",
                    ha="left" if near_edge else "center",
                    va="center" if near_edge else ("top" if pain else "bottom"),
                    fontsize=size, fontweight="bold", color="black", zorder=6,
                    annotation_clip=False,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
        where[km.label] = (x, y)
    return where


def draw_heartbeat_axes(ax, hb: Heartbeat, journey: Journey, layout: SlotLayout | None = None,
                        *, size: float = 8.5, fitter: TextFitter | None = None,
                        legend: bool = False, scale: float = 1.0,
                        min_size: float | None = None, value_axis: str = "both"):
    """The curve, phase bands, marks and desired line into one Axes (no quotes).
    ``scale`` multiplies line widths and marker sizes (posters larger than A3); ``size``
    is every text's size, ``min_size`` how far a "geen gegevens" label may shrink (default:
    not at all); ``value_axis`` places the scale words (``_style_value_axis``)."""
    layout = layout or layout_slots(journey, [hb])
    _draw_phase_bands(ax, layout)
    _style_value_axis(ax, size, value_axis)
    handles = []
    if hb.has_desired:
        res, _ = _draw_line(ax, hb, layout, color=DESIRED, lw=1.8 * scale,
                            linestyle=(0, (5, 2.5)), marker="o", values="desired",
                            label="gewenst (na aanbevelingen)", gap_style=(0, (5, 2.5)),
                            markersize=5 * scale, zorder=2.5, hollow=True)
        if res:
            handles.append(res[1])
    res, missing = _draw_line(ax, hb, layout, color=persona_line_colour(hb.color),
                              label="huidig", lw=2.4 * scale, markersize=5.5 * scale)
    if res:
        handles.insert(0, res[1])
    _draw_missing(ax, missing, size, fitter, layout, scale, min_size)
    where = _draw_key_marks(ax, hb, layout, size, 11 * scale)
    if hb.pain_points:
        handles.append(Line2D([], [], marker="v", linestyle="none", markersize=8,
                              markerfacecolor=PAIN, markeredgecolor="black", label="pijnpunt (P)"))
    if hb.high_points:
        handles.append(Line2D([], [], marker="^", linestyle="none", markersize=8,
                              markerfacecolor=HIGH, markeredgecolor="black", label="hoogtepunt (H)"))
    if missing:
        handles.append(Line2D([], [], color=GREY, lw=1, linestyle=(0, (2, 2)), marker="o",
                              markerfacecolor="white", markeredgecolor=GREY,
                              label="geen gegevens (gestippeld)"))
    if legend and handles:
        ax.legend(handles=handles, fontsize=size, loc="upper right", frameon=False)
    return layout, where, handles


# --- the strips around the curve (on the sheet, in points) -------------------------------------

@dataclass
class _Frame:
    """Where the curve axes sit on the sheet (points) and how x maps onto it."""

    x0: float
    width: float
    layout: SlotLayout

    def x(self, data_x: float) -> float:
        return self.x0 + data_x / self.layout.xmax * self.width

    def span(self, a: float, b: float) -> tuple[float, float]:
        return self.x(a), self.x(b)


def _phase_strip(sheet: Sheet, frame: _Frame, y0: float, h: float, size: float,
                 min_size: float) -> None:
    for i, (_, name, a, b) in enumerate(frame.layout.phases):
        xa, xb = frame.span(a, b)
        fc = LIGHT if i % 2 == 0 else "white"
        sheet.rect(xa, y0, xb - xa, h, fc=fc, zorder=1)
        sheet.text(xa + 2, y0, xb - xa - 4, h, name, size, min_size, ha="center",
                   va="center", weight="bold", zorder=4, max_lines=3,
                   bbox=dict(fc=fc, ec="none", pad=0.5))


SLOT_ROTATION = 35.0          # degrees: step labels stay readable and never collide


def _slot_strip(sheet: Sheet, frame: _Frame, y0: float, h: float, size: float,
                min_size: float) -> None:
    """Step labels under the curve, rotated so that a journey with many steps keeps whole
    words (no breaks inside a word). A label that is too long for the strip is cut at a
    word boundary with an ellipsis, and the font shrinks only down to ``min_size``."""
    import math
    sin, cos = math.sin(math.radians(SLOT_ROTATION)), math.cos(math.radians(SLOT_ROTATION))
    room = (h - 4 - 1.2 * size * cos) / sin       # length along the rotated baseline
    for s in frame.layout.slots:
        if not s.label:
            continue
        general = s.label == "algemeen"
        label, fs = _fit_line(sheet.fitter, s.label, room, size, min_size)
        x = frame.x(s.x)
        t = sheet.ax.text(x + 0.3 * fs, y0 + h - 2, label, rotation=SLOT_ROTATION,
                          rotation_mode="anchor", ha="right", va="top", fontsize=fs,
                          color=GREY if general else "#333333",
                          style="italic" if general else "normal", zorder=4,
                          parse_math=False)
        t._klantreis_box = sheet.box(0, y0 - 2, frame.x0 + frame.width, y0 + h)


def _fit_line(fitter: TextFitter, text: str, width: float, size: float, min_size: float
              ) -> tuple[str, float]:
    """One line in ``width`` points: shrink to ``min_size``, then drop words (ellipsis)."""
    fs = size
    while fs > min_size and fitter.width(text, fs) > width:
        fs = max(min_size, fs - 0.25)
    return fitter.ellipsize(text, width, fs), fs


def _org_strip(sheet: Sheet, frame: _Frame, hb: Heartbeat, y0: float, h: float, size: float,
               min_size: float) -> None:
    orgs = {p.phase: p.organisations for p in hb.phases}
    sheet.ax.plot([frame.x0, frame.x0 + frame.width], [y0 + h, y0 + h], color="#c8c8c8",
                  lw=0.6, zorder=1)
    for i, (pid, _, a, b) in enumerate(frame.layout.phases):
        xa, xb = frame.span(a, b)
        if i % 2 == 0:
            sheet.rect(xa, y0, xb - xa, h, fc=LIGHT, zorder=1)
        names = list(orgs.get(pid) or [])
        label = " \u00b7 ".join(names) if names else "\u2013"
        # whole organisation names only: drop names from the end ("+ 2") rather than
        # cutting one in half
        for keep in range(len(names), 0, -1):
            label = " \u00b7 ".join(names[:keep]) + (f" + {len(names) - keep}"
                                                   if keep < len(names) else "")
            if not sheet.fitter.fit(label, xb - xa - 6, h, size, min_size)[2]:
                break
        sheet.text(xa + 3, y0, xb - xa - 6, h, label, size, min_size, ha="center",
                   va="center")
    sheet.text(4, y0, frame.x0 - 10, h, "contact met", size, min_size, ha="right",
               va="center", style="italic", color="#333333")


def _quote_text(km: KeyMoment) -> tuple[str, str]:
    glyph = PAIN_GLYPH if km.kind == "pijnpunt" else HIGH_GLYPH
    head = f"{glyph} {km.label}  {km.moment.label}"
    if km.quote is None:
        body = "(geen citaat beschikbaar)"
        foot = f"{km.n_van_n} respondenten"
    else:
        body = f"\u201c{km.quote.text}\u201d"
        foot = f"{km.quote.respondent_id} \u00b7 {km.n_van_n} respondenten"
    return head, body + "\n" + foot


def _place_boxes(targets: list[float], widths: list[float], left: float, right: float,
                 gap: float) -> list[float]:
    """Left edges for boxes as close to their target centres as possible, without overlap
    (a sweep right, then a sweep back from the right edge)."""
    order = sorted(range(len(targets)), key=lambda i: targets[i])
    xs = [0.0] * len(targets)
    prev_end = None
    for i in order:
        x = min(max(targets[i] - widths[i] / 2, left), right - widths[i])
        if prev_end is not None:
            x = max(x, prev_end + gap)
        xs[i] = x
        prev_end = x + widths[i]
    limit = right
    for i in reversed(order):
        if xs[i] + widths[i] > limit:
            xs[i] = limit - widths[i]
        limit = xs[i] - gap
    return xs


def _quote_band(sheet: Sheet, frame: _Frame, marks: dict, kms: list[KeyMoment],
                y0: float, h: float, *, above: bool, size: float, min_size: float) -> None:
    """Quote boxes in a strip above (high points) or below (pain points) the curve, each
    as near its mark as free space allows, joined to it by a thin line."""
    if not kms:
        return
    gap, pad = 8.0, 4.0
    n = len(kms)
    left, right = frame.x0, frame.x0 + frame.width
    box_w = min((frame.width - gap * (n - 1)) / n, frame.width * 0.42)
    f = sheet.fitter
    prepared = []
    for km in kms:
        head, body = _quote_text(km)
        head_t, hs, _ = f.fit(head, box_w - 2 * pad, 2.5 * size, size, min_size,
                              weight="bold", max_lines=2)
        head_h = f.height(head_t.split("\n"), hs, weight="bold")
        body_t, bs, _ = f.fit(body, box_w - 2 * pad, h - head_h - 2 * pad - 3, size, min_size)
        body_h = f.height(body_t.split("\n"), bs)
        used_w = max([f.width(x, hs, "bold") for x in head_t.split("\n")]
                     + [f.width(x, bs) for x in body_t.split("\n")]) + 2 * pad + 1
        prepared.append((km, head_t, hs, head_h, body_t, bs, body_h, min(used_w, box_w)))
    targets = [marks.get(km.label, (left + frame.width / 2, 0))[0] for km in kms]
    lefts = _place_boxes(targets, [p[7] for p in prepared], left, right, gap)
    for (km, head_t, hs, head_h, body_t, bs, body_h, w), x in zip(prepared, lefts):
        colour = PAIN if km.kind == "pijnpunt" else HIGH
        total = head_h + body_h + 2 * pad + 3
        by = y0 if above else y0 + h - total          # hug the curve side
        sheet.ax.add_patch(FancyBboxPatch((x, by), w, total, boxstyle="round,pad=0,rounding_size=3",
                                          fc="white", ec=colour, lw=1.3, zorder=3))
        for text, fs, weight, top, th in ((head_t, hs, "bold", by + total - pad, head_h),
                                          (body_t, bs, "normal", by + total - pad - head_h - 3,
                                           body_h)):
            t = sheet.ax.text(x + pad, top, text, ha="left", va="top", fontsize=fs,
                              fontweight=weight, color="#1a1a1a", zorder=4, parse_math=False)
            t._klantreis_box = sheet.box(x, by, x + w, by + total)
        mark = marks.get(km.label)
        if mark is None:
            continue
        mx, my = mark
        ax_ = min(max(mx, x + 6), x + w - 6)
        ay = by if above else by + total
        # from the box edge that faces the curve to the mark (stopping short of it)
        sheet.ax.add_patch(ConnectionPatch((ax_, ay), (mx, my), "data", "data",
                                           color=colour, lw=0.9, alpha=0.9, zorder=2,
                                           shrinkB=8, shrinkA=0))


LEGEND_HANDLE, LEGEND_PAD, LEGEND_COLUMN_GAP, LEGEND_ROW_GAP = 2.6, 0.5, 1.4, 0.5


@dataclass
class LegendPlan:
    """How a legend fits a width: its labels (cut where one alone is too wide), columns,
    rows and height in points (reserve it before laying out the rest)."""

    labels: list[str]
    ncol: int
    rows: int
    height: float


_TRAILING_NOTE = re.compile(r"^(.*\S)(\s+\([^()]*\))$")   # "Naam (n = 3)"


def _cut_label(fitter: TextFitter, label: str, width: float, size: float) -> str:
    """A legend label cut to ``width``, keeping a trailing "(n = 3)" whole."""
    m = _TRAILING_NOTE.match(label)
    if m and fitter.width(m.group(2), size) < width * 0.5:
        return fitter.ellipsize(m.group(1), width, size, suffix=m.group(2))
    return fitter.ellipsize(label, width, size)


def _legend_shape(fitter: TextFitter, labels: Sequence[str], ncol: int, size: float
                  ) -> tuple[float, int]:
    """(total width, rows) of a legend in ``ncol`` columns (matplotlib fills it column by
    column, in ``np.array_split`` portions)."""
    handle = (LEGEND_HANDLE + LEGEND_PAD) * size
    widths = np.array([handle + fitter.width(t, size) for t in labels])
    cols = [c for c in np.array_split(widths, ncol) if len(c)]
    total = sum(float(c.max()) for c in cols) + (len(cols) - 1) * LEGEND_COLUMN_GAP * size
    return total, max(len(c) for c in cols)


def _legend_height(rows: int, size: float) -> float:
    return rows * 1.25 * size + (rows - 1) * LEGEND_ROW_GAP * size if rows else 0.0


def plan_legend(fitter: TextFitter, labels: Sequence[str], width: float, size: float,
                max_height: float | None = None) -> LegendPlan:
    """As many columns as the measured labels allow in ``width`` points. When that is
    taller than ``max_height``, more columns, each label cut to its column's width (a
    trailing "(n = 3)" kept) -- the fewest columns that fit the height."""
    labels = list(labels)
    if not labels:
        return LegendPlan([], 1, 0, 0.0)
    handle = (LEGEND_HANDLE + LEGEND_PAD) * size
    whole = [_cut_label(fitter, t, width - handle, size) for t in labels]
    ncol = 1
    for n in range(len(whole), 0, -1):
        if _legend_shape(fitter, whole, n, size)[0] <= width:
            ncol = n
            break
    rows = _legend_shape(fitter, whole, ncol, size)[1]
    plan = LegendPlan(whole, ncol, rows, _legend_height(rows, size))
    if max_height is None or plan.height <= max_height:
        return plan
    # more columns, cutting only the labels wider than their share of the width; a plan
    # that would make two labels the same (all cut to "Persona met een ...") is no option
    best = plan
    for n in range(ncol + 1, len(labels) + 1):
        budget = (width - (n - 1) * LEGEND_COLUMN_GAP * size) / n - handle
        if budget < 6 * size:                  # a column narrower than a few words: stop
            break
        cut = [_cut_label(fitter, t, budget, size) for t in labels]
        if len(set(cut)) < len(set(labels)):
            continue
        total, rows = _legend_shape(fitter, cut, n, size)
        if total > width:
            continue
        candidate = LegendPlan(cut, n, rows, _legend_height(rows, size))
        if candidate.height < best.height:
            best = candidate
        if candidate.height <= max_height:
            break
    return best


def _legend(sheet: Sheet, handles, x0: float, y0: float, size: float,
            plan: LegendPlan | None = None):
    """The legend with its lower left corner at (x0, y0) points, laid out by ``plan``
    (default: as many columns as fit the sheet's width from ``x0``)."""
    if not handles:
        return None
    if plan is None:
        plan = plan_legend(sheet.fitter, [h.get_label() for h in handles], sheet.W - x0 - 12,
                           size)
    for h, label in zip(handles, plan.labels):
        h.set_label(label)
    return sheet.ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(x0, y0),
                           bbox_transform=sheet.ax.transData, fontsize=size, frameon=False,
                           ncol=plan.ncol, handlelength=LEGEND_HANDLE,
                           columnspacing=LEGEND_COLUMN_GAP, borderaxespad=0, borderpad=0,
                           handletextpad=LEGEND_PAD, labelspacing=LEGEND_ROW_GAP)


def _single_legend_labels(hb: Heartbeat, layout: SlotLayout) -> list[str]:
    """The labels ``draw_heartbeat_axes`` gives its legend handles (known before drawing,
    so that the legend's rows can be reserved)."""
    pts = _series(hb, layout)
    if not any(ok for _, _, ok in pts):
        return []
    labels = ["huidig"]
    if hb.has_desired:
        labels.append("gewenst (na aanbevelingen)")
    if hb.pain_points:
        labels.append("pijnpunt (P)")
    if hb.high_points:
        labels.append("hoogtepunt (H)")
    if not all(ok for _, _, ok in pts):
        labels.append("geen gegevens (gestippeld)")
    return labels


# --- the figures ----------------------------------------------------------------------------------

def plot_heartbeat(heartbeat: Heartbeat, journey: Journey, path_or_ax=None, *,
                   figsize: tuple[float, float] = (9.5, 6.7), formats: Sequence[str] = FORMATS,
                   dpi: int = 300, title: str | None = None, size: float = 8.5,
                   min_size: float = 7.5):
    """Draw one persona's heartbeat.

    ``path_or_ax``: None -> return the Figure; an Axes -> draw the curve (no quotes or
    organisation lane) into it and return that Axes; a path -> save and return the written
    paths (``.png``/``.pdf``/``.svg`` suffix: that format; otherwise every one of
    ``formats`` next to each other).
    """
    with rc_context():
        if path_or_ax is not None and hasattr(path_or_ax, "plot"):
            draw_heartbeat_axes(path_or_ax, heartbeat, journey, size=size, legend=True)
            return path_or_ax
        fig = build_heartbeat_figure(heartbeat, journey, figsize=figsize, title=title,
                                     size=size, min_size=min_size)
        if path_or_ax is None:
            return fig
        return save_figure(fig, path_or_ax, formats=formats, dpi=dpi,
                           title=title or f"Heartbeat {heartbeat.name}")


def build_heartbeat_figure(hb: Heartbeat, journey: Journey, *,
                           figsize: tuple[float, float] = (9.5, 6.7), title: str | None = None,
                           size: float = 8.5, min_size: float = 7.5) -> Figure:
    """The full chart: title, high-point quotes, phase names, curve, step names, pain-point
    quotes, organisation lane and legend (sizes in points, A4 landscape at 1:1)."""
    from .journeys import source_note
    with rc_context():
        sheet = Sheet(*figsize)
        W, H = sheet.W, sheet.H
        left, right = 72.0, 64.0
        layout = layout_slots(journey, [hb])
        frame = _Frame(left, W - left - right, layout)
        plan = plan_legend(sheet.fitter, _single_legend_labels(hb, layout), W - left - 12, size)
        band = 80.0
        rows = {"top": 8, "head": 34, "hi": band if hb.high_points else 4, "phase": 30,
                "slots": 50, "lo": band if hb.pain_points else 4, "gap": 6, "orgs": 34,
                "gap2": 6, "legend": max(plan.height, 14.0), "bottom": 6}
        curve_h = max(H - sum(rows.values()), 100.0)
        y = H - rows["top"]
        y -= rows["head"]
        head_y = y
        y -= rows["hi"]
        hi_y = y
        y -= rows["phase"]
        phase_y = y
        y -= curve_h
        curve_y = y
        y -= rows["slots"]
        slots_y = y
        y -= rows["lo"]
        lo_y = y
        y -= rows["gap"] + rows["orgs"]
        orgs_y = y
        legend_y = rows["bottom"]

        curve = sheet.axes(left, curve_y, frame.width, curve_h, zorder=1)
        layout, where, handles = draw_heartbeat_axes(curve, hb, journey, layout, size=size,
                                                     fitter=sheet.fitter, min_size=min_size)
        marks = {k: sheet.point_of(curve, x, v) for k, (x, v) in where.items()}
        _phase_strip(sheet, frame, phase_y, rows["phase"], size + 0.5, min_size)
        _slot_strip(sheet, frame, slots_y, rows["slots"], size, min_size)
        _quote_band(sheet, frame, marks, hb.high_points, hi_y + 3, rows["hi"] - 6, above=True,
                    size=size, min_size=min_size)
        _quote_band(sheet, frame, marks, hb.pain_points, lo_y + 3, rows["lo"] - 6,
                    above=False, size=size, min_size=min_size)
        _org_strip(sheet, frame, hb, orgs_y, rows["orgs"], size, min_size)

        title = title or f"Heartbeat {hb.name} \u2013 {journey.name}"
        note = source_note(hb.source)
        sub = (f"{hb.total} respondenten, {hb.n_passages} gecodeerde passages"
               + (f" \u00b7 {note}" if note else ""))
        sheet.text(12, head_y + 13, W - 24, rows["head"] - 13, title, 12.5, 9, weight="bold",
                   max_lines=1)
        sheet.text(12, head_y, W - 24, 13, sub, size, min_size, color="#444444", max_lines=1)
        same = [h.get_label() for h in handles] == _single_legend_labels(hb, layout)
        _legend(sheet, handles, left, legend_y, size, plan if same else None)
        if not any(m.has_data for m in hb.moments):
            curve.text(layout.xmax / 2, 0, "geen gegevens voor deze persona", ha="center",
                       va="center", fontsize=size + 2, color=GREY, parse_math=False)
        return sheet.fig


def plot_comparison(heartbeats: Sequence[Heartbeat], journey: Journey, path=None, *,
                    figsize: tuple[float, float] = (9.5, 5.3),
                    formats: Sequence[str] = FORMATS, dpi: int = 300, title: str | None = None,
                    size: float = 8.5, min_size: float = 7.5):
    """All personas in one chart: distinct colour, line style and marker each, a legend
    with as many columns as the names allow (its rows are reserved before the curve gets
    its height)."""
    from .journeys import source_note
    with rc_context():
        sheet = Sheet(*figsize)
        W, H = sheet.W, sheet.H
        left, right = 72.0, 64.0
        layout = layout_slots(journey, heartbeats)
        frame = _Frame(left, W - left - right, layout)
        drawn = [hb for hb in heartbeats if any(ok for _, _, ok in _series(hb, layout))]
        any_missing = any(not ok for hb in drawn for _, _, ok in _series(hb, layout))
        labels = [f"{hb.name} (n = {hb.total})" for hb in drawn]
        if any_missing:
            labels.append("dun gestippeld: geen gegevens")
        plan = plan_legend(sheet.fitter, labels, W - left - 12, size, max_height=0.25 * H)
        notes = {source_note(hb.source) for hb in heartbeats} - {""}
        note = next(iter(notes)) if len(notes) == 1 else (
            "deels op basis van machinesuggesties" if notes else "")
        head = 26.0 if not note else 36.0
        legend_h, phase_h, slots_h = max(plan.height, 12.0) + 6, 30.0, 50.0
        curve_h = H - 8 - head - legend_h - 6 - phase_h - slots_h - 6
        y_head = H - 8 - head
        y_legend = y_head - legend_h - 4
        y_phase = y_legend - phase_h - 2
        y_curve = y_phase - curve_h
        y_slots = y_curve - slots_h
        curve = sheet.axes(left, y_curve, frame.width, curve_h)
        _draw_phase_bands(curve, layout)
        _style_value_axis(curve, size)
        handles = []
        colours = distinct([hb.color for hb in heartbeats])
        for i, hb in enumerate(heartbeats):
            res, _ = _draw_line(curve, hb, layout, color=persona_line_colour(colours[i]),
                                lw=2.2,
                                linestyle=LINESTYLES[i % len(LINESTYLES)],
                                marker=MARKERS[i % len(MARKERS)],
                                label=f"{hb.name} (n = {hb.total})",
                                gap_style=(0, (1, 2)), zorder=3 + i * 0.2)
            if res:
                handles.append(res[1])
        for slot in layout.slots:
            if not slot.label:                  # no persona has evidence here
                _no_data_label(curve, slot.x, size, min_size, sheet.fitter,
                               _slot_width_pt(curve, layout, slot.x))
        if any_missing:
            handles.append(Line2D([], [], color=GREY, lw=0.9, linestyle=(0, (1, 2)),
                                  label="dun gestippeld: geen gegevens"))
        _phase_strip(sheet, frame, y_phase, phase_h, size + 0.5, min_size)
        _slot_strip(sheet, frame, y_slots, slots_h, size, min_size)
        title = title or f"Heartbeats per persona \u2013 {journey.name}"
        if note:
            sheet.text(12, y_head + 12, W - 24, head - 12, title, 12.5, 9, weight="bold",
                       max_lines=1, va="center")
            sheet.text(12, y_head, W - 24, 12, note, size, min_size, color="#444444",
                       max_lines=1, va="center")
        else:
            sheet.text(12, y_head, W - 24, head, title, 12.5, 9, weight="bold", max_lines=1,
                       va="center")
        _legend(sheet, handles, left, y_legend, size, plan)
        if path is None:
            return sheet.fig
        return save_figure(sheet.fig, path, formats=formats, dpi=dpi, title=title)


def _distinct_colours(heartbeats: Sequence[Heartbeat]) -> list[str]:
    """One colour per heartbeat, never twice (``klantreis.colours.distinct``)."""
    return distinct([hb.color for hb in heartbeats])


# --- saving --------------------------------------------------------------------------------------

def save_figure(fig: Figure, path, *, formats: Sequence[str] = FORMATS, dpi: int = 300,
                title: str = "") -> list[Path]:
    """Write PNG (``dpi``), PDF and SVG. A path with one of those suffixes writes only that
    format; otherwise every one of ``formats`` beside each other. Never crops the page."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    targets = [path] if suffix in FORMATS else [path.with_name(path.name + "." + f)
                                                  if path.suffix else path.with_suffix("." + f)
                                                  for f in formats]
    written = []
    with rc_context():
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fmt = target.suffix.lower().lstrip(".")
            meta = {"png": {"Title": title, "Software": "klantreis"},
                    "pdf": {"Title": title, "Creator": "klantreis", "CreationDate": None},
                    "svg": {"Title": title, "Date": None}}[fmt]
            fig.savefig(target, format=fmt, dpi=dpi if fmt == "png" else 72,
                        metadata=meta, facecolor="white")
            written.append(target)
    return written


def write_heartbeat_figures(heartbeats: Sequence[Heartbeat], journey: Journey,
                            out_dir, *, formats: Sequence[str] = FORMATS,
                            dpi: int = 300) -> list[Path]:
    """``<journey>_<persona>.{png,pdf,svg}`` per persona and ``<journey>_vergelijking.*``,
    drawn side by side on the machine's cores (``klantreis.parallel``)."""
    from .parallel import run_all
    out_dir = Path(out_dir)
    jobs = [(plot_heartbeat, (hb, journey, out_dir / f"{journey.id}_{hb.persona}"),
             {"formats": tuple(formats), "dpi": dpi}) for hb in heartbeats]
    if len(heartbeats) > 1:
        jobs.append((plot_comparison, (list(heartbeats), journey,
                                       out_dir / f"{journey.id}_vergelijking"),
                     {"formats": tuple(formats), "dpi": dpi}))
    return [path for paths in run_all(jobs) for path in paths]


def write_heartbeat_outputs(heartbeats: Sequence[Heartbeat], journey: Journey, out_dir, *,
                            formats: Sequence[str] = FORMATS, dpi: int = 300) -> list[Path]:
    """Figures per persona and together, Mermaid ``journey`` diagrams for wikis (all
    personas and one per persona) and the curve as CSV, under ``out_dir``."""
    import pandas as pd

    from .journeys import to_mermaid

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_heartbeat_figures(heartbeats, journey, out_dir, formats=formats, dpi=dpi)
    mmd = out_dir / f"{journey.id}.mmd"
    mmd.write_text(to_mermaid(journey, list(heartbeats)), encoding="utf-8")
    written.append(mmd)
    for hb in heartbeats:
        path = out_dir / f"{journey.id}_{hb.persona}.mmd"
        path.write_text(to_mermaid(journey, hb), encoding="utf-8")
        written.append(path)
    if heartbeats:
        table = out_dir / f"{journey.id}_heartbeat.csv"
        pd.concat([hb.to_frame() for hb in heartbeats], ignore_index=True).to_csv(
            table, index=False, encoding="utf-8")
        written.append(table)
    return written


__all__ = ["plot_heartbeat", "plot_comparison", "write_heartbeat_outputs", "build_heartbeat_figure", "save_figure",
           "write_heartbeat_figures", "draw_heartbeat_axes", "layout_slots", "SlotLayout",
           "TextFitter", "assert_min_font_size", "min_font_size", "overflowing_texts",
           "text_artists", "OKABE_ITO", "PERSONA_CYCLE", "PAIN", "HIGH", "DESIRED", "GREY",
           "LIGHT", "new_figure", "rc_context", "plan_legend", "LegendPlan"]
