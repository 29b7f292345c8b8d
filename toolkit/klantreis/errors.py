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


def display_path(path: Path) -> str:
    """Path relative to the working directory when possible (shorter messages)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
