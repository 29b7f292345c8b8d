"""The study store: codings, memos, coders, transcript hashes and an append-only event log.

One SQLite file per study (``.klantreis/store.sqlite``, not in git). Why SQLite: several
notebooks and a CLI run may write at the same time, and a killed kernel must not lose work
that was already saved. So the database runs in WAL mode with a busy timeout, and every
write is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken up front, so two
writers queue instead of deadlocking on a lock upgrade).

Inputs are never modified: transcripts are referred to by path and content hash, and
``changed_sources`` tells which transcripts changed after they were coded.

The schema is versioned (table ``schema_version``); ``MIGRATIONS`` is an ordered list and
opening an older store applies the missing steps in one transaction.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import StoreError
from .models import Coding, Transcript

MEMO_KINDS = ("code", "category", "respondent", "study", "storyline")
BUSY_TIMEOUT_MS = 30_000

# --- schema --------------------------------------------------------------------------------
# Each entry is one migration step; never edit a released step, append a new one.
MIGRATIONS: list[str] = [
    # v1: the first layout (coders, transcript sources, codings, event log)
    """
    CREATE TABLE coders (
        name        TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE sources (
        respondent_id TEXT PRIMARY KEY,
        path          TEXT NOT NULL,
        sha256        TEXT NOT NULL,
        recorded_at   TEXT NOT NULL
    );
    CREATE TABLE codings (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        respondent_id TEXT NOT NULL,
        code          TEXT NOT NULL,
        start         INTEGER NOT NULL,
        "end"         INTEGER NOT NULL,
        quote         TEXT NOT NULL DEFAULT '',
        coder         TEXT NOT NULL,
        memo          TEXT NOT NULL DEFAULT '',
        valence       INTEGER,
        phase         TEXT,
        created_at    TEXT NOT NULL
    );
    CREATE TABLE events (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        who      TEXT NOT NULL,
        action   TEXT NOT NULL,
        payload  TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # v2: provenance and soft deletion of codings; memos; imports of the text form
    """
    ALTER TABLE codings ADD COLUMN origin TEXT NOT NULL DEFAULT 'human';
    ALTER TABLE codings ADD COLUMN source_sha256 TEXT NOT NULL DEFAULT '';
    ALTER TABLE codings ADD COLUMN deleted_at TEXT;
    ALTER TABLE codings ADD COLUMN import_file TEXT;
    CREATE INDEX codings_by_respondent ON codings (respondent_id, coder);
    CREATE INDEX codings_by_code ON codings (code);
    CREATE INDEX codings_by_import ON codings (import_file);
    CREATE TABLE memos (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        kind        TEXT NOT NULL,
        target      TEXT NOT NULL DEFAULT '',
        coder       TEXT NOT NULL,
        text        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        deleted_at  TEXT
    );
    CREATE INDEX memos_by_target ON memos (kind, target);
    CREATE TABLE imports (
        file          TEXT PRIMARY KEY,
        fingerprint   TEXT NOT NULL,
        coder         TEXT NOT NULL,
        respondent_id TEXT NOT NULL,
        imported_at   TEXT NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

_CODING_COLS = ('id, respondent_id, code, start, "end", quote, coder, memo, valence, phase, '
                'origin, source_sha256, created_at, deleted_at, import_file')


def now() -> str:
    """UTC timestamp, ISO 8601 with microseconds (sortable as text)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass
class Memo:
    id: int
    kind: str
    target: str
    coder: str
    text: str
    created_at: str
    updated_at: str
    deleted_at: str | None = None


@dataclass
class Event:
    id: int
    at: str
    who: str
    action: str
    payload: dict[str, Any]


@dataclass
class SourceChange:
    """A transcript whose content differs from the one its codings were made on."""

    respondent_id: str
    path: str
    coded_sha256: str      # the hash the codings (or the recorded source) refer to
    current_sha256: str
    codings: int           # live codings made on the older content


@dataclass
class StoredCoding:
    """A coding row with the bookkeeping the dataclass ``Coding`` does not carry."""

    coding: Coding
    created_at: str
    deleted_at: str | None
    import_file: str | None


class Store:
    """The study store. Use as a context manager or call ``close()``.

    >>> store = Store(study.store_path)
    >>> store.add_coding(Coding("R01", "wachten_op_uitkering", 10, 52, coder="A"))
    """

    def __init__(self, path: str | Path, *, timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves (explicit transactions)
            self._db = sqlite3.connect(str(self.path), timeout=timeout_ms / 1000,
                                       isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"kan de studieopslag niet openen ({exc})", self.path) from None
        self._db.row_factory = sqlite3.Row
        self._depth = 0
        self._timeout_ms = int(timeout_ms)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network drive without shared memory
                raise StoreError(f"WAL-modus niet beschikbaar (kreeg '{mode}')", self.path)
            # FULL: a commit is on disk when COMMIT returns, also across a power cut
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self.migrate()
        except StoreError:
            self._db.close()
            raise
        except sqlite3.OperationalError as exc:
            self._db.close()
            raise StoreError(_operational_message(exc, timeout_ms), self.path) from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"de studieopslag is onleesbaar ({exc}); maak een kopie en "
                             f"verwijder het bestand om opnieuw te beginnen", self.path) from None
        except BaseException:
            self._db.close()
            raise

    # --- plumbing -------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one. A database that stays
        locked past the busy timeout, is read-only or sits on a full disk raises a
        ``StoreError`` naming the store (and nothing of the transaction is kept)."""
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._store_error(exc) from None
        self._depth = 1
        try:
            yield self._db
        except sqlite3.OperationalError as exc:
            self._depth = 0
            self._rollback()
            raise self._store_error(exc) from None
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        else:
            self._depth = 0
            try:
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise self._store_error(exc) from None

    def _rollback(self) -> None:
        # after SQLITE_FULL or an I/O error SQLite may have rolled back already
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _store_error(self, exc: sqlite3.OperationalError) -> StoreError:
        """A ``StoreError`` naming the store for a locked, read-only or full database."""
        return StoreError(_operational_message(exc, self._timeout_ms), self.path)

    @property
    def schema_version(self) -> int:
        return _schema_version(self._db)

    def migrate(self) -> int:
        """Apply missing migration steps; returns the resulting version."""
        if _schema_version(self._db) == SCHEMA_VERSION:  # common case: no write lock needed
            return SCHEMA_VERSION
        with self.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version "
                       "(version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
            current = _schema_version(db)
            if current > SCHEMA_VERSION:
                raise StoreError(f"de studieopslag heeft schemaversie {current}; deze versie van "
                                 f"klantreis kent er {SCHEMA_VERSION}: werk klantreis bij",
                                 self.path)
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _statements(MIGRATIONS[version - 1]):
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                           (version, now()))
        return SCHEMA_VERSION

    def integrity_check(self) -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    # --- events ---------------------------------------------------------------------------
    def log(self, who: str, action: str, **payload: Any) -> int:
        """Append an event; call inside the transaction of the change it describes."""
        with self.transaction() as db:
            cur = db.execute("INSERT INTO events (at, who, action, payload) VALUES (?, ?, ?, ?)",
                             (now(), who, action, json.dumps(payload, ensure_ascii=False,
                                                             sort_keys=True)))
            return int(cur.lastrowid)

    def events(self, action: str | None = None, who: str | None = None) -> list[Event]:
        sql, args = "SELECT * FROM events WHERE 1=1", []
        if action is not None:
            sql += " AND action = ?"
            args.append(action)
        if who is not None:
            sql += " AND who = ?"
            args.append(who)
        rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        return [Event(r["id"], r["at"], r["who"], r["action"], json.loads(r["payload"]))
                for r in rows]

    # --- coders ---------------------------------------------------------------------------
    def ensure_coder(self, name: str) -> None:
        if not name or not str(name).strip():
            raise StoreError("een codeur heeft een naam nodig")
        with self.transaction() as db:
            cur = db.execute("INSERT OR IGNORE INTO coders (name, created_at) VALUES (?, ?)",
                             (name, now()))
            if cur.rowcount:
                self.log(name, "coder.add", coder=name)

    def coders(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM coders ORDER BY name")]

    # --- sources (transcripts by path + hash) ---------------------------------------------
    def record_source(self, transcript: Transcript) -> None:
        self.record_sources([transcript])

    def record_sources(self, transcripts: Iterable[Transcript]) -> None:
        with self.transaction() as db:
            for t in transcripts:
                db.execute(
                    "INSERT INTO sources (respondent_id, path, sha256, recorded_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(respondent_id) DO UPDATE SET "
                    "path = excluded.path, sha256 = excluded.sha256, "
                    "recorded_at = excluded.recorded_at "
                    "WHERE sources.sha256 != excluded.sha256 OR sources.path != excluded.path",
                    (t.respondent_id, str(t.path), t.sha256, now()))

    def sources(self) -> dict[str, tuple[str, str]]:
        """respondent id -> (path, sha256) as recorded."""
        return {r["respondent_id"]: (r["path"], r["sha256"])
                for r in self._db.execute("SELECT * FROM sources")}

    def changed_sources(self, transcripts: Iterable[Transcript]) -> list[SourceChange]:
        """Transcripts whose content changed after codings were made on them."""
        out = []
        for t in transcripts:
            rows = self._db.execute(
                "SELECT source_sha256, COUNT(*) FROM codings WHERE respondent_id = ? "
                "AND deleted_at IS NULL AND source_sha256 != '' AND source_sha256 != ? "
                "GROUP BY source_sha256 ORDER BY COUNT(*) DESC", (t.respondent_id, t.sha256)
            ).fetchall()
            if rows:
                out.append(SourceChange(t.respondent_id, str(t.path), rows[0][0], t.sha256,
                                        sum(r[1] for r in rows)))
        return out

    # --- codings --------------------------------------------------------------------------
    def add_coding(self, coding: Coding, *, who: str | None = None,
                   import_file: str | None = None) -> Coding:
        return self.add_codings([coding], who=who, import_file=import_file)[0]

    def add_codings(self, codings: Iterable[Coding], *, who: str | None = None,
                    import_file: str | None = None) -> list[Coding]:
        """Insert codings (one transaction); returns copies with their new ids."""
        out = []
        with self.transaction() as db:
            for c in codings:
                _check_coding(c, self.path)
                self.ensure_coder(c.coder)
                cur = db.execute(
                    'INSERT INTO codings (respondent_id, code, start, "end", quote, coder, memo, '
                    "valence, phase, origin, source_sha256, created_at, import_file) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (c.respondent_id, c.code, c.start, c.end, c.quote, c.coder, c.memo or "",
                     c.valence, c.phase, c.origin, c.source_sha256 or "", now(), import_file))
                new = _copy(c, id=int(cur.lastrowid))
                self.log(who or c.coder, "coding.add", id=new.id, respondent=c.respondent_id,
                         code=c.code, start=c.start, end=c.end, coder=c.coder, origin=c.origin,
                         **({"import_file": import_file} if import_file else {}))
                out.append(new)
        return out

    def get_coding(self, coding_id: int, *, include_deleted: bool = False) -> Coding:
        row = self._db.execute(f"SELECT {_CODING_COLS} FROM codings WHERE id = ?",
                               (coding_id,)).fetchone()
        if row is None or (row["deleted_at"] and not include_deleted):
            raise StoreError(f"codering {coding_id} bestaat niet (of is verwijderd)")
        return _row_to_coding(row)

    def codings(self, respondent_id: str | None = None, code: str | Iterable[str] | None = None,
                coder: str | None = None, origin: str | Iterable[str] | None = None, *,
                import_file: Any = ..., include_deleted: bool = False
                ) -> list[Coding]:
        """Live codings, filtered; ordered by respondent, offset, id."""
        return [s.coding for s in self.stored_codings(
            respondent_id, code, coder, origin, import_file=import_file,
            include_deleted=include_deleted)]

    def stored_codings(self, respondent_id=None, code=None, coder=None, origin=None, *,
                       import_file: Any = ..., include_deleted: bool = False
                       ) -> list[StoredCoding]:
        sql, args = f"SELECT {_CODING_COLS} FROM codings WHERE 1=1", []
        for col, value in (("respondent_id", respondent_id), ("code", code), ("coder", coder),
                           ("origin", origin)):
            if value is None:
                continue
            values = [value] if isinstance(value, str) else list(value)
            sql += f" AND {col} IN ({','.join('?' * len(values))})"
            args.extend(values)
        if import_file is None:
            sql += " AND import_file IS NULL"
        elif import_file is not ...:
            sql += " AND import_file = ?"
            args.append(import_file)
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        rows = self._db.execute(sql + ' ORDER BY respondent_id, start, "end", id', args)
        return [StoredCoding(_row_to_coding(r), r["created_at"], r["deleted_at"],
                             r["import_file"]) for r in rows]

    def count_codings(self) -> dict[str, dict[str, int]]:
        """coder -> origin -> number of live codings."""
        out: dict[str, dict[str, int]] = {}
        for r in self._db.execute("SELECT coder, origin, COUNT(*) FROM codings "
                                  "WHERE deleted_at IS NULL GROUP BY coder, origin"):
            out.setdefault(r[0], {})[r[1]] = r[2]
        return out

    def delete_coding(self, coding_id: int, *, who: str) -> Coding:
        """Soft delete (kept for the history and for undo)."""
        with self.transaction() as db:
            coding = self.get_coding(coding_id)
            db.execute("UPDATE codings SET deleted_at = ? WHERE id = ?", (now(), coding_id))
            self.log(who, "coding.delete", id=coding_id, respondent=coding.respondent_id,
                     code=coding.code, coder=coding.coder)
        return coding

    def restore_coding(self, coding_id: int, *, who: str) -> Coding:
        with self.transaction() as db:
            coding = self.get_coding(coding_id, include_deleted=True)
            db.execute("UPDATE codings SET deleted_at = NULL WHERE id = ?", (coding_id,))
            self.log(who, "coding.restore", id=coding_id, respondent=coding.respondent_id,
                     code=coding.code, coder=coding.coder)
        return coding

    def update_coding(self, coding_id: int, *, who: str, **fields: Any) -> Coding:
        """Change memo, valence, phase, code (or quote and hash after a re-import) of one
        coding; returns the old version."""
        allowed = {"memo", "valence", "phase", "code", "quote", "source_sha256"}
        unknown = set(fields) - allowed
        if unknown:
            raise StoreError(f"velden {sorted(unknown)} kunnen niet worden aangepast")
        with self.transaction() as db:
            old = self.get_coding(coding_id)
            for key, value in fields.items():
                db.execute(f"UPDATE codings SET {key} = ? WHERE id = ?", (value, coding_id))
            self.log(who, "coding.update", id=coding_id, fields=sorted(fields),
                     **({"code": fields["code"], "old_code": old.code} if "code" in fields else {}))
        return old

    def rename_code(self, old: str, new: str, *, who: str = "") -> int:
        """Give a code a new id; every coding and code memo follows. Returns #codings."""
        if old == new:
            return 0
        return self._recode([old], new, "code.rename", who)

    def merge_codes(self, codes: Iterable[str], into: str, *, who: str = "") -> int:
        """Merge codes into one (which may be one of them); every coding is kept."""
        sources = [c for c in dict.fromkeys(codes) if c != into]
        if not sources:
            return 0
        return self._recode(sources, into, "code.merge", who)

    def _recode(self, sources: list[str], into: str, action: str, who: str) -> int:
        marks = ",".join("?" * len(sources))
        with self.transaction() as db:
            ids = [r[0] for r in db.execute(
                f"SELECT id FROM codings WHERE code IN ({marks}) ORDER BY id", sources)]
            db.execute(f"UPDATE codings SET code = ? WHERE code IN ({marks})", [into, *sources])
            memos = db.execute(f"UPDATE memos SET target = ? WHERE kind = 'code' AND target IN "
                               f"({marks})", [into, *sources]).rowcount
            self.log(who or "", action, codes=sources, into=into, codings=ids, memos=memos)
        return len(ids)

    # --- memos ----------------------------------------------------------------------------
    def add_memo(self, kind: str, target: str, coder: str, text: str) -> Memo:
        if kind not in MEMO_KINDS:
            raise StoreError(f"onbekend soort memo '{kind}' (kies uit {', '.join(MEMO_KINDS)})")
        stamp = now()
        with self.transaction() as db:
            self.ensure_coder(coder)
            cur = db.execute("INSERT INTO memos (kind, target, coder, text, created_at, "
                             "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                             (kind, target or "", coder, text, stamp, stamp))
            memo = Memo(int(cur.lastrowid), kind, target or "", coder, text, stamp, stamp)
            self.log(coder, "memo.add", id=memo.id, kind=kind, target=memo.target)
        return memo

    def update_memo(self, memo_id: int, text: str, *, who: str) -> Memo:
        """Replace a memo's text; returns the previous version."""
        with self.transaction() as db:
            old = self.get_memo(memo_id)
            db.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?",
                       (text, now(), memo_id))
            self.log(who, "memo.update", id=memo_id, kind=old.kind, target=old.target)
        return old

    def delete_memo(self, memo_id: int, *, who: str) -> Memo:
        with self.transaction() as db:
            old = self.get_memo(memo_id)
            db.execute("UPDATE memos SET deleted_at = ? WHERE id = ?", (now(), memo_id))
            self.log(who, "memo.delete", id=memo_id, kind=old.kind, target=old.target)
        return old

    def get_memo(self, memo_id: int) -> Memo:
        row = self._db.execute("SELECT * FROM memos WHERE id = ? AND deleted_at IS NULL",
                               (memo_id,)).fetchone()
        if row is None:
            raise StoreError(f"memo {memo_id} bestaat niet (of is verwijderd)")
        return Memo(**dict(row))

    def memos(self, kind: str | None = None, target: str | None = None,
              coder: str | None = None) -> list[Memo]:
        sql, args = "SELECT * FROM memos WHERE deleted_at IS NULL", []
        for col, value in (("kind", kind), ("target", target), ("coder", coder)):
            if value is not None:
                sql += f" AND {col} = ?"
                args.append(value)
        return [Memo(**dict(r)) for r in self._db.execute(sql + " ORDER BY id", args)]

    # --- imports of the text form (used by coding.load_codings_dir) -----------------------
    def import_fingerprint(self, file: str) -> str | None:
        row = self._db.execute("SELECT fingerprint FROM imports WHERE file = ?",
                               (file,)).fetchone()
        return row[0] if row else None

    def imported_files(self) -> dict[str, str]:
        """file -> coder of every text-form file imported so far."""
        return {r[0]: r[1] for r in self._db.execute("SELECT file, coder FROM imports")}

    def imports(self) -> dict[str, tuple[str, str, str]]:
        """file -> (fingerprint, coder, respondent id) of every imported text-form file."""
        return {r[0]: (r[1], r[2], r[3]) for r in self._db.execute(
            "SELECT file, fingerprint, coder, respondent_id FROM imports")}

    def adopt_coding(self, coding_id: int, import_file: str, *, who: str) -> None:
        """Let the text-form file ``import_file`` govern a coding made in the store (the
        file lists the same passage): from now on removing it from the file removes it."""
        with self.transaction() as db:
            db.execute("UPDATE codings SET import_file = ? WHERE id = ?",
                       (import_file, coding_id))
            self.log(who, "coding.adopt", id=coding_id, import_file=import_file)

    def set_import(self, file: str, fingerprint: str, coder: str, respondent_id: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO imports (file, fingerprint, coder, respondent_id, imported_at)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT(file) DO UPDATE SET "
                       "fingerprint = excluded.fingerprint, coder = excluded.coder, "
                       "respondent_id = excluded.respondent_id, imported_at = excluded.imported_at",
                       (file, fingerprint, coder, respondent_id, now()))

    def forget_import(self, file: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM imports WHERE file = ?", (file,))


# --- helpers -------------------------------------------------------------------------------

def _operational_message(exc: sqlite3.OperationalError, timeout_ms: int = BUSY_TIMEOUT_MS
                         ) -> str:
    """Dutch message for what usually goes wrong when writing: a lock held too long by
    another program, a read-only file or folder, a full disk."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (f"de studieopslag is bezet: een ander programma (notebook, klantreis run) "
                f"schrijft er al langer dan {timeout_ms / 1000:g} seconden in; sluit het "
                f"of probeer het later opnieuw")
    if "readonly" in text or "read-only" in text:
        return "de studieopslag is alleen-lezen; controleer de rechten van het bestand en de map"
    if "full" in text:
        return "de schijf is vol; maak ruimte en probeer het opnieuw"
    if "unable to open" in text or "disk i/o" in text:
        return f"de studieopslag kan niet worden geopend of geschreven ({exc})"
    return f"de studieopslag kan niet worden bijgewerkt ({exc})"


def _schema_version(db: sqlite3.Connection) -> int:
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'schema_version'").fetchone()
    if not exists:
        return 0
    return int(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction; split instead (no ';' inside literals)
    return [s.strip() for s in script.split(";") if s.strip()]


def _check_coding(c: Coding, path: Path) -> None:
    if not (isinstance(c.start, int) and isinstance(c.end, int) and 0 <= c.start < c.end):
        raise StoreError(f"codering '{c.code}' voor {c.respondent_id}: ongeldige posities "
                         f"({c.start}, {c.end})", path)
    if c.valence is not None and not -3 <= int(c.valence) <= 3:
        raise StoreError(f"codering '{c.code}' voor {c.respondent_id}: valence moet tussen "
                         f"-3 en 3 liggen", path)


def _copy(c: Coding, **changes: Any) -> Coding:
    from dataclasses import replace
    return replace(c, **changes)


def _row_to_coding(r: sqlite3.Row) -> Coding:
    return Coding(respondent_id=r["respondent_id"], code=r["code"], start=r["start"],
                  end=r["end"], coder=r["coder"], quote=r["quote"], memo=r["memo"],
                  valence=r["valence"], phase=r["phase"], origin=r["origin"], id=r["id"],
                  source_sha256=r["source_sha256"])
