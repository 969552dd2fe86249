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
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from engine.market import Market, format_ts
from engine.portfolio import Portfolio

from . import rows
from .errors import NameTakenError, NotFoundError, StoreError
from .lock import InstanceLock, acquire_instance_lock  # noqa: F401 - the GUI takes it through db.store
from . import migrations as _migrations
from .migrations import check_schema, current_version, migrate, write_transaction

BATCH_SIZE = 1000
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class PortfolioSummary:
    name: str
    acct_lv: str
    rules: str | None
    n_positions: int
    updated_at: str
    market: str | None = None


@dataclass(frozen=True)
class MarketSummary:
    name: str
    ts: str
    updated_at: str
    source: str | None = None        # "okx", "recorded", "synthetic"; None: a snapshot file without the field
    fetched_at: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def check_name(name: Any, what: str = "portfolio") -> str:
    """The name itself, or StoreError: names are non-empty and carry no leading or trailing spaces."""
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"{what} name: expected a non-empty string, got {name!r}")
    if name != name.strip():
        raise StoreError(f"{what} name {name!r}: leading or trailing spaces")
    return name


SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_header(path: Path, label: str) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if head != SQLITE_MAGIC:
        raise StoreError(f"{label}: not a SQLite database (a riskws database is a SQLite file); the file was "
                         f"left untouched")


def _check_intact(db: Database, label: str) -> None:
    rows = [r[0] for r in db.execute("PRAGMA quick_check(5)").fetchall()]
    if rows != ["ok"]:
        raise StoreError(f"{label}: the database file is damaged ({'; '.join(map(str, rows))[:200]}); the file was "
                         f"left untouched")


def _remove_new(sidecars: list[Path], had: list[bool]) -> None:
    """Remove the -wal/-shm/-journal files that a failed open created (never ones that were there before)."""
    for p, existed in zip(sidecars, had):
        if not existed:
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass


def backup_before_migration(db: Database, path: Path, version: int) -> Path:
    """A consistent copy of the file (sqlite3 backup API) as ``<db>.bak-v<N>-<UTC timestamp>``.

    Written under a ``.tmp`` name and renamed when complete, so a backup that exists is always whole (a process
    killed mid-copy leaves only a ``.tmp``, removed by the next attempt).
    """
    for stale in path.parent.glob(f"{glob_escape(path.name)}.bak-v*.tmp"):
        stale.unlink(missing_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bak-v{version}-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.bak-v{version}-{stamp}-{n}")
        n += 1
    tmp = target.with_name(target.name + ".tmp")
    try:
        dst = sqlite3.connect(tmp)
        try:
            db.conn.backup(dst)
        finally:
            dst.close()
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"{path}: cannot back up to {target} before migrating ({exc}); nothing was changed") from None
    return target


