"""The workstation's database: portfolios and market snapshots in one SQLite file, through sqlite-utils.

Nothing happens at import time; a ``Store`` owns one connection to the path it is given. Every write that
touches more than one row runs in a single transaction (``Store.transaction()``: BEGIN IMMEDIATE, nested blocks
are savepoints), so a failure or a killed process leaves the previous version of the portfolio untouched. Not
``with db.conn:`` (which does not BEGIN, so sqlite-utils' ``insert_all`` would commit each batch by itself), and
not a deferred BEGIN: with WAL, a transaction that reads first and writes later fails at once with "database is
locked" when another process wrote in between; IMMEDIATE waits for the busy timeout instead.

Opening checks before it writes: a file that is not SQLite, is damaged, belongs to another program or comes
from a newer riskws raises StoreError and is left byte-identical. A schema migration is preceded by a backup
(``<db>.bak-v<N>-<timestamp>``, sqlite3 backup API). ``acquire_instance_lock`` (db/lock.py) keeps a second
workstation window off the same file.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from .sqlite_lib import Database

from engine.market import Market, format_ts
from engine.portfolio import Portfolio

from . import rows, whatifs
from .summaries import MarketSummary, PortfolioSummary
from .names import MAX_NAME_CHARS, check_name  # noqa: F401 - check_name is imported through db.store
from .errors import NameTakenError, NotFoundError, RevisionConflict, StoreError
from .opening import (SQLITE_MAGIC, backup_before_migration, check_header, check_intact, connect,  # noqa: F401
                      same_inode, sqlite_reason, still_at)
from .ownership import SIDECAR_SUFFIXES, CreatedFile, note_closed, note_open, remove_new_sidecars
from .lock import InstanceLock, acquire_instance_lock  # noqa: F401 - the GUI takes it through db.store
from . import migrations as _migrations
from .migrations import check_schema, current_version, migrate, read_snapshot, write_transaction

BATCH_SIZE = 1000
BUSY_TIMEOUT_MS = 5000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Store:
    """Portfolios and market snapshots in a SQLite file (created and migrated on open)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, migrate: bool = True) -> None:
        self.path = Path(path)
        self.label = str(self.path)
        self.backup_path: Path | None = None  # the copy made before a schema migration, if one ran
        self.created: CreatedFile | None = None  # set when this process created the file (db/ownership.py)
        if str(path).startswith("file:"):
            raise StoreError(f"{self.label}: SQLite URIs are not accepted as a database; give a file path")
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"{self.label}: not a regular file (a riskws database is a SQLite file)")
        if not create and not self.path.is_file():
            raise StoreError(f"{self.label}: no such database file")
        if not create and self.path.stat().st_size == 0:
            raise StoreError(f"{self.label}: empty file, not a riskws database; the file was left untouched")
        self._migrate = migrate
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.label}: cannot create the folder ({exc.strerror})") from None
            # a write needs the file and its folder (SQLite puts -wal/-shm there): refuse before SQLite opens it,
            # so a read-only database is left exactly as it was, without sidecar files
            for p, what in ((self.path, "the file"), (self.path.parent, "its folder")):
                if p.exists() and not os.access(p, os.W_OK):
                    raise StoreError(f"{self.label}: read-only ({what} is not writable); nothing was written")
        self._open_key: tuple[int, int] | None = None
        for _attempt in range(3):
            if self._open(create):
                self._open_key = note_open(self.path)   # db/ownership.py: open in this process
                return
        raise StoreError(f"{self.label}: the file was removed or replaced by another process while it was being "
                         f"opened; try again")

    def _open(self, create: bool) -> bool:
        """Open (create, check, migrate) the file; False when the file at the path changed meanwhile."""
        if create and self.created is None and not self.path.exists():
            try:
                self.created = CreatedFile.claim(self.path)
            except OSError as exc:
                raise StoreError(f"{self.label}: cannot create ({exc.strerror or exc})") from None
        try:
            before = os.stat(self.path)
        except FileNotFoundError:
            if not create:
                raise StoreError(f"{self.label}: no such database file") from None
            self.created = None
            return False
        existing = before.st_size > 0
        had = [Path(f"{self.path}{suffix}").exists() for suffix in SIDECAR_SUFFIXES]
        if existing:
            check_header(self.path, self.label)  # a non-SQLite file is refused before SQLite touches it
        try:
            # no sqlite-utils plugins: they would scan every installed package's entry points at each start
            # (importlib.metadata, tens of ms) and could change our connection
            self.db = Database(connect(self.path), execute_plugins=False)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self.created is not None:
                self.db.enable_wal()  # first: switching to WAL changes data_version, our own commits do not
                if not self.created.remember(self.db.conn):
                    self.created = None  # someone else wrote a schema into it first: not ours to remove
            self.db.execute("PRAGMA foreign_keys = ON")
            found = check_schema(self.db, self.label)  # reads only: a foreign or newer file stays untouched
            if not same_inode(self.path, before):
                self._close_quietly()  # removed or replaced by another process under us: open it again
                self.created = None
                return False
            if not self._migrate:
                if found == 0:
                    raise StoreError(f"{self.label}: not a riskws database (no schema); the file was left untouched")
                return True  # read as it is: no backup, no WAL switch, no migration
            if existing and 1 <= found < _migrations.LATEST_VERSION:
                check_intact(self.db, self.label)  # never migrate (or back up) a damaged file
                self.backup_path = backup_before_migration(self.db, self.path, found)
            self.db.enable_wal()
            migrate(self.db, self.label)
        except sqlite3.DatabaseError as exc:
            self._fail_open()
            if not existing or self.created is None:
                remove_new_sidecars(self.path, had)
            if self.backup_path is not None:
                self.backup_path.unlink(missing_ok=True)
            if self.created is None and not same_inode(self.path, before):
                # removed (or replaced) under us between the inode check and our first write: SQLite refuses the
                # write to the unlinked file ("disk I/O error", "readonly database"): open the path again
                return False
            raise StoreError(f"{self.label}: cannot open as a riskws database ({sqlite_reason(exc)}); "
                             f"{'nothing was written' if self.created is not None else 'the file was left untouched'}"
                             ) from None
        except BaseException:  # SchemaError, a failing migration: never leave the connection open
            self._fail_open()
            remove_new_sidecars(self.path, had)
            raise
        return True

    def _fail_open(self) -> None:
        """Close after a failed open; a file this process created (and nobody else touched) is removed."""
        db = getattr(self, "db", None)
        if self.created is not None:
            self.created.remove_if_untouched(db.conn if db is not None else None)
        else:
            self._close_quietly()

    # -- lifecycle -------------------------------------------------------------------------------------
    @staticmethod
    def default_path() -> Path:
        """$RISKWS_DB, else $XDG_DATA_HOME/riskws/riskws.db, else ~/.local/share/riskws/riskws.db."""
        override = os.environ.get("RISKWS_DB")
        if override:
            return Path(override).expanduser()
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base).expanduser() / "riskws" / "riskws.db"

    @property
    def schema_version(self) -> int:
        return current_version(self.db)

    def close(self) -> None:
        key, self._open_key = self._open_key, None
        note_closed(key)
        self.db.close()

    def discard_if_created(self) -> bool:
        """Close; if this process created the file and nobody else wrote to it or has it open, delete it.

        The one decision is made in ``db/ownership.py``; returns True when the file was removed."""
        if self.created is None:
            self.close()
            return False
        key, self._open_key = self._open_key, None
        note_closed(key)
        return self.created.remove_if_untouched(self.db.conn)

    def _close_quietly(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction (BEGIN IMMEDIATE; a savepoint when nested). SQLite's failures (locked after the
        busy wait, a read-only or damaged file) become a StoreError naming the file; nothing is written."""
        try:
            outer = not self.db.conn.in_transaction
            with write_transaction(self.db):
                if outer:
                    self._refuse_if_moved()     # under the write lock, which a failed creator's removal takes
                yield self.db
                if outer:
                    self._refuse_if_moved()     # removed meanwhile (by hand): roll back rather than "save" to it
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.describe(exc) + "; nothing was written") from None

    def describe(self, exc: sqlite3.Error) -> str:
        """A one-line description of a SQLite failure on this file."""
        reason = sqlite_reason(exc)
        if "locked" in reason or "busy" in reason:
            return (f"{self.label}: {reason}: another process kept it locked for more than "
                    f"{BUSY_TIMEOUT_MS / 1000:g} s")
        return f"{self.label}: {reason}"

    def _refuse_if_moved(self) -> None:
        """SQLite in WAL mode commits into a file that was unlinked while open, and the commit is then lost on
        close: a write to a file no longer at the path is refused instead."""
        if self._open_key is not None and not still_at(self.path, self._open_key):
            raise StoreError(f"{self.label}: the file was removed or replaced by another process after it was "
                             f"opened; open it again; nothing was written")

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- portfolios ------------------------------------------------------------------------------------
    def _has_data_ts(self) -> bool:
        """Schema v7's ``portfolios.data_ts`` (absent on an older file read without migrating)."""
        return "data_ts" in self.db.column_names("portfolios")

    def _portfolio_header(self, name: str) -> dict[str, Any]:
        data_ts = "data_ts" if self._has_data_ts() else "NULL AS data_ts"
        cur = self.db.execute(f"SELECT id, name, acct_lv, rules, lever, market, {data_ts} FROM portfolios "
                              f"WHERE name = ?", [name])
        row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"no portfolio named {name!r} in {self.label}")
        return dict(zip([c[0] for c in cur.description], row))

    def has_portfolio(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM portfolios WHERE name = ?", [name]).fetchone() is not None

    def list_portfolios(self) -> list[PortfolioSummary]:
        """All portfolios, by name, with their position counts (one query)."""
        sql = """SELECT p.name, p.acct_lv, p.rules, p.updated_at, p.market,
                        (SELECT COUNT(*) FROM positions q WHERE q.portfolio_id = p.id)
                 FROM portfolios p ORDER BY p.name COLLATE NOCASE, p.name"""
        return [PortfolioSummary(name=n, acct_lv=lv, rules=r, n_positions=int(k), updated_at=u, market=m)
                for n, lv, r, u, m, k in self.db.execute(sql).fetchall()]

    def load_portfolio(self, name: str) -> Portfolio:
        return self.load_portfolio_revision(name)[0]

    def load_portfolio_revision(self, name: str) -> tuple[Portfolio, int]:
        """The portfolio and its revision, read in one snapshot (a concurrent save is seen whole or not at all)."""
        with read_snapshot(self.db.conn):
            head = self._portfolio_header(name)
            pid = head["id"]
            assets = rows.assets_from_rows(self.db.execute(
                "SELECT ccy, amt FROM assets WHERE portfolio_id = ? ORDER BY seq", [pid]).fetchall())
            positions = rows.positions_from_rows(self.db.execute(
                "SELECT inst_id, pos, avg_px, mgn_mode, margin FROM positions WHERE portfolio_id = ? ORDER BY seq", [pid]).fetchall())
            spot = rows.assets_from_rows(self.db.execute(
                "SELECT ccy, amt FROM spot_in_use WHERE portfolio_id = ? ORDER BY seq", [pid]).fetchall())
            revision = self._revision_of(pid)
        return rows.portfolio_from_rows(head, assets, positions, spot), revision

    def portfolio_revision(self, name: str) -> int:
        """The stored revision of a portfolio (raised by every save; see save_portfolio)."""
        return self._revision_of(self._portfolio_header(name)["id"])

    def _revision_of(self, pid: int) -> int:
        if "revision" not in self.db.column_names("portfolios"):  # an old schema read without migrating
            return 0
        return int(self.db.execute("SELECT revision FROM portfolios WHERE id = ?", [pid]).fetchone()[0])

    def _next_revision(self) -> int:
        """The file's next revision number (inside the caller's write transaction)."""
        self.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('portfolio_revision', '0')")
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'portfolio_revision'")
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'portfolio_revision'").fetchone()[0])

    def save_portfolio(self, portfolio: Portfolio, market_name: str | None = None, *,
                       expected_revision: int | None = None) -> int:
        """Insert, or replace the portfolio of the same name, in one transaction; returns its new revision.

        ``market_name`` links the snapshot the book was built with; None keeps the current link.
        ``expected_revision``: the revision the caller loaded; when the stored one differs (someone else saved,
        renamed or deleted it meanwhile) RevisionConflict is raised and nothing is written. None: no check (an
        import replaces whatever is there, by design).
        """
        name = check_name(portfolio.name)
        if market_name is not None and not self.has_market(market_name):
            raise NotFoundError(f"no market snapshot named {market_name!r} in {self.label}")
        now = _now()
        lever = rows.lever_to_json(portfolio.lever)
        data_ts = None if portfolio.ts is None else format_ts(portfolio.ts)
        with self.transaction():
            row = self.db.execute("SELECT id, market, revision FROM portfolios WHERE name = ?", [name]).fetchone()
            found = None if row is None else int(row[2])
            if expected_revision is not None and found != expected_revision:
                what = "deleted or renamed" if found is None else f"saved again (revision {found})"
                raise RevisionConflict(f"portfolio {name!r} in {self.label} was {what} by another program since "
                                       f"revision {expected_revision} was loaded; nothing was written",
                                       name, expected_revision, found)
            revision = self._next_revision()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO portfolios (name, acct_lv, rules, lever, market, created_at, updated_at, revision, "
                    "data_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [name, portfolio.acct_lv, portfolio.rules, lever, market_name, now, now, revision, data_ts])
                pid = int(cur.lastrowid)
                whatifs.forget(self.db, name)   # a new book under a deleted one's name starts with none
            else:
                pid = int(row[0])
                market = market_name if market_name is not None else row[1]
                self.db.execute("UPDATE portfolios SET acct_lv = ?, rules = ?, lever = ?, market = ?, updated_at = ?, "
                                "revision = ?, data_ts = ? WHERE id = ?",
                                [portfolio.acct_lv, portfolio.rules, lever, market, now, revision, data_ts, pid])
                for table in ("assets", "positions", "spot_in_use"):
                    self.db.execute(f"DELETE FROM {table} WHERE portfolio_id = ?", [pid])
            self._insert("assets", rows.asset_rows(pid, portfolio.assets))
            self._insert("positions", rows.position_rows(pid, portfolio.positions))
            self._insert("spot_in_use", rows.asset_rows(pid, portfolio.spot_in_use))
        return revision

    def _insert(self, table: str, records: list[dict[str, Any]]) -> None:
        if records:
            self.db[table].insert_all(records, batch_size=BATCH_SIZE)

    def rename_portfolio(self, old: str, new: str) -> None:
        new = check_name(new)
        if old == new:
            self._portfolio_header(old)
            return
        with self.transaction():
            head = self._portfolio_header(old)
            if self.has_portfolio(new):
                raise NameTakenError(f"a portfolio named {new!r} already exists in {self.label}")
            self.db.execute("UPDATE portfolios SET name = ?, updated_at = ? WHERE id = ?", [new, _now(), head["id"]])
            whatifs.follow_rename(self.db, old, new)

    def duplicate_portfolio(self, name: str, new_name: str) -> None:
        new_name = check_name(new_name)
        with self.transaction():
            if self.has_portfolio(new_name):
                raise NameTakenError(f"a portfolio named {new_name!r} already exists in {self.label}")
            head = self._portfolio_header(name)
            copy = self.load_portfolio(name)
            self.save_portfolio(replace(copy, name=new_name), market_name=head["market"])
            self.db.execute("UPDATE portfolios SET notes = (SELECT notes FROM portfolios WHERE id = ?) WHERE name = ?",
                            [head["id"], new_name])
            whatifs.copy(self.db, name, new_name)

    def delete_portfolio(self, name: str) -> None:
        with self.transaction():
            head = self._portfolio_header(name)
            for table in ("assets", "positions", "spot_in_use"):
                self.db.execute(f"DELETE FROM {table} WHERE portfolio_id = ?", [head["id"]])
            self.db.execute("DELETE FROM portfolios WHERE id = ?", [head["id"]])
            whatifs.forget(self.db, name)

    def portfolio_notes(self, name: str) -> str:
        """The free-text notes of a portfolio ('' when none); kept when the portfolio is saved again."""
        self._portfolio_header(name)
        return str(self.db.execute("SELECT notes FROM portfolios WHERE name = ?", [name]).fetchone()[0])

    def set_portfolio_notes(self, name: str, notes: str) -> None:
        if not isinstance(notes, str):
            raise StoreError(f"portfolio {name!r}: notes must be text, got {type(notes).__name__}")
        with self.transaction():
            self._portfolio_header(name)
            self.db.execute("UPDATE portfolios SET notes = ?, updated_at = ? WHERE name = ?", [notes, _now(), name])

    def portfolio_market_name(self, name: str) -> str | None:
        return self._portfolio_header(name)["market"]

    # -- market snapshots ------------------------------------------------------------------------------
    def has_market(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM markets WHERE name = ?", [name]).fetchone() is not None

    def save_market(self, name: str, market: Market, responses: str | None = None) -> None:
        """Insert or replace a snapshot by name, with the raw OKX responses it was built from (JSON text), all in
        one transaction: a failure leaves the previous snapshot and responses as they were."""
        name = check_name(name, "market")
        text = rows.market_to_json(market)
        now = _now()
        fetched = None if market.fetched_at is None else format_ts(market.fetched_at)
        with self.transaction():
            old = self.db.execute("SELECT created_at FROM markets WHERE name = ?", [name]).fetchone()
            self.db.execute("INSERT OR REPLACE INTO markets (name, ts, snapshot, created_at, updated_at, source, "
                            "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [name, format_ts(market.ts), text, old[0] if old else now, now, market.source, fetched])
            self.db.execute("DELETE FROM market_responses WHERE name = ?", [name])
            if responses is not None:
                self.db.execute("INSERT INTO market_responses (name, responses, created_at) VALUES (?, ?, ?)",
                                [name, responses, now])

    def market_responses(self, name: str) -> str | None:
        """The raw OKX responses (JSON text) a stored snapshot was built from; None when it has none."""
        if not self.has_market(name):
            raise NotFoundError(f"no market snapshot named {name!r} in {self.label}")
        if "market_responses" not in self.db.table_names():
            return None  # a file from before schema v4 (opened without migrating) has none
        row = self.db.execute("SELECT responses FROM market_responses WHERE name = ?", [name]).fetchone()
        return None if row is None else str(row[0])

    def load_market(self, name: str) -> Market:
        row = self.db.execute("SELECT snapshot FROM markets WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFoundError(f"no market snapshot named {name!r} in {self.label}")
        return rows.market_from_json(row[0], name)

    def list_markets(self) -> list[MarketSummary]:
        """Snapshots, newest valuation time first (on a file opened without migrating, from before schema v4,
        source and fetched_at are None)."""
        columns = {str(c[1]) for c in self.db.execute("PRAGMA table_info(markets)").fetchall()}
        extra = "source, fetched_at" if {"source", "fetched_at"} <= columns else "NULL, NULL"
        sql = f"SELECT name, ts, updated_at, {extra} FROM markets ORDER BY ts DESC, updated_at DESC, name"
        return [MarketSummary(n, t, u, s, f) for n, t, u, s, f in self.db.execute(sql).fetchall()]

    def delete_market(self, name: str) -> None:
        """Remove a snapshot; portfolios linked to it fall back to the newest one."""
        with self.transaction():
            if not self.has_market(name):
                raise NotFoundError(f"no market snapshot named {name!r} in {self.label}")
            self.db.execute("UPDATE portfolios SET market = NULL WHERE market = ?", [name])
            self.db.execute("DELETE FROM markets WHERE name = ?", [name])
            self.db.execute("DELETE FROM market_responses WHERE name = ?", [name])

    def market_for_portfolio(self, name: str) -> Market | None:
        """The snapshot the portfolio was saved with, else the newest snapshot, else None."""
        linked = self._portfolio_header(name)["market"]
        if linked is not None and self.has_market(linked):
            return self.load_market(linked)
        newest = self.list_markets()
        return self.load_market(newest[0].name) if newest else None

    # -- small key/value settings of the file (e.g. whether the demo was seeded) ------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])
