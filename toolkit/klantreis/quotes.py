"""How a coded passage is shown as a quote (cards, heartbeats, posters, the report).

One rule everywhere, so the same passage reads the same on a card and in the report:
whitespace collapsed; stage directions such as ``[lacht]`` left out (they are not speech) but
the anonymizer's placeholders such as ``[PERSOON-1]`` kept (they are the anonymized text); a
bracketed remark cut in half by the passage's edges dropped; a long passage cut at a sentence
end when one lies in its second half, else at a word boundary, with an ellipsis.
"""
from __future__ import annotations

import re

# [lacht], [stilte], [spreekt Tigrinya] -- but not [PERSOON-1], [DATUM], [PLAATS-2]
STAGE_DIRECTION = re.compile(r"\s*\[(?![A-Z][A-Z_]*(?:-\d+)?\])[^\[\]\n]{1,60}\]")
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
