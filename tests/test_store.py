"""The study store: schema migrations, transactions, events, renames/merges, changed
transcripts, and safety under a real concurrent writer and a real SIGKILL."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from klantreis.errors import StoreError
from klantreis.models import Coding, Transcript
from klantreis.store import MIGRATIONS, SCHEMA_VERSION, Store

TOOLKIT = Path(__file__).resolve().parents[1] / "toolkit"


def coding(code="wachten", rid="R01", start=0, end=10, coder="A", **kw) -> Coding:
    return Coding(respondent_id=rid, code=code, start=start, end=end, coder=coder,
                  quote="x" * (end - start), **kw)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / ".klantreis" / "store.sqlite")
    yield s
    s.close()


def test_new_store_is_wal_with_busy_timeout_and_current_schema(store):
    assert store.schema_version == SCHEMA_VERSION >= 2
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"coders", "sources", "codings", "memos", "events", "schema_version"} <= tables
    db.close()
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_v1_database_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1, '2024-01-01')")
    db.execute('INSERT INTO codings (respondent_id, code, start, "end", quote, coder, memo, '
               "valence, phase, created_at) VALUES ('R01', 'oud', 3, 9, 'abcdef', 'A', 'm', -2, "
               "NULL, '2024-01-01')")
    db.execute("INSERT INTO events (at, who, action, payload) VALUES ('2024-01-01', 'A', "
               "'coding.add', '{}')")
    db.commit()
    db.close()

    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        [c] = store.codings()
        assert (c.code, c.start, c.end, c.memo, c.valence, c.origin, c.source_sha256) == \
            ("oud", 3, 9, "m", -2, "human", "")
        assert store.events()[0].action == "coding.add"
        store.add_memo("code", "oud", "A", "nieuwe tabel werkt")  # table added by v2
        versions = [r[0] for r in store._db.execute("SELECT version FROM schema_version")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
    with Store(path) as again:  # reopening does not migrate twice
        assert len(again.codings()) == 1 and again.schema_version == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, 'later')", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schemaversie"):
        Store(path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"dit is geen database" * 100)
    with pytest.raises(StoreError, match="onleesbaar"):
        Store(path)


def test_codings_roundtrip_filters_and_events(store):
    a = store.add_coding(coding("wachten", "R01", 0, 10, valence=-3, phase="instroom",
                                memo="eerste"))
    b = store.add_coding(coding("wonen", "R02", 5, 20, coder="B"))
    store.add_coding(coding("wonen", "R01", 12, 30, coder="suggesties", origin="suggestion"))
    assert a.id and b.id and a.id != b.id
    got = store.get_coding(a.id)
    assert (got.valence, got.phase, got.memo, got.origin) == (-3, "instroom", "eerste", "human")
    assert [c.id for c in store.codings(respondent_id="R01", origin="human")] == [a.id]
    assert {c.code for c in store.codings(code=["wachten", "wonen"])} == {"wachten", "wonen"}
    assert store.coders() == ["A", "B", "suggesties"]
    assert store.count_codings() == {"A": {"human": 1}, "B": {"human": 1},
                                     "suggesties": {"suggestion": 1}}
    store.delete_coding(a.id, who="A")
    assert a.id not in [c.id for c in store.codings()]
    with pytest.raises(StoreError):
        store.get_coding(a.id)
    store.restore_coding(a.id, who="A")
    assert store.get_coding(a.id).code == "wachten"
    actions = [e.action for e in store.events()]
    assert actions.count("coding.add") == 3
    assert actions[-2:] == ["coding.delete", "coding.restore"]
    ev = store.events("coding.add")[0]
    assert ev.who == "A" and ev.payload["id"] == a.id and ev.at.startswith("20")


def test_invalid_coding_is_refused(store):
    with pytest.raises(StoreError):
        store.add_coding(coding(start=10, end=5))
    with pytest.raises(StoreError):
        store.add_coding(coding(valence=7))
    assert store.codings() == []


def test_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_coding(coding())
            store.add_memo("study", "", "A", "tekst")
            raise RuntimeError("stop")
    assert store.codings() == [] and store.memos() == [] and store.events() == []


def test_rename_and_merge_keep_every_coding(store):
    for i, code in enumerate(["wachten", "wachten", "uitkering", "bijstand", "wonen"]):
        store.add_coding(coding(code, start=i * 10, end=i * 10 + 5))
    store.add_memo("code", "wachten", "A", "memo bij wachten")
    assert store.rename_code("wachten", "wachten_op_geld", who="A") == 2
    assert store.memos("code", "wachten_op_geld")
    assert store.merge_codes(["uitkering", "bijstand", "wachten_op_geld"], "wachten_op_geld",
                             who="A") == 2
    codes = [c.code for c in store.codings()]
    assert len(codes) == 5 and codes.count("wachten_op_geld") == 4 and "wonen" in codes
    rename, merge = store.events("code.rename")[0], store.events("code.merge")[0]
    assert rename.payload["codes"] == ["wachten"] and rename.payload["into"] == "wachten_op_geld"
    assert sorted(merge.payload["codes"]) == ["bijstand", "uitkering"]
    assert len(merge.payload["codings"]) == 2


def test_changed_sources(store, tmp_path):
    t1 = Transcript("R01", tmp_path / "R01.txt", "tekst een", "aaa", "txt", "utf-8")
    t2 = Transcript("R02", tmp_path / "R02.txt", "tekst twee", "bbb", "txt", "utf-8")
    store.record_sources([t1, t2])
    store.add_coding(coding(rid="R01", end=5, source_sha256="aaa"))
    store.add_coding(coding(rid="R02", end=5, source_sha256="bbb"))
    store.add_coding(coding(rid="R02", start=6, end=9, source_sha256="bbb"))
    assert store.changed_sources([t1, t2]) == []
    t2_new = Transcript("R02", t2.path, "tekst twee, aangepast", "ccc", "txt", "utf-8")
    [change] = store.changed_sources([t1, t2_new])
    assert (change.respondent_id, change.coded_sha256, change.current_sha256, change.codings) \
        == ("R02", "bbb", "ccc", 2)
    store.record_source(t2_new)
    assert store.sources()["R02"][1] == "ccc"


def test_memos(store):
    m = store.add_memo("storyline", "", "A", "eerste versie")
    old = store.update_memo(m.id, "tweede versie", who="A")
    assert old.text == "eerste versie" and store.get_memo(m.id).text == "tweede versie"
    with pytest.raises(StoreError, match="onbekend soort memo"):
        store.add_memo("los", "", "A", "x")
    store.delete_memo(m.id, who="A")
    assert store.memos() == []


# --- real second processes ----------------------------------------------------------------

def _start(code: str, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(TOOLKIT))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


WRITER = """
    import os, sys, time
    from klantreis.models import Coding
    from klantreis.store import Store
    path, coder, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = Store(path)
    print("klaar voor start", flush=True)
    while not os.path.exists(go):  # start together, so the writes really overlap
        time.sleep(0.005)
    for i in range(n):
        store.add_coding(Coding("R01", "c%d" % (i % 7), i, i + 3, coder=coder))
        if i % 10 == 0:
            store.add_memo("respondent", "R01", coder, "memo %d" % i)
    store.close()
    print("klaar")
