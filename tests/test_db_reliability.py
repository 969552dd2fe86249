"""Upgrading a real schema-v1 file (with a backup first), refusing corrupt or foreign files without touching them,
and the one-window-per-database lock."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db import migrations
from db.errors import SchemaError, StoreError
from db.store import Store, acquire_instance_lock

FIXTURE = Path(__file__).parent / "fixtures" / "riskws-schema-v1.db"
HOSTILE_NAME = "Ünïcødé \"q\" 'book'; DROP TABLE portfolios;--"
REPO = Path(__file__).resolve().parents[1]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def demo_doc(name: str) -> dict:
    import json
    for f in sorted((REPO / "resources" / "demo" / "portfolios").glob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        if doc["name"] == name:
            return doc
    raise AssertionError(name)


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    target = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, target)
    return target


def test_fixture_is_schema_v1(v1_copy: Path) -> None:
    raw = sqlite3.connect(v1_copy)  # never the fixture itself: even a read-only WAL open creates -shm/-wal
    try:
        assert raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        cols = [r[1] for r in raw.execute("PRAGMA table_info(portfolios)")]
    finally:
        raw.close()
    assert "notes" not in cols
    assert migrations.LATEST_VERSION >= 2


def test_v1_file_upgrades_and_keeps_every_portfolio(v1_copy: Path) -> None:
    from engine.portfolio import portfolio_from_dict

    with Store(v1_copy) as store:
        assert store.schema_version == migrations.LATEST_VERSION
        names = sorted(s.name for s in store.list_portfolios())
        assert names == sorted(["BTC cash-and-carry", "BTC delta-neutral options book", HOSTILE_NAME])
        for name in ("BTC cash-and-carry", "BTC delta-neutral options book"):
            # compared with the shipped demo file, not with what the store wrote
            assert store.load_portfolio(name) == portfolio_from_dict(demo_doc(name))
        assert store.portfolio_market_name("BTC delta-neutral options book") == "demo 2025-02-06 08:00 UTC"
        assert store.portfolio_notes(HOSTILE_NAME) == ""
        store.set_portfolio_notes(HOSTILE_NAME, "hedge rolled 'Friday'")
        assert store.portfolio_notes(HOSTILE_NAME) == "hedge rolled 'Friday'"
        assert store.load_market("demo 2025-02-06 08:00 UTC").index["BTC-USD"] == pytest.approx(96850.2, abs=1.0)
        idx = [r[1] for r in store.db.execute("PRAGMA index_list(portfolios)").fetchall()]
        assert "portfolios_market" in idx
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_is_made_before_migrating_and_is_the_v1_file(v1_copy: Path) -> None:
    with Store(v1_copy) as store:
        backup = store.backup_path
    assert backup is not None and backup.parent == v1_copy.parent
    assert backup.name.startswith("old.db.bak-v1-")
    raw = sqlite3.connect(backup)
    try:
        assert raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        assert raw.execute("SELECT COUNT(*) FROM portfolios").fetchone()[0] == 3
        assert raw.execute("SELECT COUNT(*) FROM positions").fetchone()[0] > 0
    finally:
        raw.close()
    with Store(v1_copy) as again:  # already current: no second backup
        assert again.backup_path is None
    assert len(list(v1_copy.parent.glob("old.db.bak-v*"))) == 1


def test_new_database_makes_no_backup(tmp_path: Path) -> None:
    with Store(tmp_path / "new.db") as store:
        assert store.backup_path is None
    assert list(tmp_path.glob("*.bak-*")) == []


def test_failed_migration_leaves_v1_data_and_a_backup(v1_copy: Path, monkeypatch) -> None:
    def boom(db) -> None:
        db.execute("ALTER TABLE portfolios ADD COLUMN half TEXT")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", [migrations.MIGRATIONS[0], boom])
    monkeypatch.setattr(migrations, "LATEST_VERSION", 2)
    with pytest.raises(RuntimeError):
        Store(v1_copy)
    raw = sqlite3.connect(v1_copy)
    try:
        assert raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        assert "half" not in [r[1] for r in raw.execute("PRAGMA table_info(portfolios)")]
        assert raw.execute("SELECT COUNT(*) FROM portfolios").fetchone()[0] == 3
    finally:
        raw.close()
    assert len(list(v1_copy.parent.glob("old.db.bak-v1-*"))) == 1


def _sqlite_with_garbage_pages(path: Path) -> None:
    shutil.copyfile(FIXTURE, path)
    data = bytearray(path.read_bytes())
    for i in range(4096 + 100, len(data), 7):  # keep page 1's header, smash the rest
        data[i] = 0xA5
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t (x)")
    raw.execute("INSERT INTO t VALUES (1)")
    raw.commit()
    raw.close()


def _newer(path: Path) -> None:
    shutil.copyfile(FIXTURE, path)
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01T00:00:00Z')")
    raw.commit()
    raw.close()


def _truncated(path: Path) -> None:
    data = FIXTURE.read_bytes()
    path.write_bytes(data[: len(data) // 3])


CORRUPT = {
    "text": lambda p: p.write_text("name,pos\nBTC,1\n"),
    "random_bytes": lambda p: p.write_bytes(bytes((i * 7919) % 251 for i in range(20000))),
    "json": lambda p: p.write_text('{"simPos": []}'),
    "sqlite_header_only": lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84),
    "garbage_pages": _sqlite_with_garbage_pages,
    "truncated": _truncated,
    "foreign_sqlite": _foreign,
    "newer_schema": _newer,
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_or_foreign_file_is_refused_and_left_byte_identical(tmp_path: Path, case: str) -> None:
    path = tmp_path / f"{case}.db"
    CORRUPT[case](path)
    before = sha(path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(StoreError) as info:
        Store(path).close()
    assert str(path) in str(info.value)
    if case in ("foreign_sqlite", "newer_schema"):
        assert isinstance(info.value, SchemaError)
    assert sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no -wal/-shm/.bak left behind


def test_corrupt_database_is_exit_2_through_the_cli(tmp_path: Path, capsys) -> None:
    from workstation.cli import main

    path = tmp_path / "junk.db"
    path.write_bytes(b"\x00\x01garbage" * 500)
    before = sha(path)
    book = tmp_path / "b.json"
    book.write_text('{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}]}')
    assert main(["import", str(book), "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "not a SQLite database" in err[0]
    assert main(["export", "x", "--db", str(path), "--out", str(tmp_path / "o.json")]) == 2
    assert sha(path) == before


# -- one window per database -----------------------------------------------------------------------------
def test_second_lock_on_the_same_database_is_refused_with_the_pid(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    first = acquire_instance_lock(db)
    try:
        with pytest.raises(StoreError, match=rf"w\.db is open in another riskws window \(pid {os.getpid()}\)"):
            acquire_instance_lock(db)
    finally:
        first.release()
    with acquire_instance_lock(db) as again:  # released: free again
        assert again.held
    assert not again.held


def test_lock_of_another_process_and_its_release_when_killed(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code = ("import sys, time; sys.path.insert(0, sys.argv[2]); from db.store import acquire_instance_lock; "
            "lock = acquire_instance_lock(sys.argv[1]); print('locked', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(REPO)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match=rf"open in another riskws window \(pid {proc.pid}\)"):
            acquire_instance_lock(db)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    deadline = time.monotonic() + 5
    while True:  # the kernel drops a dead process's flock
        try:
            lock = acquire_instance_lock(db)
            break
        except StoreError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    lock.release()


def test_two_processes_write_one_database_with_the_busy_timeout(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    Store(db).close()
    code = ("import sys; sys.path.insert(0, sys.argv[3]); from db.store import Store; from engine.portfolio import "
            "Portfolio, Position\nwith Store(sys.argv[1]) as s:\n    for i in range(40):\n        "
            "s.save_portfolio(Portfolio(name=f'{sys.argv[2]}-{i}', positions=tuple(Position('BTC-USDT-SWAP', "
            "float(k + 1)) for k in range(200))))\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db), tag, str(REPO)], stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Store(db) as store:
        books = store.list_portfolios()
    assert len(books) == 80 and all(b.n_positions == 200 for b in books)


def test_a_killed_backup_leaves_no_temporary_file_behind(v1_copy: Path) -> None:
    """A writer killed mid-backup leaves ``<backup>.tmp`` and SQLite's ``<backup>.tmp-journal``; the next migration
    removes both (before, only the ``.tmp``: the journal stayed, and was read as a backup by anything listing them)."""
    stale = v1_copy.with_name("old.db.bak-v1-20250101T000000Z.tmp")
    stale.write_bytes(b"half a copy")
    for suffix in ("-journal", "-wal", "-shm"):
        stale.with_name(stale.name + suffix).write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7 journal header")
    kept = v1_copy.with_name("old.db.bak-v1-20250101T000000Z.tmp.notes")     # not ours: left alone
    kept.write_text("mine")
    with Store(v1_copy) as store:
        backup = store.backup_path
    left = sorted(p.name for p in v1_copy.parent.glob("old.db.bak-v*"))
    assert backup is not None and left == sorted([backup.name, kept.name])
