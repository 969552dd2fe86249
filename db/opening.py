"""Opening a database file safely: the header check before SQLite touches it, the integrity check before a
migration, the backup made before one, and the connection to exactly the path given (never read as a URI)."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from glob import escape as glob_escape
from pathlib import Path
from urllib.parse import quote

from .sqlite_lib import Database

from .errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"


def check_header(path: Path, label: str) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if head != SQLITE_MAGIC:
        raise StoreError(f"{label}: not a SQLite database (a riskws database is a SQLite file); the file was "
                         f"left untouched")


def check_intact(db: Database, label: str) -> None:
    rows = [r[0] for r in db.execute("PRAGMA quick_check(5)").fetchall()]
    if rows != ["ok"]:
        raise StoreError(f"{label}: the database file is damaged ({'; '.join(map(str, rows))[:200]}); the file was "
                         f"left untouched")


def connect(path: Path) -> sqlite3.Connection:
    """A connection to exactly this path (opened as a URI of the quoted absolute path, so no part of a file name
    is ever read as a URI parameter)."""
    uri = "file:" + quote(str(path.absolute())) + "?mode=rwc"
    return sqlite3.connect(uri, uri=True)


def same_inode(path: Path, before: os.stat_result) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (before.st_dev, before.st_ino)


def still_at(path: Path, key: tuple[int, int]) -> bool:
    """Whether ``path`` still names the file (device, inode) ``key`` (False when removed or replaced)."""
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == key


def sqlite_reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


_TMP_SIDECARS = ("", "-journal", "-wal", "-shm")    # a backup's temporary file and what SQLite keeps beside it


def _remove_tmp(tmp: Path) -> None:
    for suffix in _TMP_SIDECARS:
        tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)


def backup_before_migration(db: Database, path: Path, version: int) -> Path:
    """A consistent copy of the file (sqlite3 backup API) as ``<db>.bak-v<N>-<UTC timestamp>``.

    Written under a ``.tmp`` name and renamed when complete, so a backup that exists is always whole (a process
    killed mid-copy leaves only a ``.tmp`` and SQLite's ``.tmp-journal``, both removed by the next attempt: a
    journal left beside a new ``.tmp`` of the same name would be rolled back into it as a hot journal).
    """
    for stale in path.parent.glob(f"{glob_escape(path.name)}.bak-v*.tmp*"):
        if any(stale.name.endswith(".tmp" + suffix) for suffix in _TMP_SIDECARS):
            stale.unlink(missing_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bak-v{version}-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.bak-v{version}-{stamp}-{n}")
        n += 1
    tmp = target.with_name(target.name + ".tmp")
    _remove_tmp(tmp)
    try:
        dst = sqlite3.connect(tmp)
        try:
            db.conn.backup(dst)
        finally:
            dst.close()
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        _remove_tmp(tmp)
        raise StoreError(f"{path}: cannot back up to {target} before migrating ({exc}); nothing was changed") from None
    return target