"""


def test_two_processes_write_concurrently_without_loss(tmp_path):
    path = tmp_path / "store.sqlite"
    Store(path).close()
    n = 150
    go = tmp_path / "go"
    procs = [_start(WRITER, path, coder, n, go) for coder in ("A", "B")]
    for p in procs:
        assert p.stdout.readline().strip() == "klaar voor start", p.stderr.read()
    go.touch()
    # and this process writes at the same time too
    with Store(path) as store:
        for i in range(n):
            store.add_coding(coding("hoofd", start=i, end=i + 2, coder="C"))
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "klaar"
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        counts = store.count_codings()
        assert counts == {"A": {"human": n}, "B": {"human": n}, "C": {"human": n}}
        assert len(store.events("coding.add")) == 3 * n
        assert len(store.memos()) == 2 * len(range(0, n, 10))
        ids = [c.id for c in store.codings()]
        assert len(ids) == len(set(ids)) == 3 * n
        writers = [e.who for e in store.events("coding.add") if e.who in ("A", "B")]
    switches = sum(1 for a, b in zip(writers, writers[1:]) if a != b)
    assert switches >= 1  # the two processes' commits interleaved: they really overlapped


KILLED = """
    import sys, time
    from klantreis.models import Coding
    from klantreis.store import Store
    path, n = sys.argv[1], int(sys.argv[2])
    store = Store(path)
    for i in range(n):
        store.add_coding(Coding("R01", "bewaard", i, i + 1, coder="A"))
    with store.transaction():
        for i in range(50):
            store.add_coding(Coding("R01", "half", i, i + 1, coder="A"))
        print("in transactie", flush=True)
        time.sleep(60)
