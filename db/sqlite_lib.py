"""The store's ``Database``: sqlite-utils' ``Database``, imported only when something beyond a read needs it.

Opening a riskws database and reading a portfolio take a handful of SQL statements. sqlite-utils itself costs
~100 ms of every start (click, dateutil, pluggy and its own large module; issue 16, cold start), so ``Database``
answers ``execute``, ``conn``, ``close``, ``table_names``, ``journal_mode`` and an ``enable_wal`` on a file already
in WAL mode by itself, exactly as sqlite-utils would (the same statements; the same commit of an implicit
transaction a write statement opened); anything else (``db["t"]``, ``atomic()``, inserts, ...) is handed to a
real sqlite-utils ``Database`` over the same connection, created at that first use (``full()``).

sqlite-utils imports pandas when it is installed (pandas is here, for Dask and Parquet), only to map
``pandas.Timestamp`` to TEXT when inserting, which riskws never does (~140 ms). So the first import of sqlite-utils
runs with pandas hidden (``sys.modules["pandas"] = None`` makes ``import pandas`` raise ImportError for that moment
only); when pandas is already loaded, or sqlite-utils is, nothing is hidden. Later imports of pandas are unaffected.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from types import ModuleType
from typing import Any, Sequence

# statements sqlite-utils' execute() never commits after (sqlite_utils.db._TRANSACTION_CONTROL_KEYWORDS)
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})


def sqlite_utils() -> ModuleType:
    """The sqlite-utils module, imported with pandas hidden (see the module's docstring)."""
    if "pandas" in sys.modules or "sqlite_utils" in sys.modules:
        return importlib.import_module("sqlite_utils")
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("sqlite_utils")
    finally:
        if "pandas" in sys.modules and sys.modules["pandas"] is None:
            del sys.modules["pandas"]


def _first_keyword(sql: str) -> str:
    """The statement's first keyword, upper case, past blanks, ``;``, a BOM and comments (as sqlite-utils reads
    it to decide whether to commit)."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in (";", "\ufeff"):
            i += 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            if newline == -1:
                return ""
            i = newline + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                return ""
            i = end + 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


class Database:
    """sqlite-utils' ``Database(conn, execute_plugins=False)``, the library loaded at the first call that needs it.

    Only a connection is accepted (the store opens its own). Plugins are never executed: they would scan every
    installed package's entry points (``importlib.metadata``) and could change the connection.
    """

    def __init__(self, conn: sqlite3.Connection, execute_plugins: bool = False) -> None:
        if execute_plugins:
            raise ValueError("riskws never runs sqlite-utils plugins on its connection")
        self.conn = conn
        self._full: Any = None
        self.execute("PRAGMA recursive_triggers=on;")   # as sqlite-utils' Database() does

    def full(self) -> Any:
        """The sqlite-utils ``Database`` over this connection (imported and created on the first call)."""
        if self._full is None:
            # recursive triggers are on already (__init__); plugins never run
            self._full = sqlite_utils().Database(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._full

    def execute(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> sqlite3.Cursor:
        """sqlite-utils' ``Database.execute``: a write statement that opened a transaction is committed."""
        if self._full is not None:
            return self._full.execute(sql, parameters)
        conn = self.conn
        was_in_transaction = conn.in_transaction
        try:
            cursor = conn.execute(sql, parameters) if parameters is not None else conn.execute(sql)
        except Exception:
            if not was_in_transaction and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if (not was_in_transaction and conn.in_transaction and cursor.description is None
                and _first_keyword(sql) not in _TRANSACTION_CONTROL):
            conn.execute("COMMIT")
        return cursor

    def table_names(self, fts4: bool = False, fts5: bool = False) -> list[str]:
        if fts4 or fts5:
            return self.full().table_names(fts4=fts4, fts5=fts5)
        return [r[0] for r in self.execute("select name from sqlite_master where type = 'table'").fetchall()]

    def column_names(self, table: str) -> list[str]:
        """The table's columns (``PRAGMA table_info``, as sqlite-utils' ``columns_dict`` reads them)."""
        return [r[1] for r in self.execute(f"PRAGMA table_info([{table}])").fetchall()]

    @property
    def journal_mode(self) -> str:
        return self.execute("PRAGMA journal_mode;").fetchone()[0]

    def enable_wal(self) -> None:
        if self.journal_mode != "wal":
            self.full().enable_wal()

    def close(self) -> None:
        self.conn.close()

    def __getitem__(self, table_name: str) -> Any:
        return self.full()[table_name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_full", "conn"):
            raise AttributeError(name)
        return getattr(self.full(), name)


__all__ = ["Database", "sqlite_utils"]
