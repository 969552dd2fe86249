"""Schema versions: one function per version, applied in order, each in its own transaction.

The applied version is kept in the ``schema_version`` table. A migration is only ever added, never
edited once released: migrating an old file must give the same schema as a fresh one.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator

from .sqlite_lib import Database

from .errors import SchemaError

Migration = Callable[[Database], None]


def _v1_initial(db: Database) -> None:
    """Portfolios with their balances, positions and spot-in-use amounts; market snapshots."""
    statements = [
        """CREATE TABLE portfolios (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            acct_lv TEXT NOT NULL,
            rules TEXT,
            lever TEXT NOT NULL DEFAULT '{}',
            market TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE assets (
            portfolio_id INTEGER NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            ccy TEXT NOT NULL,
            amt REAL NOT NULL,
            PRIMARY KEY (portfolio_id, seq)
        )""",
        """CREATE TABLE positions (
            portfolio_id INTEGER NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            inst_id TEXT NOT NULL,
            pos REAL NOT NULL,
            avg_px REAL,
            PRIMARY KEY (portfolio_id, seq)
        )""",
        """CREATE TABLE spot_in_use (
            portfolio_id INTEGER NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            ccy TEXT NOT NULL,
            amt REAL NOT NULL,
            PRIMARY KEY (portfolio_id, seq)
        )""",
        """CREATE TABLE markets (
            name TEXT PRIMARY KEY,
            ts TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]
    for sql in statements:
        db.execute(sql)


def _v2_notes(db: Database) -> None:
    """Free-text notes per portfolio (kept when the book is saved again); an index for the market link, which
    deleting a snapshot updates."""
    db.execute("ALTER TABLE portfolios ADD COLUMN notes TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX IF NOT EXISTS portfolios_market ON portfolios(market)")


def _v3_revision(db: Database) -> None:
    """A revision per portfolio, from one counter of the file (``meta.portfolio_revision``), raised by every save:
    a writer that loaded revision N refuses to save over anything else (issue 17, lost update). Existing books
    start at 0."""
    db.execute("ALTER TABLE portfolios ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")


def _v4_market_sources(db: Database) -> None:
    """Where each snapshot came from (okx / recorded / synthetic / file) and when it was fetched, and the raw OKX
    responses a fetched or recorded snapshot was built from (kept so that it can be audited and rebuilt)."""
    db.execute("ALTER TABLE markets ADD COLUMN source TEXT")
    db.execute("ALTER TABLE markets ADD COLUMN fetched_at TEXT")
    db.execute("""CREATE TABLE market_responses (
        name TEXT PRIMARY KEY,
        responses TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""")


def _v5_position_margin_mode(db: Database) -> None:
    """A position's margin mode and, isolated, its margin (issue 18: spot and futures mode). Existing rows are
    cross."""
    db.execute("ALTER TABLE positions ADD COLUMN mgn_mode TEXT NOT NULL DEFAULT 'cross'")
    db.execute("ALTER TABLE positions ADD COLUMN margin REAL")


def _v6_observations(db: Database) -> None:
    """What OKX answered for a book (formats.md section 6): the position-builder request and response, the market
    snapshot taken in the same minute (inline JSON, so the observation stands alone), and optionally the
    position-builder-graph answer. Never any API key: requests are stored as sent, without headers."""
    db.execute("""CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            book TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            demo INTEGER NOT NULL DEFAULT 0,
            rules TEXT,
            request TEXT NOT NULL,
            response TEXT NOT NULL,
            market TEXT NOT NULL,
            graph_request TEXT,
            graph_response TEXT,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX observations_book ON observations(book, taken_at)")


def _v7_portfolio_data_ts(db: Database) -> None:
    """When a book's data was taken (OKX's newest uTime of the imported positions and balances; NULL: unknown), so
    that a book valued on an older market snapshot can say so."""
    db.execute("ALTER TABLE portfolios ADD COLUMN data_ts TEXT")


MIGRATIONS: list[Migration] = [_v1_initial, _v2_notes, _v3_revision, _v4_market_sources, _v5_position_margin_mode,
                               _v6_observations, _v7_portfolio_data_ts]
LATEST_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at BEGIN (BEGIN IMMEDIATE), so a second process waits for the
    busy timeout instead of failing with "database is locked" when its read snapshot cannot be upgraded (WAL).
    Nested use becomes a savepoint (sqlite-utils' atomic())."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Several SELECTs on one snapshot of the file (a deferred read transaction; nested: the outer one)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def current_version(db: Database) -> int:
    """The schema version of the file; 0 for a database without a schema_version table."""
    if "schema_version" not in db.table_names():
        return 0
    return int(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])


def check_schema(db: Database, label: str = "database") -> int:
    """The file's schema version, reading only: SchemaError for a foreign database or a newer schema."""
    names = db.table_names()
    if names and "schema_version" not in names:
        raise SchemaError(f"{label}: not a riskws database (it has tables but no schema_version)")
    found = current_version(db)
    if found > LATEST_VERSION:
        raise SchemaError(f"{label}: schema version {found} is newer than this riskws understands "
                          f"({LATEST_VERSION}); upgrade riskws")
    return found


def migrate(db: Database, label: str = "database") -> int:
    """Bring the schema to LATEST_VERSION; returns the version found before migrating."""
    names = db.table_names()
    check_schema(db, label)
    if "schema_version" not in names:
        with write_transaction(db):
            db.execute("CREATE TABLE IF NOT EXISTS schema_version "
                       "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    found = current_version(db)
    for version in range(found + 1, LATEST_VERSION + 1):
        step = MIGRATIONS[version - 1]
        with write_transaction(db):
            if current_version(db) >= version:  # another process migrated meanwhile
                continue
            step(db)
            db.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                       [version, step.__name__.lstrip("_"), _now()])
    return found
