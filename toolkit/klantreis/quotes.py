"""How a coded passage is shown as a quote (cards, heartbeats, posters, the report).

One rule everywhere, so the same passage reads the same on a card and in the report:
whitespace collapsed; stage directions such as ``[lacht]`` or ``(lacht)`` left out (they are
not speech; the same rule as the transcript import) but the anonymizer's placeholders such as
``[PERSOON-1]`` kept (they are the anonymized text); a bracketed remark cut in half by the
passage's edges dropped; a long passage cut at a sentence end when one lies in its second
half, else at a word boundary, with an ellipsis.
"""
from __future__ import annotations

import re

from .transcripts import STAGE_DIRECTION_RE

# The stage-direction rule of the transcript import (transcripts.STAGE_DIRECTION_RE):
# [lacht], [stilte], [spreekt Tigrinya], (lacht), (00:12:31) -- but not [PERSOON-1], [DATUM],
# [PLAATS-2] and not "(in de zomer)". Here with the white space before it, so "zwaar [lacht]."
# reads "zwaar." once whitespace is collapsed.
STAGE_DIRECTION = re.compile(rf"\s*(?:{STAGE_DIRECTION_RE.pattern})")
ELLIPSIS = "\u2026"


def quote_text(text: str, limit: int = 300) -> str:
    """``text`` as a quote of at most about ``limit`` characters (see the module doc)."""
    text = " ".join(STAGE_DIRECTION.sub("", text).split())
    text = re.sub(r"\s*\[[^\]]*$", "", text)                 # "... en toen [la"
    head = text.split("[", 1)[0]
    if "]" in head:                                          # "cht] Nou ja, ..."
        text = text[head.index("]") + 1:].lstrip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for stop in (". ", "? ", "! "):
        pos = cut.rfind(stop)
        if pos > limit * 0.5:
            return cut[:pos + 1] + " " + ELLIPSIS
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013") + " " + ELLIPSIS


__all__ = ["quote_text", "STAGE_DIRECTION", "ELLIPSIS"]
