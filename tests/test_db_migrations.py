"""Schema creation and migration, WAL mode, the default path, and no side effects at import."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db import migrations
from db.errors import SchemaError, StoreError
from db.store import Store

EXPECTED_TABLES = {"schema_version", "portfolios", "assets", "positions", "spot_in_use", "markets", "meta"}


def test_migrates_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()  # a zero-byte file is a valid, empty SQLite database
    with Store(path) as store:
        assert store.schema_version == migrations.LATEST_VERSION >= 1
        assert EXPECTED_TABLES <= set(store.db.table_names())
    raw = sqlite3.connect(path)
    rows = raw.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    raw.close()
    assert [r[0] for r in rows] == list(range(1, migrations.LATEST_VERSION + 1))
    assert rows[0][1] == "v1_initial"


def test_positions_table_shape(tmp_db: Store) -> None:
    cols = {c.name: c.type for c in tmp_db.db["positions"].columns}
    assert cols == {"portfolio_id": "INTEGER", "seq": "INTEGER", "inst_id": "TEXT", "pos": "REAL", "avg_px": "REAL",
                    "mgn_mode": "TEXT", "margin": "REAL"}          # v5: margin mode and isolated margin
    assert tmp_db.db["portfolios"].columns_dict.keys() >= {"name", "acct_lv", "rules", "lever", "market",
                                                             "created_at", "updated_at"}


def test_reopening_does_not_rerun_migrations(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.db"
    Store(path).close()
    calls = []
    monkeypatch.setattr(migrations, "MIGRATIONS", [lambda db: calls.append(1)])
    Store(path).close()
    assert calls == []


def test_new_migration_is_applied_in_order(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.db"
    Store(path).close()

    def v_next_add_tag(db) -> None:
        db.execute("ALTER TABLE portfolios ADD COLUMN tag TEXT")

    nxt = len(migrations.MIGRATIONS) + 1
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, v_next_add_tag])
    monkeypatch.setattr(migrations, "LATEST_VERSION", nxt)
    with Store(path) as store:
        assert store.schema_version == nxt
        assert "tag" in store.db["portfolios"].columns_dict


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch) -> None:
    def v1_broken(db) -> None:
        db.execute("CREATE TABLE portfolios (id INTEGER PRIMARY KEY)")
        raise RuntimeError("half way")

    monkeypatch.setattr(migrations, "MIGRATIONS", [v1_broken])
    (tmp_path / "b.db").touch()  # an existing (empty) file: a new one this process created would be removed again
    with pytest.raises(RuntimeError):
        Store(tmp_path / "b.db")
    raw = sqlite3.connect(tmp_path / "b.db")
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    version = raw.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
    raw.close()
    assert "portfolios" not in tables and version == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path).close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO schema_version VALUES (99, 'from the future', 'x')")
    raw.commit()
    raw.close()
    with pytest.raises(SchemaError, match="newer"):
        Store(path)


def test_foreign_database_and_garbage_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    with pytest.raises(SchemaError, match="not a riskws database"):
        Store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        Store(junk)


def test_wal_mode_and_busy_timeout(tmp_db: Store) -> None:
    assert tmp_db.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert tmp_db.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert tmp_db.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_create_false_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_default_path(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RISKWS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Store.default_path() == tmp_path / "xdg" / "riskws" / "riskws.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Store.default_path() == tmp_path / "home" / ".local" / "share" / "riskws" / "riskws.db"
    monkeypatch.setenv("RISKWS_DB", str(tmp_path / "override.db"))
    assert Store.default_path() == tmp_path / "override.db"


def test_importing_db_opens_nothing(tmp_path: Path) -> None:
    code = "import db, db.store, db.migrations, db.demo; import sqlite3; print('ok')"
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert list(tmp_path.rglob("*.db")) == []