class Store:
    """Portfolios and market snapshots in a SQLite file (created and migrated on open)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True) -> None:
        self.path = Path(path)
        self.label = str(self.path)
        self.backup_path: Path | None = None  # the copy made before a schema migration, if one ran
        if not create and not self.path.is_file():
            raise StoreError(f"{self.label}: no such database file")
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.label}: cannot create the folder ({exc.strerror})") from None
        existing = self.path.is_file() and self.path.stat().st_size > 0
        sidecars = [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]
        had = [p.exists() for p in sidecars]
        if existing:
            _check_header(self.path, self.label)  # a non-SQLite file is refused before SQLite touches it
        try:
            self.db = Database(self.path)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db.execute("PRAGMA foreign_keys = ON")
            found = check_schema(self.db, self.label)  # reads only: a foreign or newer file stays untouched
            if existing and 1 <= found < _migrations.LATEST_VERSION:
                _check_intact(self.db, self.label)  # never migrate (or back up) a damaged file
                self.backup_path = backup_before_migration(self.db, self.path, found)
            self.db.enable_wal()
            migrate(self.db, self.label)
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            _remove_new(sidecars, had)
            if self.backup_path is not None:
                self.backup_path.unlink(missing_ok=True)
            raise StoreError(f"{self.label}: cannot open as a riskws database ({exc}); the file was left "
                             f"untouched") from None
        except BaseException:  # SchemaError, a failing migration: never leave the connection open
            self._close_quietly()
            _remove_new(sidecars, had)
            raise

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
        self.db.close()

    def _close_quietly(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass

    def transaction(self):
        """Context manager: one write transaction (BEGIN IMMEDIATE; a savepoint when nested)."""
        return write_transaction(self.db)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- portfolios ------------------------------------------------------------------------------------
    def _portfolio_header(self, name: str) -> dict[str, Any]:
        cur = self.db.execute("SELECT id, name, acct_lv, rules, lever, market FROM portfolios WHERE name = ?", [name])
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
        head = self._portfolio_header(name)
        pid = head["id"]
        assets = rows.assets_from_rows(self.db.execute(
            "SELECT ccy, amt FROM assets WHERE portfolio_id = ? ORDER BY seq", [pid]).fetchall())
        positions = rows.positions_from_rows(self.db.execute(
            "SELECT inst_id, pos, avg_px FROM positions WHERE portfolio_id = ? ORDER BY seq", [pid]).fetchall())
        spot = rows.assets_from_rows(self.db.execute(
            "SELECT ccy, amt FROM spot_in_use WHERE portfolio_id = ? ORDER BY seq", [pid]).fetchall())
        return rows.portfolio_from_rows(head, assets, positions, spot)

    def save_portfolio(self, portfolio: Portfolio, market_name: str | None = None) -> None:
        """Insert, or replace the portfolio of the same name, in one transaction.

        ``market_name`` links the snapshot the book was built with; None keeps the current link.
        """
        name = check_name(portfolio.name)
        if market_name is not None and not self.has_market(market_name):
            raise NotFoundError(f"no market snapshot named {market_name!r} in {self.label}")
        now = _now()
        lever = rows.lever_to_json(portfolio.lever)
        with self.transaction():
            row = self.db.execute("SELECT id, market FROM portfolios WHERE name = ?", [name]).fetchone()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO portfolios (name, acct_lv, rules, lever, market, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", [name, portfolio.acct_lv, portfolio.rules, lever, market_name, now, now])
                pid = int(cur.lastrowid)
            else:
                pid = int(row[0])
                market = market_name if market_name is not None else row[1]
                self.db.execute("UPDATE portfolios SET acct_lv = ?, rules = ?, lever = ?, market = ?, updated_at = ? "
                                "WHERE id = ?", [portfolio.acct_lv, portfolio.rules, lever, market, now, pid])
                for table in ("assets", "positions", "spot_in_use"):
                    self.db.execute(f"DELETE FROM {table} WHERE portfolio_id = ?", [pid])
            self._insert("assets", rows.asset_rows(pid, portfolio.assets))
            self._insert("positions", rows.position_rows(pid, portfolio.positions))
            self._insert("spot_in_use", rows.asset_rows(pid, portfolio.spot_in_use))

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

    def delete_portfolio(self, name: str) -> None:
        with self.transaction():
            head = self._portfolio_header(name)
            for table in ("assets", "positions", "spot_in_use"):
                self.db.execute(f"DELETE FROM {table} WHERE portfolio_id = ?", [head["id"]])
            self.db.execute("DELETE FROM portfolios WHERE id = ?", [head["id"]])

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
        row = self.db.execute("SELECT responses FROM market_responses WHERE name = ?", [name]).fetchone()
        return None if row is None else str(row[0])

    def load_market(self, name: str) -> Market:
        row = self.db.execute("SELECT snapshot FROM markets WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFoundError(f"no market snapshot named {name!r} in {self.label}")
        return rows.market_from_json(row[0], name)

    def list_markets(self) -> list[MarketSummary]:
        """Snapshots, newest valuation time first."""
        sql = "SELECT name, ts, updated_at, source, fetched_at FROM markets ORDER BY ts DESC, updated_at DESC, name"
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
