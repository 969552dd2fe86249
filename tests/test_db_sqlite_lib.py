"""db.sqlite_lib.Database answers reads itself and behaves as sqlite-utils' Database (the reference) would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.sqlite_lib import Database, sqlite_utils


def _pair(tmp_path: Path) -> tuple[Database, object]:
    """Ours and sqlite-utils' own, each over a fresh file with the same table."""
    ours = Database(sqlite3.connect(tmp_path / "ours.db"))
    ref = sqlite_utils().Database(sqlite3.connect(tmp_path / "ref.db"), execute_plugins=False)
    for db in (ours, ref):
        db.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, x REAL)")
    return ours, ref


def test_recursive_triggers_are_on_as_sqlite_utils_sets_them(tmp_path: Path) -> None:
    ours, ref = _pair(tmp_path)
    assert ours.conn.execute("PRAGMA recursive_triggers").fetchone() == (1,)
    assert ours.conn.execute("PRAGMA recursive_triggers").fetchone() == ref.conn.execute("PRAGMA recursive_triggers").fetchone()


@pytest.mark.parametrize("sql", ["INSERT INTO t (name) VALUES ('a')", "  -- a comment\n INSERT INTO t (name) VALUES ('a')",
                                 "/* c */ UPDATE t SET x = 1", "DELETE FROM t"])
def test_a_write_that_opened_a_transaction_is_committed(tmp_path: Path, sql: str) -> None:
    ours, ref = _pair(tmp_path)
    for db in (ours, ref):
        db.execute(sql)
    assert ours.conn.in_transaction is False and ref.conn.in_transaction is False
    assert ours.execute("SELECT * FROM t").fetchall() == ref.execute("SELECT * FROM t").fetchall()


def test_inside_an_open_transaction_nothing_is_committed(tmp_path: Path) -> None:
    ours, ref = _pair(tmp_path)
    for db in (ours, ref):
        db.execute("BEGIN")
        db.execute("INSERT INTO t (name) VALUES (?)", ["b"])
        assert db.conn.in_transaction
        db.execute("ROLLBACK")
    assert ours.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0 == ref.execute("SELECT COUNT(*) FROM t").fetchone()[0]


def test_a_failed_write_leaves_no_transaction_open(tmp_path: Path) -> None:
    ours, ref = _pair(tmp_path)
    for db in (ours, ref):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO t (name) VALUES (NULL)")
        assert db.conn.in_transaction is False


def test_reads_and_schema_questions_without_loading_the_library(tmp_path: Path) -> None:
    ours, ref = _pair(tmp_path)
    assert ours.table_names() == ref.table_names() == ["t"]
    assert ours.column_names("t") == list(ref["t"].columns_dict) == ["id", "name", "x"]
    assert ours.journal_mode == ref.journal_mode
    assert ours._full is None      # none of the above needed sqlite-utils' Database


def test_enable_wal_and_everything_else_go_to_sqlite_utils(tmp_path: Path) -> None:
    ours, _ref = _pair(tmp_path)
    ours.enable_wal()
    assert ours.journal_mode == "wal"
    ours["t"].insert_all([{"name": "a", "x": 1.5}, {"name": "b", "x": None}])
    with ours.atomic():
        ours.execute("UPDATE t SET x = 2 WHERE name = 'b'")
    assert ours.execute("SELECT name, x FROM t ORDER BY id").fetchall() == [("a", 1.5), ("b", 2.0)]
    assert ours._full is not None and ours._full.conn is ours.conn
    ours.enable_wal()          # already WAL: answered without asking again
    ours.close()
    with pytest.raises(sqlite3.ProgrammingError):
        ours.conn.execute("SELECT 1")


def test_plugins_are_refused() -> None:
    with pytest.raises(ValueError):
        Database(sqlite3.connect(":memory:"), execute_plugins=True)
