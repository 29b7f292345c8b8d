"""The respondent table: ``interviews/respondenten.csv`` / ``.xlsx`` / ``.xlsm`` (or
``respondents.*``), or the file named in ``study.yaml: respondent_table``.

One row per respondent: ``id`` plus any columns (age, children, origin, interpreter...).
Values are typed: whole numbers, decimals (``3,5`` too), ``ja/nee/yes/no/true/false`` ->
bool, empty -> None. CSVs may use ``,`` or ``;`` (Dutch Excel) and Windows-1252.

A duplicate id with different values is an error (file and line); an exact duplicate row,
ids without a transcript and transcripts without a row are warnings on the table.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import InputError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .study import Study

# The names a respondent table may have in interviews/, in order of preference: the one
# list (transcripts.py skips these files; refi.py checks for them).
TABLE_STEMS = ("respondenten", "respondents")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
TABLE_NAMES = tuple(stem + suffix for stem in TABLE_STEMS for suffix in TABLE_SUFFIXES)
_ID_COLUMNS = ("id", "respondent", "respondent_id", "respondentid", "respondentnummer", "nr")
# The one yes/no vocabulary of the toolkit (lower case). Single letters ("j", "n") are left
# out on purpose: a column of "v"/"m" or initials must not turn into booleans.
TRUE_WORDS = frozenset({"ja", "yes", "true", "waar"})
FALSE_WORDS = frozenset({"nee", "no", "false", "onwaar"})
BOOL_WORDS = TRUE_WORDS | FALSE_WORDS
_INT = re.compile(r"^[+-]?(?:0|[1-9]\d*)$")
_FLOAT = re.compile(r"^[+-]?(?:0|[1-9]\d*)(?:[.,]\d+)?$")   # "0612" stays text


def parse_value(raw: Any, decimal_comma: bool = False) -> Any:
    """Type one cell: int, float, bool (ja/nee...), None for empty; else the stripped text."""
    if raw is None:
        return None
    if isinstance(raw, bool) or isinstance(raw, (int, float)):
        return raw
    if not isinstance(raw, str):
        return raw                                  # dates from Excel stay dates
    value = raw.strip()
    if not value:
        return None
    low = value.casefold()
    if low in BOOL_WORDS:
        return low in TRUE_WORDS
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        if "," in value and not decimal_comma:
            return value
        return float(value.replace(",", "."))
    return value


def parse_bool(raw: Any) -> bool | None:
    """``True``/``False`` for a yes/no value (``BOOL_WORDS``, or a bool), else ``None``."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        low = raw.strip().casefold()
        if low in BOOL_WORDS:
            return low in TRUE_WORDS
    return None


@dataclass
class RespondentTable:
    """Typed respondent attributes by id, with remarks for ``klantreis check``."""

    path: Path | None = None
    columns: list[str] = field(default_factory=list)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _checked: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def ids(self) -> list[str]:
        return list(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, rid: object) -> bool:
        return rid in self.rows

    def attributes(self, rid: str) -> dict[str, Any]:
        """The typed columns of one respondent, id left out (empty dict without a row)."""
        return {k: v for k, v in self.rows.get(rid, {}).items() if k != "id"}

    @property
    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        cols = [c for c in self.columns if c != "id"]
        df = pd.DataFrame([{c: r.get(c) for c in cols} for r in self.rows.values()],
                          index=pd.Index(list(self.rows), name="id"), columns=cols)
        return df.convert_dtypes() if len(df) else df

    def check_transcripts(self, transcript_ids: Iterable[str]) -> list[str]:
        """Warn about rows without a transcript and transcripts without a row; the remarks
        are returned and kept in ``warnings`` (``import_study`` does this once per import;
        a second check replaces the first one's remarks)."""
        for w in self._checked:
            if w in self.warnings:
                self.warnings.remove(w)
        self._checked = []
        if self.path is None:
            return []
        have = list(transcript_ids)
        known = set(have)
        name = self.path.name
        new = []
        for rid in self.rows:
            if rid not in known:
                new.append(f"{name}, regel {self.lines[rid]}: respondent '{rid}' heeft geen "
                           f"transcript")
        missing = [rid for rid in have if rid not in self.rows]
        if missing:
            new.append(f"{name}: geen rij voor {len(missing)} transcript(en): "
                       + ", ".join(missing))
        self._checked = list(new)
        self.warnings.extend(new)
        return new


def _tables_in(folder: Path) -> list[Path]:
    """The respondent tables in ``folder`` by the standard names, in order of preference
    (any case: "Respondenten.xlsx" counts)."""
    if not folder.is_dir():
        return []
    by_name = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    return [by_name[n] for n in TABLE_NAMES if n in by_name]


def configured_table(study: "Study") -> Path | None:
    """``study.yaml: respondent_table`` as a path (None when not set)."""
    name = getattr(study.config, "respondent_table", "") or ""
    return study.root / name if name else None


def table_candidates(path_or_study: "str | Path | Study") -> list[Path]:
    """Every respondent table of a study (or folder), the one that is used first; the others
    are ignored with a warning."""
    if hasattr(path_or_study, "interviews_dir"):
        study = path_or_study
        configured = configured_table(study)
        found = _tables_in(study.interviews_dir)
        if configured is not None:
            return [configured] + [p for p in found if p.resolve() != configured.resolve()]
        return found
    folder = Path(path_or_study)
    if folder.is_file():
        return [folder]
    if (folder / "interviews").is_dir() and not _tables_in(folder):
        folder = folder / "interviews"
    return _tables_in(folder)


