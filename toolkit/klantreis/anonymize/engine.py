"""deduce as one of the recognisers, with its lookup cache in a user cache folder.

deduce builds its lookup structures the first time (about three minutes) and pickles them.
By default it writes that cache inside its own package folder; we point it to
``$KLANTREIS_CACHE_DIR/deduce`` or ``~/.cache/klantreis/deduce`` (XDG_CACHE_HOME honoured),
so the build happens once per user and never inside a study folder. Later loads take a
few seconds.
"""
from __future__ import annotations

import gc
import logging
import os
import threading
import time
from pathlib import Path

from ..progress import is_quiet, say
from .base import ADRES, INSTELLING, PERSOON, PLAATS, Detection

# deduce groups and processors we do not use: our own recognisers cover these with
# spoken-Dutch patterns and checksums (see patterns.py).
_DISABLED = {"dates", "ages", "identifiers", "phone_numbers", "email_addresses", "urls",
             "postal_code", "postbus", "remove_street_tags", "clean_street_tags", "redactor"}


def cache_dir() -> Path:
    """Where deduce's lookup cache lives (created on demand)."""
    env = os.environ.get("KLANTREIS_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "deduce"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "klantreis" / "deduce"


def cache_exists(path: Path | None = None) -> bool:
    return ((path or cache_dir()) / "cache" / "lookup_structs.pickle").is_file()


def _map_tag(tag: str) -> str | None:
    tag = tag.lower()
    if tag in ("persoon", "patient"):
        return PERSOON
    if "straat" in tag or "huisnummer" in tag:
        return ADRES
    if tag == "locatie":
        return PLAATS
    if tag in ("ziekenhuis", "zorginstelling"):
        return INSTELLING
    return None


class DeduceEngine:
    """deduce's names, place names, streets and care institutions as ``Detection``s."""

    def __init__(self, cache_path: Path | None = None):
        self.cache_path = Path(cache_path) if cache_path else cache_dir()
        self._deduce = None

    def load(self) -> "DeduceEngine":
        if self._deduce is not None:
            return self
        self.cache_path.mkdir(parents=True, exist_ok=True)
        building = not cache_exists(self.cache_path)
        if building:
            say(f"deduce bouwt eenmalig zijn opzoeklijsten in {self.cache_path} "
                f"(ongeveer drie minuten; daarna duurt laden enkele seconden)...")
        else:
            say("deduce laden...")
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        stop = threading.Event()
        ticker = None
        if building and not is_quiet():
            ticker = threading.Thread(target=_tick, args=(stop,), daemon=True)
            ticker.start()
        # deduce's unpickling makes millions of small objects: without the cyclic garbage
        # collector it loads two to three times faster.
        gc_was = gc.isenabled()
        gc.disable()
        try:
            from deduce import Deduce
            self._deduce = Deduce(cache_path=self.cache_path)
            _freeze_once()
        finally:
            if gc_was:
                gc.enable()
            stop.set()
            # deduce calls logging.basicConfig(stdout, DEBUG) on import: undo that
            for h in list(root.handlers):
                if h not in handlers:
                    root.removeHandler(h)
            root.setLevel(level)
        if ticker is not None:
            ticker.join(timeout=1)
        return self

    def find(self, text: str) -> list[Detection]:
        self.load()
        doc = self._deduce.deidentify(text, disabled=_DISABLED)
        out = []
        for ann in doc.annotations:
            label = _map_tag(ann.tag)
            if label is None:
                continue
            out.append(Detection(int(ann.start_char), int(ann.end_char), label, str(ann.text),
                                 f"deduce:{ann.tag}"))
        return out


_frozen = False


def _freeze_once() -> None:
    """After a successful load the lookup tables live for the whole run: move them (and
    everything else alive now) out of the cyclic collector's reach, once per process.
    A failed load freezes nothing, so its half-built objects can still be collected."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True


def _tick(stop: threading.Event) -> None:
    """A line every 20 s while deduce builds its cache, so the user sees it is alive."""
    started = time.monotonic()
    while not stop.wait(20):
        say(f"  ... deduce is nog bezig ({int(time.monotonic() - started)} s)")


_shared: DeduceEngine | None = None


def shared_engine() -> DeduceEngine:
    """One loaded deduce per process (loading takes seconds, building minutes)."""
    global _shared
    if _shared is None or _shared.cache_path != cache_dir():
        _shared = DeduceEngine()
    return _shared.load()
