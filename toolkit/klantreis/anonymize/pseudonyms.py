"""Consistent placeholders for one run: the same person is [PERSOON-n] in every file.

People are matched on their folded name: "Jan de Vries", "jan", "Jantje" and "De Vries"
become one [PERSOON-n] when the run has exactly one full name they fit; two different
Jans with different surnames stay apart, and a lone "Jan" that fits both gets its own
number. Places, addresses and organisations are matched on their folded text. Numbers
follow the order of first appearance (files in name order), continuing an existing key.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Sequence

from .base import ADRES, INSTELLING, NUMBERED, PERSOON, PLAATS, Detection
from .lexicon import Lexicon, fold
from .names import INTERFIX, WORD_RE

_PLACEHOLDER = re.compile(r"^\[(%s)-(\d+)\]$" % "|".join(NUMBERED))


class PseudonymRegistry:
    """Plans and hands out placeholders; ``mapping()`` is the key (original -> placeholder)."""

    def __init__(self, lexicon: Lexicon, existing: dict[str, str] | None = None):
        """``existing``: a key file read before ({original: placeholder}, string values)."""
        self.lex = lexicon
        self._next = defaultdict(lambda: 1)
        self._by_key: dict[tuple[str, tuple[str, ...]], str] = {}   # (label, key) -> placeholder
        self._surface: dict[str, str] = {}                           # original -> placeholder
        self._person_of: dict[tuple[str, ...], tuple[str, ...]] = {}  # mention key -> entity key
        for original, placeholder in (existing or {}).items():
            m = _PLACEHOLDER.match(placeholder)
            if not m:
                # [DATUM], [BSN] ... and original -> neutral file names: kept as they are
                self._surface[original] = placeholder
                continue
            label, n = m.group(1), int(m.group(2))
            self._by_key[(label, self._key(label, original))] = placeholder
            self._surface[original] = placeholder
            self._next[label] = max(self._next[label], n + 1)

    # --- keys --------------------------------------------------------------------------
    def _name_tokens(self, text: str) -> tuple[str, ...]:
        toks = []
        for w in WORD_RE.findall(text):
            k = fold(re.sub(r"['’]s$", "", w))
            # "Jantje", "Keesje", "Sannetje" are Jan, Kees, Sanne (also when a name list
            # holds the diminutive); "-ke"/"-ie" forms (Marieke, Annie) are names of their own
            base = None
            if k not in self.lex.first_names or k.endswith("je"):
                base = self.lex.diminutive_base(k)
            toks.append(base or k)
        return tuple(toks)

    def _key(self, label: str, text: str) -> tuple[str, ...]:
        if label == PERSOON:
            return self._name_tokens(text)
        return (fold(text),)

    @staticmethod
    def _content(key: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(k for k in key if k not in INTERFIX)

    # --- planning ------------------------------------------------------------------------
    def plan(self, runs: Sequence[Iterable[Detection]]) -> None:
        """Link person mentions and number every entity in order of first appearance."""
        ordered = [d for dets in runs for d in sorted(dets, key=lambda d: d.start)]
        persons = [self._key(PERSOON, d.text) for d in ordered if d.label == PERSOON]
        full = {}
        for key in persons:
            if len(self._content(key)) >= 2:
                full.setdefault(key, key)
        # an existing key file knows full names too
        for (label, key) in self._by_key:
            if label == PERSOON and len(self._content(key)) >= 2:
                full.setdefault(key, key)
        for key in persons:
            content = self._content(key)
            if len(content) >= 2 or not content:
                self._person_of[key] = key
                continue
            word = content[0]
            fits = {f for f in full if self._content(f)[0] == word or self._content(f)[-1] == word}
            self._person_of[key] = fits.pop() if len(fits) == 1 else (word,)
        for d in ordered:
            self._assign(d)

    def _assign(self, d: Detection) -> str:
        if d.label not in NUMBERED:
            return f"[{d.label}]"
        key = self._key(d.label, d.text)
        if d.label == PERSOON:
            key = self._person_of.get(key, key)
        slot = (d.label, key)
        if slot not in self._by_key:
            self._by_key[slot] = f"[{d.label}-{self._next[d.label]}]"
            self._next[d.label] += 1
        return self._by_key[slot]

    def placeholder(self, d: Detection) -> str:
        ph = self._assign(d)
        self._surface.setdefault(d.text, ph)
        return ph

    def mapping(self) -> dict[str, str]:
        return dict(sorted(self._surface.items(), key=lambda kv: (kv[1], kv[0])))


def apply(text: str, detections: Sequence[Detection], registry: PseudonymRegistry) -> str:
    """The text with every detection replaced by its placeholder."""
    out = []
    pos = 0
    for d in sorted(detections, key=lambda d: d.start):
        if d.start < pos:
            continue
        out.append(text[pos:d.start])
        out.append(registry.placeholder(d))
        pos = d.end
    out.append(text[pos:])
    return "".join(out)


__all__ = ["PseudonymRegistry", "apply", "PERSOON", "PLAATS", "ADRES", "INSTELLING"]
