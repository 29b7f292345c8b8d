"""User-facing errors.

Every mistake a user can make (a bad file, a bad setting) raises a ``KlantreisError``.
The CLI prints its message and exits non-zero; it never shows a traceback for these.
Messages name the file (and line where it helps) but never quote personal data.
"""
from __future__ import annotations

from pathlib import Path


class KlantreisError(Exception):
    """A problem the user can fix; ``str(err)`` is the message to show."""

    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(self.format())

    def format(self) -> str:
        if self.path is None:
            return self.message
        where = display_path(self.path)
        if self.line is not None:
            where += f", regel {self.line}"
        return f"{where}: {self.message}"


class InputError(KlantreisError):
    """An input file that cannot be read (format, encoding, empty, binary)."""


class SchemaError(KlantreisError):
    """A YAML/CSV file that reads fine but does not fit the expected structure."""


class StoreError(KlantreisError):
    """The study store (SQLite) cannot be used as asked."""


class PrivacyGateError(KlantreisError):
    """The anonymization check found suspects; reports must not be built."""

    exit_code = 3


def display_path(path: str | Path, root: str | Path | None = None) -> str:
    """A path for messages: relative to ``root`` (a study folder) when it lies inside it,
    else relative to the working directory when possible, else as given."""
    path = Path(path)
    try:
        resolved = path.resolve()
    except OSError:  # pragma: no cover - e.g. a symlink loop
        return str(path)
    for base in ((root,) if root is not None else ()) + (None,):
        try:
            base = Path.cwd() if base is None else Path(base)
            return str(resolved.relative_to(base.resolve()))
        except (ValueError, OSError):
            continue
    return str(path)
