"""Journey map posters (A3 or A2 landscape), one per persona.

Phases are columns; the heartbeat runs across the top, aligned with them; below it the
lanes: wat ze doet (steps), wat ze denkt en voelt (quotes), contactmomenten
(organisations), pijnpunten, hoogtepunten and kansen (recommendations that answer a moment
of the phase). A persona panel at the side carries name, description, "n van N", needs,
goals and the phase levels on the Dutch three-point scale.

Everything is laid out in millimetres on the exact page (A3 = 420 x 297 mm), fitted with
the renderer's measurements: body text never goes below 9 pt at A3 (scaled by the page for
A2), long labels wrap, and text that still does not fit is cut with an ellipsis instead of
running out of its cell.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .colours import DESIRED, GREY, HIGH, LIGHT, PAIN, PERSONA_CYCLE, text_on, tint
from .errors import KlantreisError
from .heartbeat import (
    FORMATS,
    HIGH_GLYPH,
    PAIN_GLYPH,
    Sheet,
    draw_heartbeat_axes,
    layout_slots,
    persona_line_colour,
    rc_context,
    save_figure,
)
from .journeys import (
    NEGATIVE,
    NEUTRAL,
    NO_DATA,
    POSITIVE,
    Heartbeat,
    Quote,
    level_of,
    source_note,
)
from .models import Journey

MM = 72 / 25.4                      # points per millimetre
PAGES = {"A3": (420.0, 297.0), "A2": (594.0, 420.0)}   # landscape, mm
BODY_PT = 9.5                       # body text at A3 ...
MIN_PT = 9.0                        # ... and never smaller (scaled with the page)
# the three-point scale (VNG klantreizen) as faces: ☺ 😐 ☹ (all three in DejaVu Sans)
FACE = {POSITIVE: "\u263a", NEUTRAL: "\U0001F610", NEGATIVE: "\u2639"}
OPPORTUNITY = "\u25c6"              # ◆
LANES = [  # id, label, relative height
    ("doet", "Wat ze doet", 0.78),
    ("denkt", "Wat ze denkt en voelt", 1.55),
    ("contact", "Contact\u00admomenten", 0.62),
    ("pijn", f"{PAIN_GLYPH}\u00a0Pijn\u00adpunten", 1.25),
    ("hoog", f"{HIGH_GLYPH}\u00a0Hoogte\u00adpunten", 1.1),
    ("kansen", f"{OPPORTUNITY}\u00a0Kansen", 1.0),
]


@runtime_checkable
class PersonaCardLike(Protocol):
    """What a poster needs from a persona (a ``Persona``, a persona card or a dict)."""

    name: str
    description: str
    needs: list[str]
    goals: list[str]


def _nb(text: str) -> str:
    """Keep "3 van 6" on one line."""
    return text.replace(" ", "\u00a0")


def _field(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


@dataclass
class _Item:
    text: str
    weight: str = "normal"
    style: str = "normal"
    color: str = "#1a1a1a"
    gap: float = 1.2          # mm after the item


class _Poster:
    """Drawing helper: millimetres in, points to the sheet; sizes scaled to the page."""

    def __init__(self, size: str):
        if size not in PAGES:
            raise KlantreisError(f"onbekend posterformaat '{size}' (kies uit "
                                 f"{', '.join(PAGES)})")
        self.wmm, self.hmm = PAGES[size]
        self.k = self.wmm / PAGES["A3"][0]            # 1 at A3, sqrt(2) at A2
        self.sheet = Sheet(self.wmm / 25.4, self.hmm / 25.4)
        self.body = BODY_PT * self.k
        self.min = MIN_PT * self.k

    def mm(self, v: float) -> float:
        return v * self.k * MM

    def pt(self, v: float) -> float:
        return v * self.k

    def rect(self, x, y, w, h, **kw):
        if "lw" in kw:
            kw["lw"] = kw["lw"] * self.k
        return self.sheet.rect(self.mm(x), self.mm(y), self.mm(w), self.mm(h), **kw)

    def text(self, x, y, w, h, text, size=None, min_size=None, **kw):
        if "pad" in kw:
            kw["pad"] = self.mm(kw["pad"])
        return self.sheet.text(self.mm(x), self.mm(y), self.mm(w), self.mm(h), text,
                               size or self.body, min_size or self.min, **kw)

    def stack(self, x, y, w, h, items: list[_Item], *, pad: float = 1.6) -> float:
        """Items top to bottom inside a cell; what does not fit is summarised as '+ n meer'
        (room for that line is made by taking back the last item when needed; only the
        first item is ever shown cut, with an ellipsis). Returns the height used (mm,
        padding included)."""
        top = y + h - pad
        bottom = y + pad
        f = self.sheet.fitter
        wpt = self.mm(w - 2 * pad)
        box = self.sheet.box(self.mm(x), self.mm(y), self.mm(x + w), self.mm(y + h))
        more_h = f.height(["+ 9 meer"], self.body, 1.2, style="italic") / MM / self.k
        drawn: list[tuple[Any, float]] = []          # (artist, top before it)
        left_out = 0
        for i, it in enumerate(items):
            rest = len(items) - i - 1
            avail = top - bottom - (more_h + 0.5 if rest and i == 0 else 0)
            if avail <= 0:
                left_out = len(items) - i
                break
            fitted, fs, cut = f.fit(it.text, wpt, self.mm(avail), self.body, self.min,
                                    weight=it.weight, style=it.style)
            if (cut or not fitted) and i > 0:
                left_out = len(items) - i
                break
            if not fitted:
                left_out = len(items) - i
                break
            t = self.sheet.ax.text(self.mm(x + pad), self.mm(top), fitted, ha="left", va="top",
                                   fontsize=fs, fontweight=it.weight, style=it.style,
                                   color=it.color, zorder=4, parse_math=False, linespacing=1.2)
            t._klantreis_box = box
            drawn.append((t, top))
            top -= f.height(fitted.split("\n"), fs, 1.2, it.weight, it.style) / MM / self.k
            top -= it.gap
            if cut:
                left_out = rest
                break
        if left_out:
            while len(drawn) > 1 and top - bottom < more_h:
                artist, top = drawn.pop()
                artist.remove()
                left_out += 1
            if top - bottom >= more_h - 1e-6:
                self.text(x + pad, bottom, w - 2 * pad, top - bottom, f"+ {left_out} meer",
                          style="italic", color=GREY, max_lines=1)
                top -= more_h
        return y + h - top + pad - (items[-1].gap if items and not left_out else 0)


# --- lane contents ------------------------------------------------------------------------

def _phase_quotes(hb: Heartbeat, phase: str, skip: set, limit: int = 3) -> list[Quote]:
    """Passages for "wat ze denkt en voelt": the strongest, one per respondent, mixing
    negative and positive, leaving out the quotes that already carry a P or H."""
    s = hb.phase(phase)
    cands = [q for q in s.quotes if q.text and q.coding_id not in skip]
    cands.sort(key=lambda q: (-abs(q.valence), abs(len(q.text) - 110), q.respondent_id, q.start))
    out, seen = [], set()
    neg = [q for q in cands if q.valence < 0]
    pos = [q for q in cands if q.valence >= 0]
    while (neg or pos) and len(out) < limit:
        for pool in (neg, pos):
            while pool:
                q = pool.pop(0)
                if q.respondent_id not in seen and q.text not in seen:
                    out.append(q)
                    seen.update((q.respondent_id, q.text))
                    break
            if len(out) >= limit:
                break
    return out


def _code_counts(hb: Heartbeat, phase: str, sign: int) -> list[tuple[str, int]]:
    """Codes in a phase with (mean) valence of this sign: (code, respondents)."""
    s = hb.phase(phase)
    vals: dict[str, list[float]] = defaultdict(list)
    who: dict[str, set] = defaultdict(set)
    for q in s.quotes:
        vals[q.code].append(q.valence)
        who[q.code].add(q.respondent_id)
    out = [(c, len(who[c])) for c, v in vals.items() if sum(v) / len(v) * sign > 0]
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


def _cells(hb: Heartbeat, journey: Journey, code_names: Mapping[str, str]) -> dict:
    """Lane id -> phase id -> items."""
    cells: dict[str, dict[str, list[_Item]]] = {lane: {} for lane, _, _ in LANES}
    carried = {km.quote.coding_id for km in hb.key_moments() if km.quote}
    recs = hb.recommendations
    opened: set[str] = set()
    for p in journey.phases:
        s = hb.phase(p.id)
        nodata = [_Item("geen gegevens", style="italic", color=GREY)]
        # wat ze doet
        steps = []
        for st in p.steps:
            m = hb.moment(p.id, st.id)
            steps.append(_Item(f"\u2022 {st.name}", color="#1a1a1a" if m.has_data else GREY))
        cells["doet"][p.id] = steps or ([_Item(p.description)] if p.description else
                                        [_Item("\u2013", color=GREY)])
        # denkt en voelt
        qs = _phase_quotes(hb, p.id, carried)
        cells["denkt"][p.id] = [
            _Item(f"{FACE[level_of(q.valence)]} "
                  f"\u201c{q.text}\u201d \u2014 {q.respondent_id}", style="italic", gap=2.0)
            for q in qs] or (nodata if not s.has_data else [_Item("\u2013", color=GREY)])
        # contact
        cells["contact"][p.id] = [_Item(" \u00b7 ".join(s.organisations))] if s.organisations \
            else [_Item("\u2013", color=GREY)]
        # pijn- en hoogtepunten
        for lane, kms, sign in (("pijn", hb.pain_points, -1), ("hoog", hb.high_points, 1)):
            items: list[_Item] = []
            shown = set()
            for km in kms:
                if km.moment.phase != p.id:
                    continue
                glyph = PAIN_GLYPH if sign < 0 else HIGH_GLYPH
                items.append(_Item(f"{glyph} {km.label} {km.moment.label} ({_nb(km.n_van_n)})",
                                   weight="bold", gap=0.6))
                if km.quote:
                    items.append(_Item(f"\u201c{km.quote.text}\u201d \u2014 "
                                       f"{km.quote.respondent_id}", style="italic", gap=1.8))
                shown.update(km.moment.codes[:1])
            for code, n in _code_counts(hb, p.id, sign):
                if code in shown:
                    continue
                items.append(_Item(f"\u2022 {code_names.get(code, code)} "
                                   f"({_nb(f'{n} van {hb.total}')})",
                                   gap=0.8))
            cells[lane][p.id] = items or (nodata if not s.has_data else
                                          [_Item("\u2013", color=GREY)])
        # kansen: a recommendation that answers several phases leads only in the first;
        # later columns open with one the poster has not shown yet (a cell shows what fits)
        ids = set(s.recommendations)
        mine = sorted((r for r in recs if r["id"] in ids),
                      key=lambda r: (r["id"] in opened, recs.index(r)))
        if mine:
            opened.add(mine[0]["id"])
        cells["kansen"][p.id] = [
            _Item(f"{OPPORTUNITY} {r['text']}" + (f" ({r['kind']})" if r.get("kind") else ""),
                  gap=1.6)
            for r in mine] or [_Item("\u2013", color=GREY)]
    return cells


# --- the poster ----------------------------------------------------------------------------

def build_poster(persona: PersonaCardLike | Mapping, heartbeat: Heartbeat, journey: Journey,
                 size: str = "A3", *, code_names: Mapping[str, str] | None = None,
                 title: str | None = None) -> Figure:
    """The poster as a matplotlib Figure of the exact page size (see ``render_poster``)."""
    with rc_context():
        P = _Poster(size)
        hb = heartbeat
        name = _field(persona, "name") or hb.name
        # the heartbeat carries the persona's resolved colour (its own, or a free palette
        # colour when it has none or shares one); a bare heartbeat falls back to the card's
        colour = hb.color or _field(persona, "color") or PERSONA_CYCLE[0]
        code_names = dict(code_names or {})
        W, H = PAGES["A3"]                              # the layout is in A3 millimetres
        m = 10.0
        # colour band and title
        P.rect(0, H - 4, W, 4, fc=colour)
        P.text(m, H - 20, W - 2 * m - 60, 13, title or f"{name} \u2013 {journey.name}",
               P.pt(24), P.pt(16), weight="bold", max_lines=1, va="center")
        sub = (f"Klantreis van persona {name}: huidige beleving per fase, berekend uit "
               f"{hb.n_passages} gecodeerde passages van {hb.total} respondenten")
        if source_note(hb.source):
            sub += f" ({source_note(hb.source)})"
        P.text(m, H - 27, W - 2 * m - 60, 7, sub, P.pt(11), P.min, color="#444444",
               max_lines=1, va="center")
        # persona panel
        panel_x, panel_w, top, bottom = m, 84.0, H - 31, 19.0
        _persona_panel(P, persona, hb, panel_x, bottom, panel_w, top - bottom, colour)
        # main grid
        gx = panel_x + panel_w + 6
        head_w = 31.0
        cx = gx + head_w
        cw = W - m - cx
        n = len(journey.phases)
        col_w = cw / n
        phase_h, curve_h = 11.0, 56.0
        y_phase = top - phase_h
        y_curve = y_phase - curve_h
        lanes_h = y_curve - bottom - 2
        unit = lanes_h / sum(r for _, _, r in LANES)
        for i, p in enumerate(journey.phases):
            x = cx + i * col_w
            fc = LIGHT if i % 2 == 0 else "white"
            P.rect(x, bottom, col_w, top - bottom, fc=fc, zorder=0.5, background=True)
            head = colour if i % 2 == 0 else tint(colour)
            P.rect(x, y_phase, col_w, phase_h, fc=head, zorder=1)
            P.text(x + 1.5, y_phase, col_w - 3, phase_h, p.name, P.pt(11.5), P.min,
                   weight="bold", ha="center", va="center", max_lines=2,
                   color=text_on(head), zorder=4)
        P.text(gx, y_phase, head_w - 2, phase_h, "Fase", P.pt(10.5), P.min, weight="bold",
               va="center", zorder=4)
        # heartbeat across the top, aligned with the columns
        layout = layout_slots(journey, [hb], equal_phases=True)
        ax = P.sheet.axes(P.mm(cx), P.mm(y_curve + 3), P.mm(cw), P.mm(curve_h - 5), zorder=2)
        ax.patch.set_alpha(0)
        draw_heartbeat_axes(ax, hb, journey, layout, size=P.body, fitter=P.sheet.fitter,
                            scale=P.k, min_size=P.min, value_axis="left")
        # lanes
        cells = _cells(hb, journey, code_names)
        y = y_curve - 2
        for lane, label, rel in LANES:
            h = rel * unit
            y -= h
            P.sheet.ax.plot([P.mm(gx), P.mm(W - m)], [P.mm(y + h)] * 2, color="#b9b9b9",
                            lw=0.6 * P.k, zorder=2)
            P.text(gx, y, head_w - 2, h, label, P.pt(10.5), P.min,
                   weight="bold", va="top", pad=1.6, zorder=4,
                   color=PAIN if lane == "pijn" else (HIGH if lane == "hoog" else "#111111"))
            for i, p in enumerate(journey.phases):
                P.stack(cx + i * col_w, y, col_w, h, cells[lane].get(p.id, []))
        P.sheet.ax.plot([P.mm(gx), P.mm(W - m)], [P.mm(y)] * 2, color="#b9b9b9",
                        lw=0.6 * P.k, zorder=2)
        # footer: how to read it
        _footer(P, hb, m, W, bottom)
        return P.sheet.fig


def _persona_panel(P: _Poster, persona, hb: Heartbeat, x, y, w, h,
                   colour: str) -> None:
    P.rect(x, y, w, h, fc="#f7f7f7", ec="#d0d0d0", lw=0.6 * P.k, zorder=0.5)
    P.rect(x, y + h - 2.5, w, 2.5, fc=colour, zorder=1)
    pad = 4.0
    ix, iw = x + pad, w - 2 * pad
    top = y + h - 2.5 - pad
    name = _field(persona, "name") or hb.name
    _, used, _ = P.text(ix, top - 12, iw, 12, name, P.pt(22), P.pt(14), weight="bold",
                        max_lines=1, va="top")
    top -= used / MM / P.k + 2
    n_line = (f"{hb.total} van {hb.study_total} respondenten" if hb.study_total
              else f"{hb.total} respondenten")
    _, used, _ = P.text(ix, top - 7, iw, 7, n_line, P.pt(11), P.min, max_lines=1,
                        color="#333333", va="top")
    top -= used / MM / P.k + 4
    desc = _field(persona, "description") or ""
    quote = _field(persona, "quote") or ""
    blocks: list[tuple[str, list[_Item]]] = []
    if desc:
        blocks.append(("", [_Item(desc)]))
    if quote:
        blocks.append(("", [_Item(f"\u201c{quote}\u201d", style="italic")]))
    for key, label in (("needs", "Behoeften"), ("goals", "Doelen")):
        items = [_Item(f"\u2022 {v}", gap=0.8) for v in (_field(persona, key) or [])]
        if items:
            blocks.append((label, items))
    levels = []
    for s in hb.phases:
        face = FACE.get(s.level, "\u2013")
        levels.append(_Item(f"{face} {s.phase_name}: {s.level}", gap=0.6,
                            color=GREY if s.level == NO_DATA else "#1a1a1a"))
    keys = [_Item(f"{PAIN_GLYPH if km.kind == 'pijnpunt' else HIGH_GLYPH} {km.label} "
                  f"{km.moment.label} ({_nb(km.n_van_n)})", gap=0.6)
            for km in hb.pain_points + hb.high_points]
    if keys:
        blocks.append(("Kernmomenten", keys))
    # the phase levels sit at the bottom, measured first (a long phase name wraps); the
    # rest flows from the top into what is left
    lv_h = 9 + _stack_height(P, levels, iw + 3.2) + 2
    lv_y = y + pad
    P.text(ix, lv_y + lv_h - 7, iw, 7, "Beleving per fase", P.pt(11), P.min, weight="bold",
           max_lines=1, va="top")
    P.stack(ix - 1.6, lv_y, iw + 3.2, lv_h - 8, levels)
    limit = lv_y + lv_h + 3
    for label, items in blocks:
        if top - limit < 10:
            break
        if label:
            _, used, _ = P.text(ix, top - 7, iw, 7, label, P.pt(11), P.min, weight="bold",
                                max_lines=1, va="top")
            top -= used / MM / P.k + 0.8
        used_h = P.stack(ix - 1.6, limit, iw + 3.2, top - limit, items)
        top -= used_h + 3.5


def _stack_height(P: _Poster, items: list[_Item], w: float, pad: float = 1.6) -> float:
    """Height (mm, padding included) ``P.stack`` needs for ``items`` at body size in a cell
    ``w`` mm wide, measured as the stack will lay them out."""
    f = P.sheet.fitter
    wpt = P.mm(w - 2 * pad)
    used = 2 * pad
    for it in items:
        lines = f.wrap(it.text, wpt, P.body, it.weight, it.style)
        used += f.height(lines, P.body, 1.2, it.weight, it.style) / MM / P.k + it.gap
    return used - (items[-1].gap if items else 0) + 0.5


def _footer(P: _Poster, hb: Heartbeat, m: float, W: float, bottom: float) -> None:
    note = ("Lezen: de lijn is de beleving per moment (\u22123 tot +3), het gewogen "
            "gemiddelde van de respondenten van deze persona; gestippeld = geen gegevens. "
            f"{PAIN_GLYPH} pijnpunt en {HIGH_GLYPH} hoogtepunt: sterkste momenten, met een "
            "echt citaat (geanonimiseerd) en het aantal respondenten (n van N).")
    P.text(m, 5, W * 0.58, bottom - 7, note, P.body, P.min, color="#333333", va="center")
    handles = [Line2D([], [], color=persona_line_colour(hb.color), lw=2.4 * P.k, marker="o",
                      markersize=5 * P.k, label="huidig")]
    if hb.has_desired:
        handles.append(Line2D([], [], color=DESIRED, lw=1.8 * P.k, linestyle=(0, (5, 2.5)),
                              marker="o", markerfacecolor="white", label="gewenst"))
    handles += [Line2D([], [], marker="v", linestyle="none", markersize=8 * P.k,
                       markerfacecolor=PAIN, markeredgecolor="black", label="pijnpunt"),
                Line2D([], [], marker="^", linestyle="none", markersize=8 * P.k,
                       markerfacecolor=HIGH, markeredgecolor="black", label="hoogtepunt")]
    P.sheet.ax.legend(handles=handles, loc="center right",
                      bbox_to_anchor=(P.mm(W - m), P.mm(5 + (bottom - 7) / 2)),
                      bbox_transform=P.sheet.ax.transData, fontsize=P.body, frameon=False,
                      ncol=len(handles), handlelength=2.4, borderaxespad=0, borderpad=0)


def render_poster(persona: PersonaCardLike | Mapping, heartbeat: Heartbeat, journey: Journey,
                  path, size: str = "A3", *, formats: Sequence[str] = FORMATS,
                  png_dpi: int = 150, code_names: Mapping[str, str] | None = None,
                  title: str | None = None) -> list[Path]:
    """Write the poster (PDF at the exact A3/A2 landscape page, PNG preview, SVG).

    ``persona``: anything with ``name``, ``description``, ``needs``, ``goals`` (optional
    ``quote``, ``color``) or a dict with those keys. ``path``: with a .pdf/.png/.svg suffix
    only that format, otherwise each of ``formats``. Returns the written paths.
    """
    fig = build_poster(persona, heartbeat, journey, size, code_names=code_names, title=title)
    return save_figure(fig, path, formats=formats, dpi=png_dpi,
                       title=title or f"Klantreisposter {_field(persona, 'name') or heartbeat.name}")


def write_posters(personas: Mapping[str, Any], heartbeats: Sequence[Heartbeat],
                  journey: Journey, out_dir, size: str = "A3", *,
                  formats: Sequence[str] = FORMATS, png_dpi: int = 150,
                  code_names: Mapping[str, str] | None = None) -> list[Path]:
    """``<journey>_<persona>_<size>.{pdf,png,svg}`` for every heartbeat, drawn side by side
    on the machine's cores (``klantreis.parallel``)."""
    from .parallel import run_all
    jobs = []
    for hb in heartbeats:
        card = personas.get(hb.persona) or {"name": hb.name, "description": "", "needs": [],
                                            "goals": []}
        jobs.append((render_poster,
                     (card, hb, journey, Path(out_dir) / f"{journey.id}_{hb.persona}_{size}",
                      size),
                     {"formats": tuple(formats), "png_dpi": png_dpi,
                      "code_names": dict(code_names or {})}))
    return [path for paths in run_all(jobs) for path in paths]


__all__ = ["PersonaCardLike", "build_poster", "render_poster", "write_posters", "PAGES"]
