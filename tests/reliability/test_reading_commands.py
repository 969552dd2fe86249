"""Issue 17 leftovers: reading commands never create or migrate a database, and the sidecar files a failed open
finds new are removed only when nobody else is using them (db/ownership.py decides every deletion).

The other user of the database in the sidecar race is a separate Python process: SQLite's locks (and the POSIX
locks ownership.py probes) are per process, so only another process is what a real second program looks like.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db import store as store_mod
from db.errors import StoreError
from db.store import Store
from workstation.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "riskws-schema-v1.db"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_market_list_on_a_missing_database_creates_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "sub" / "none.db"
    assert main(["market", "list", "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("riskws: error: ") and str(db) in err[0]
    assert not db.exists() and not db.parent.exists()


def test_market_list_on_an_old_schema_lists_without_migrating(tmp_path: Path, capsys) -> None:
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, db)
    before = sha(db)
    assert main(["market", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2025-02-06" in out  # the v1 file holds the demo snapshot (tests/fixtures/make_v1_db.py)
    assert sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]  # no backup, no -wal/-shm left


def test_market_responses_on_an_old_schema_does_not_migrate(tmp_path: Path, capsys) -> None:
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, db)
    before = sha(db)
    assert main(["market", "responses", "no such", "--out", "-", "--db", str(db)]) == 2
    assert "no such" in capsys.readouterr().err
    assert sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


HOLDER = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE IF NOT EXISTS notes (t TEXT)")
con.execute("INSERT INTO notes VALUES ('written by the other program')")
print("ready", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_failed_open_keeps_the_wal_of_a_program_that_opened_the_file_meanwhile(tmp_path: Path,
                                                                                monkeypatch) -> None:
    """The race: our open looks for sidecars (none), another program opens the file in WAL mode and commits (its
    data is only in the -wal), then our open fails (the file is not a riskws database). Removing the -wal and -shm
    then would drop the other program's committed row from every new reader, and its next checkpoint would write
    into a file nobody sees."""
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE notes (t TEXT)")
    con.commit()
    con.close()
    holder: list[subprocess.Popen] = []
    real_check_header = store_mod.check_header

    def other_program_opens_meanwhile(path: Path, label: str) -> None:
        real_check_header(path, label)
        if not holder:  # after our open noted "no -wal, no -shm"
            p = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            holder.append(p)
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"

    monkeypatch.setattr(store_mod, "check_header", other_program_opens_meanwhile)
    try:
        with pytest.raises(StoreError, match="not a riskws database"):
            Store(db)
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        reader = sqlite3.connect(db)
        try:
            rows = reader.execute("SELECT t FROM notes").fetchall()
        finally:
            reader.close()
        assert rows == [("written by the other program",)]
    finally:
        for p in holder:
            p.communicate("\n", timeout=30)
    check = sqlite3.connect(db)
    try:
        assert check.execute("SELECT t FROM notes").fetchall() == [("written by the other program",)]
    finally:
        check.close()


def test_a_failed_open_still_removes_the_sidecars_it_made_itself(tmp_path: Path) -> None:
    """Nobody else holds the file: whatever this open created is gone afterwards (SQLite's own clean-up at close,
    or ownership.py's)."""
    db = tmp_path / "foreign.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE notes (t TEXT)")
    con.commit()
    con.close()
    before = sha(db)
    with pytest.raises(StoreError, match="not a riskws database"):
        Store(db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.db"]
    assert sha(db) == before


def test_margin_on_a_stored_snapshot_of_an_old_schema_does_not_migrate(tmp_path: Path, capsys) -> None:
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, db)
    before = sha(db)
    book = tmp_path / "book.json"
    book.write_text('{"simAsset": [{"ccy": "USDT", "amt": "1000"}], "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}]}')
    assert main(["margin", str(book), "--market", "demo 2025-02-06 08:00 UTC", "--db", str(db)]) == 0
    assert "totalMmr" in capsys.readouterr().out
    assert sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.json", "old.db"]


def test_a_failed_open_keeps_the_sidecars_of_a_store_open_in_this_process(tmp_path: Path, monkeypatch) -> None:
    """POSIX locks do not see this process's own connections: another Store opened here between our look for
    sidecars and our failure must keep its -wal/-shm (db/ownership.py counts the Stores open in this process)."""
    from db.errors import SchemaError
    from engine.portfolio import Asset, Portfolio, Position

    db = tmp_path / "mine.db"
    book = Portfolio(name="kept", assets=(Asset("USDT", 1.0),), positions=(Position("BTC-USDT-SWAP", 2.0, None),))
    Store(db).close()
    other: list[Store] = []
    real_header, real_schema = store_mod.check_header, store_mod.check_schema
    calls = {"schema": 0}

    def header_then_other_store(path: Path, label: str) -> None:
        real_header(path, label)
        if not calls.get("opened"):        # after our open noted "no -wal, no -shm"
            calls["opened"] = 1
            other.append(Store(db))
            other[0].save_portfolio(book)  # committed into its -wal

    def schema_fails_for_us(database, label: str) -> int:
        calls["schema"] += 1
        if calls["schema"] == 2:           # the other Store's check was the first
            raise SchemaError(f"{label}: refused for the test")
        return real_schema(database, label)

    monkeypatch.setattr(store_mod, "check_header", header_then_other_store)
    monkeypatch.setattr(store_mod, "check_schema", schema_fails_for_us)
    try:
        with pytest.raises(SchemaError):
            Store(db)
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        reader = sqlite3.connect(db)
        try:
            assert reader.execute("SELECT name FROM portfolios").fetchall() == [("kept",)]
        finally:
            reader.close()
        other[0].save_portfolio(Portfolio(name="after", assets=(Asset("USDT", 2.0),)))   # still writes fine
    finally:
        for s in other:
            s.close()
    monkeypatch.undo()
    with Store(db) as again:
        assert sorted(p.name for p in again.list_portfolios()) == ["after", "kept"]
