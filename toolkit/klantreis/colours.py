"""One palette for personas, persona cards, heartbeats and posters.

Okabe & Ito (2008): eight colours that stay distinguishable with every common colour-vision
deficiency. Personas take them in ``PERSONA_CYCLE`` order (yellow last: a thin yellow line
on white is hard to see); a ninth persona and beyond get darker, then lighter shades of the
same cycle (the figures never rely on colour alone: names, line styles and markers carry the
difference too). ``text_on`` picks black or white text for a coloured background (WCAG).
"""
from __future__ import annotations

from typing import Iterable, Sequence

OKABE_ITO = {
    "orange": "#E69F00", "skyblue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
}
PERSONA_CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                 "#F0E442")
PAIN = OKABE_ITO["vermillion"]      # pain points (always with a down-triangle)
HIGH = OKABE_ITO["green"]           # high points (always with an up-triangle)
DESIRED = OKABE_ITO["orange"]       # the desired curve (dashed, hollow markers)
INK = "#1A1A1A"
MUTED = "#555555"
GREY = "#6b6b6b"
LIGHT = "#f1f1f1"
# what ``models.Persona`` and the persona loader give a persona without a ``color``: such a
# persona is treated as having no colour of its own (see ``is_unset``)
LOADER_DEFAULT = ""         # what the loader gives a persona without a colour


def _rgb(colour: str) -> tuple[float, float, float] | None:
    try:
        from matplotlib.colors import to_rgb
        return to_rgb(colour)
    except (ValueError, TypeError):
        return None


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02X}" for c in rgb)


def normalise(colour: str | None) -> str:
    """``#RRGGBB`` in capitals ("" for nothing or something matplotlib cannot read)."""
    if not colour:
        return ""
    rgb = _rgb(str(colour).strip())
    return _hex(rgb) if rgb is not None else ""


def is_unset(colour: str | None) -> bool:
    """No colour of its own: empty, unreadable, or the loader's default."""
    c = normalise(colour)
    return not c or c == LOADER_DEFAULT


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0..1) of the way towards ``other``."""
    a, b = _rgb(colour) or (0.5, 0.5, 0.5), _rgb(other) or (0.5, 0.5, 0.5)
    return _hex(x + (y - x) * amount for x, y in zip(a, b))


def tint(colour: str, amount: float = 0.75) -> str:
    """A light version of a colour (alternating poster phase headers, card boxes)."""
    return mix(colour, "#FFFFFF", amount)


def persona_colour(i: int) -> str:
    """The ``i``-th persona colour (0-based), for any ``i``: the cycle, then darker and
    lighter shades of it in turn (black: greys)."""
    n = len(PERSONA_CYCLE)
    base = PERSONA_CYCLE[i % n]
    round_ = i // n
    if round_ == 0:
        return base
    step = (round_ + 1) // 2                     # 1, 1, 2, 2, 3, ...
    amount = 1.0 - 0.6 * 0.7 ** (step - 1)       # 0.40, 0.58, 0.71, ...
    darker = round_ % 2 == 1
    if base == "#000000":                        # no darker black: two grey scales
        return mix(base, "#FFFFFF", amount * (0.55 if darker else 1.0))
    return mix(base, "#000000" if darker else "#FFFFFF", amount)


def persona_colours(n: int) -> list[str]:
    return [persona_colour(i) for i in range(n)]


def distinct(colours: Sequence[str | None], *, keep_default: bool = True) -> list[str]:
    """The same list with every empty or repeated colour replaced by the next persona
    colour nobody uses yet (first come keeps its colour). ``keep_default=False`` also
    treats the loader's default as no colour (see ``is_unset``)."""
    wanted = [normalise(c) for c in colours]
    if not keep_default:
        wanted = ["" if is_unset(c) else c for c in wanted]
    used: set[str] = set()
    out: list[str | None] = []
    for c in wanted:
        if c and c not in used:
            used.add(c)
            out.append(c)
        else:
            out.append(None)
    i = 0
    for j, c in enumerate(out):
        if c is None:
            # (shades converge: after many personas a colour may come back; never hang)
            while persona_colour(i) in used and i < 10 * len(PERSONA_CYCLE) + len(out):
                i += 1
            out[j] = persona_colour(i)
            used.add(out[j])
            i += 1
    return [str(c) for c in out]


def luminance(colour: str) -> float:
    """WCAG relative luminance (0 black .. 1 white)."""
    rgb = _rgb(colour)
    if rgb is None:
        return 1.0
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours (1 .. 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(colour: str) -> str:
    """Black or white text, whichever contrasts more with ``colour`` (WCAG)."""
    lum = luminance(colour)
    return "#000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#FFFFFF"


def readable_on_white(colour: str, minimum: float = 3.0) -> str:
    """``colour`` for text or thin lines on white, darkened until it reaches ``minimum``
    contrast (yellow and sky blue are too light as they are)."""
    c = normalise(colour) or INK
    for step in range(11):
        candidate = mix(c, "#000000", step * 0.08)
        if contrast(candidate, "#FFFFFF") >= minimum:
            return candidate
    return INK


__all__ = ["OKABE_ITO", "PERSONA_CYCLE", "PAIN", "HIGH", "DESIRED", "INK", "MUTED", "GREY",
           "LIGHT", "LOADER_DEFAULT", "normalise", "is_unset", "mix", "tint", "persona_colour",
           "persona_colours", "distinct", "luminance", "contrast", "text_on",
           "readable_on_white"]