"""


def test_sigkill_mid_transaction_keeps_exactly_the_committed_work(tmp_path):
    path = tmp_path / "store.sqlite"
    n = 40
    p = _start(KILLED, path, n)
    try:
        line = p.stdout.readline()
        assert line.strip() == "in transactie", p.stderr.read()
        # the uncommitted rows are in the WAL/page cache of the writer only
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == -signal.SIGKILL
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        got = store.codings()
        assert len(got) == n and {c.code for c in got} == {"bewaard"}
        assert sorted(c.start for c in got) == list(range(n))
        assert len(store.events("coding.add")) == n
        store.add_coding(coding("daarna"))  # the store is writable again (lock released)
        assert len(store.codings()) == n + 1


def test_sigkill_during_a_stream_of_commits_loses_nothing_acknowledged(tmp_path):
    path = tmp_path / "store.sqlite"
    code = """
        import sys
        from klantreis.models import Coding
        from klantreis.store import Store
        store = Store(sys.argv[1])
        i = 0
        while True:
            store.add_coding(Coding("R01", "x", i, i + 1, coder="A"))
            i += 1
            print(i, flush=True)
    """
    p = _start(code, path)
    acknowledged = 0
    try:
        for line in p.stdout:
            acknowledged = int(line)
            if acknowledged >= 60:
                break
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        for line in p.stdout:  # acknowledgements already in the pipe when it was killed
            if line.strip():
                acknowledged = int(line)
    finally:
        if p.poll() is None:
            p.kill()
    assert acknowledged >= 60, p.stderr.read()
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        count = len(store.codings())
    # every acknowledged commit survived; at most the one in flight is extra
    assert acknowledged <= count <= acknowledged + 1


# --- a database that cannot be written ---------------------------------------------------------

def test_a_lock_held_too_long_is_a_store_error_naming_the_store(tmp_path):
    path = tmp_path / "store.sqlite"
    Store(path).close()
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")               # another writer holds the lock
    try:
        with Store(path, timeout_ms=50) as store:
            with pytest.raises(StoreError, match="bezet") as err:
                store.add_coding(coding())
            assert err.value.path == path
            assert "0.05 seconden" in err.value.message
            other.execute("ROLLBACK")
            store.add_coding(coding())              # the store works again afterwards
            assert len(store.codings()) == 1
    finally:
        other.close()


def test_a_read_only_database_is_a_store_error_and_keeps_nothing(store, monkeypatch):
    store.add_coding(coding())
    read_only = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, isolation_level=None)
    read_only.row_factory = sqlite3.Row
    monkeypatch.setattr(store, "_db", read_only)
    with pytest.raises(StoreError, match="alleen-lezen") as err:
        store.add_coding(coding(start=20, end=30))
    assert err.value.path == store.path
    assert not read_only.in_transaction
    assert len(store.codings()) == 1
    read_only.close()


def test_operational_errors_inside_a_nested_transaction_roll_back_everything(store):
    with pytest.raises(StoreError, match="kan niet worden bijgewerkt"):
        with store.transaction() as db:
            store.add_coding(coding())
            with store.transaction():
                db.execute("INSERT INTO no_such_table VALUES (1)")
    assert store.codings() == []
    store.add_coding(coding())                     # the connection is usable again


def test_imports_and_adopting_a_coding(store):
    c = store.add_coding(coding())
    store.set_import("codings/A/R01.yaml", "f" * 64, "A", "R01")
    assert store.imports() == {"codings/A/R01.yaml": ("f" * 64, "A", "R01")}
    store.adopt_coding(c.id, "codings/A/R01.yaml", who="A")
    assert [x.id for x in store.codings(import_file="codings/A/R01.yaml")] == [c.id]
    assert store.events(action="coding.adopt")[0].payload == {
        "id": c.id, "import_file": "codings/A/R01.yaml"}