def load_respondents(path_or_study: "str | Path | Study") -> RespondentTable:
    """Read the respondent table of a study (or a folder, or a .csv/.xlsx/.xlsm file).

    A study uses ``study.yaml: respondent_table`` when set, else the first of
    ``TABLE_NAMES`` in ``interviews/``. A study without a table gets an empty table
    (attributes are optional). ``Study.respondents`` holds the table read once per study.
    """
    found = table_candidates(path_or_study)
    if not found:
        return RespondentTable()
    path = found[0]
    table = RespondentTable(path=path)
    for other in found[1:]:
        table.warnings.append(f"{other.name}: genegeerd, want {path.name} is de "
                              f"respondententabel")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, records = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        header, records = _read_xlsx(path)
    else:
        raise InputError("respondententabel moet .csv, .xlsx of .xlsm zijn", path)
    _fill(table, header, records)
    return table


def _fill(table: RespondentTable, header: list[tuple[str, int]],
          records: list[tuple[int, list[Any]]]) -> None:
    path = table.path
    names = [h for h, _ in header]
    id_col = next((i for i, n in enumerate(names) if n in _ID_COLUMNS), None)
    if id_col is None:
        raise SchemaError("kolom 'id' ontbreekt in de kopregel", path, header[0][1] if header
                          else 1)
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if not n:
            continue
        if n in seen:
            raise SchemaError(f"kolom '{n}' staat twee keer in de kopregel", path, header[i][1])
        seen[n] = i
    names[id_col] = "id"
    table.columns = [n for n in names if n]
    for line, values in records:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        values = list(values) + [None] * (len(names) - len(values))
        if len(values) > len(names) and any(v not in (None, "") for v in values[len(names):]):
            raise SchemaError(f"rij heeft meer waarden ({len(values)}) dan de kopregel "
                              f"kolommen ({len(names)})", path, line)
        raw_id = values[id_col]
        if isinstance(raw_id, float) and raw_id.is_integer():
            raw_id = int(raw_id)
        rid = "" if raw_id is None else str(raw_id).strip()
        if not rid:
            raise SchemaError("rij zonder id", path, line)
        row = {"id": rid}
        for n, v in zip(names, values):
            if n and n != "id":
                row[n] = v
        if rid in table.rows:
            if table.rows[rid] == row:
                table.warnings.append(f"{path.name}, regel {line}: respondent '{rid}' staat "
                                      f"dubbel (zelfde waarden; regel {table.lines[rid]})")
                continue
            raise SchemaError(f"respondent '{rid}' staat al op regel {table.lines[rid]} met "
                              f"andere waarden", path, line)
        table.rows[rid] = row
        table.lines[rid] = line


def _column_name(raw: Any) -> str:
    return " ".join(str(raw or "").replace("\ufeff", "").split()).casefold()


def _read_csv(path: Path) -> tuple[list[tuple[str, int]], list[tuple[int, list[Any]]]]:
    from .transcripts import decode_bytes, normalize_newlines

    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("lege respondententabel", path)
    text, _ = decode_bytes(raw, path)
    text = normalize_newlines(text)
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=first.count)
    # the header line decides when the sniffer is unsure (e.g. "3,5" in a ;-file)
    if first.count(delimiter) == 0 and max(first.count(d) for d in ",;\t") > 0:
        delimiter = max(",;\t", key=first.count)
    decimal_comma = delimiter != ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[tuple[str, int]] = []
    records: list[tuple[int, list[Any]]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not header:
                if not any(c.strip() for c in row):
                    continue
                header = [(_column_name(c), line) for c in row]
                continue
            records.append((line, [parse_value(c, decimal_comma) for c in row]))
    except csv.Error as exc:
        raise SchemaError(f"CSV kan niet worden gelezen ({exc})", path, reader.line_num) from None
    if not header:
        raise InputError("lege respondententabel", path)
    return header, records


def _read_xlsx(path: Path) -> tuple[list[tuple[str, int]], list[tuple[int, list[Any]]]]:
    import zipfile

    if not zipfile.is_zipfile(path):
        raise InputError("geen geldig Excel-bestand (.xlsx)", path)
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise InputError("Excel-bestand kan niet worden gelezen (beschadigd of beveiligd?)",
                         path) from None
    try:
        ws = wb.worksheets[0]
        header: list[tuple[str, int]] = []
        records: list[tuple[int, list[Any]]] = []
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if not header:
                if not any(v not in (None, "") for v in row):
                    continue
                header = [(_column_name(v), r) for v in row]
                while header and not header[-1][0]:
                    header.pop()
                continue
            values = [parse_value(v, True) for v in row]
            records.append((r, values[:max(len(header), len(values))]))
    finally:
        wb.close()
    if not header:
        raise InputError("lege respondententabel", path)
    # Excel often reports trailing empty columns; cut them to the header width
    records = [(r, v[:len(header)] if all(x is None for x in v[len(header):]) else v)
               for r, v in records]
    return header, records




def attribute_frame(study: "Study") -> "tuple[pd.DataFrame | None, list[str]]":
    """The respondent table as a frame for the persona stage (None when the study has no
    table), with the table's remarks (unknown ids, missing rows). Uses ``study.respondents``,
    read and checked against the transcripts once by the study's import."""
    table = study.respondents
    if not len(table):
        return None, list(table.warnings)
    return table.frame, list(table.warnings)


__all__ = ["RespondentTable", "load_respondents", "attribute_frame", "parse_value",
           "parse_bool", "table_candidates", "configured_table", "TABLE_NAMES",
           "TABLE_STEMS", "TABLE_SUFFIXES", "TRUE_WORDS", "FALSE_WORDS", "BOOL_WORDS"]
