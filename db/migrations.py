"""Schema versions: one function per version, applied in order, each in its own transaction.

The applied version is kept in the ``schema_version`` table. A migration is only ever added, never
edited once released: migrating an old file must give the same schema as a fresh one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlite_utils import Database

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


MIGRATIONS: list[Migration] = [_v1_initial]
LATEST_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def current_version(db: Database) -> int:
    """The schema version of the file; 0 for a database without a schema_version table."""
    if "schema_version" not in db.table_names():
        return 0
    return int(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])


def migrate(db: Database, label: str = "database") -> int:
    """Bring the schema to LATEST_VERSION; returns the version found before migrating."""
    names = db.table_names()
    if names and "schema_version" not in names:
        raise SchemaError(f"{label}: not a riskws database (it has tables but no schema_version)")
    if "schema_version" not in names:
        with db.atomic():
            db.execute("CREATE TABLE IF NOT EXISTS schema_version "
                       "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    found = current_version(db)
    if found > LATEST_VERSION:
        raise SchemaError(f"{label}: schema version {found} is newer than this riskws understands "
                          f"({LATEST_VERSION}); upgrade riskws")
    for version in range(found + 1, LATEST_VERSION + 1):
        step = MIGRATIONS[version - 1]
        with db.atomic():
            step(db)
            db.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                       [version, step.__name__.lstrip("_"), _now()])
    return found
