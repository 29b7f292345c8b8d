"""Writing files so that nothing is ever half-written or lost.

Every file the toolkit writes goes through ``write_atomic``: the content is written to a
temporary file in the same folder and renamed over the target in one step, so a crash, a full
disk or Ctrl-C leaves either the old file or the new one, never a broken one. The temporary
file gets the mode any new file would get (``mkstemp`` makes it owner-only), except for files
that hold personal data (the anonymizer's key and spans), which stay owner-only.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import KlantreisError


def _usual_mode(path: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def write_atomic(path: str | Path, content: str | bytes | Callable[[Path], None], *,
                 encoding: str = "utf-8", private: bool = False, overwrite: bool = True
                 ) -> Path:
    """Write ``content`` (text, bytes, or a function that writes the temporary path) to
    ``path`` atomically. ``private``: permissions 0600. ``overwrite=False`` refuses an
    existing file. Errors become a ``KlantreisError`` naming the file."""
    path = Path(path)
    if path.is_dir():
        raise KlantreisError("dit is een map, geen bestand", path)
    if not overwrite and path.exists():
        raise KlantreisError("bestaat al en is niet overschreven (gebruik --force om het te "
                             "overschrijven)", path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KlantreisError(f"kan niet schrijven ({exc.strerror})", path) from None
    tmp = Path(name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            data = content.encode(encoding) if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        if not private:
            _usual_mode(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise KlantreisError(f"kan niet schrijven ({exc.strerror})", path) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


__all__ = ["write_atomic"]
