"""The one place that decides whether this process may delete a database file it created.

A command that creates a database and then fails (bad data found late, Ctrl-C, "database is locked" after the
busy wait) should not leave an empty file behind, but it must never delete data that another process wrote to the
same path meanwhile: a second ``riskws import --db new.db`` run while the first one was still reading, or a window
opened on the new file. So the file is removed only when all of these hold:

1. this process created it: ``claim`` makes it with ``O_CREAT | O_EXCL`` (not "it did not exist a moment ago");
2. it is still the same file: device and inode at the path are the ones ``claim`` created;
3. nobody else committed to it: SQLite's ``PRAGMA data_version`` on our connection is unchanged since the
   store was opened (it changes only when *another* connection commits), and the file's content under the
   EXCLUSIVE lock below is what it was before the switch out of WAL mode (a writer that committed and closed
   between the first check and the switch leaves data_version looking like the switch's own change);
4. nobody else has it open: switching our connection out of WAL mode needs every other connection closed
   (SQLite answers "database is locked" otherwise), and the file is unlinked while this process holds an
   EXCLUSIVE lock, which keeps new readers and writers out until it is gone.

A process that opened the path just before the unlink sees the inode change after its first read
(``Store`` checks and opens again), so it never writes into a deleted file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass
class CreatedFile:
    """A database file this process created: where, which inode, and SQLite's change counter at open."""

    path: Path
    dev: int
    ino: int
    data_version: int | None = None

    @classmethod
    def claim(cls, path: Path) -> "CreatedFile | None":
        """Create ``path`` empty if nothing is there; None when the file already exists (then it is not ours)."""
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return None
        try:
            st = os.fstat(fd)
        finally:
            os.close(fd)
        return cls(path, st.st_dev, st.st_ino)

    def same_file(self) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == (self.dev, self.ino)

    def remember(self, conn: sqlite3.Connection) -> bool:
        """Record the change counter right after the file is switched to WAL (our own commits never change it
        afterwards); False when the file already holds a schema, i.e. another process got to it first."""
        self.data_version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        return conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0

    def remove_if_untouched(self, conn: sqlite3.Connection | None) -> bool:
        """Delete the file (and its sidecars) if nobody else wrote to it or has it open; True when removed.

        ``conn`` is this process's open connection to it (closed here either way), or None when SQLite never
        opened it (then only conditions 1 and 2 can be checked, and a file that is no longer empty is kept).
        """
        try:
            if conn is None:
                return self._remove_unopened()
            return self._remove_with_lock(conn)
        finally:
            if conn is not None:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass

    def _remove_unopened(self) -> bool:
        if not self.same_file() or os.stat(self.path).st_size != 0:
            return False
        if any(Path(f"{self.path}{s}").exists() for s in SIDECAR_SUFFIXES):
            return False
        self.path.unlink(missing_ok=True)
        return True

    def _remove_with_lock(self, conn: sqlite3.Connection) -> bool:
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("PRAGMA busy_timeout = 0")  # never wait for someone else: their data wins
            # the content first: a commit after this read shows as a different content under the lock below
            # (the data_version check alone saw nothing of a writer that committed and closed between it and
            # the switch, since the switch's own change of data_version is discounted)
            content = content_digest(conn)
            if self.data_version is None or self.data_version != int(
                    conn.execute("PRAGMA data_version").fetchone()[0]):
                return False
            if not self._leave_wal(conn):
                return False  # another connection keeps it in WAL mode: it is in use
            switched = int(conn.execute("PRAGMA data_version").fetchone()[0])  # the switch itself changes it
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.Error:
            return False  # locked or busy: someone else is using it
        try:
            if (switched != int(conn.execute("PRAGMA data_version").fetchone()[0]) or not self.same_file()
                    or content_digest(conn) != content):
                return False
            for suffix in ("", *SIDECAR_SUFFIXES):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return True
        except (sqlite3.Error, OSError):
            return False
        finally:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass


    @staticmethod
    def _leave_wal(conn: sqlite3.Connection) -> bool:
        """Switch the file out of WAL mode; False when another connection holds it in WAL mode."""
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        return str(mode).lower() == "delete"


def content_digest(conn: sqlite3.Connection) -> str:
    """A digest of everything the database holds: its schema, its user_version and every table's rows (a file this
    process just created is small; this runs only when a command that created it fails)."""
    h = hashlib.sha256()
    h.update(repr(conn.execute("PRAGMA user_version").fetchone()).encode())
    schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    h.update(repr(schema).encode())
    for kind, name, _sql in schema:
        if kind == "table":
            quoted = '"' + name.replace('"', '""') + '"'
            for row in conn.execute(f"SELECT * FROM {quoted}"):
                h.update(repr(row).encode())
    return h.hexdigest()


# Stores of this process that are open, by the file's (device, inode): POSIX locks cannot tell another connection
# of this same process from our own, so the lock probe below is not asked while one is open here.
_OPEN_HERE: dict[tuple[int, int], int] = {}
_OPEN_LOCK = threading.Lock()


def note_open(path: Path) -> tuple[int, int] | None:
    """Record that a Store of this process has ``path`` open; the key to give ``note_closed``."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (st.st_dev, st.st_ino)
    with _OPEN_LOCK:
        _OPEN_HERE[key] = _OPEN_HERE.get(key, 0) + 1
    return key


def note_closed(key: tuple[int, int] | None) -> None:
    if key is None:
        return
    with _OPEN_LOCK:
        n = _OPEN_HERE.get(key, 0) - 1
        if n > 0:
            _OPEN_HERE[key] = n
        else:
            _OPEN_HERE.pop(key, None)


def _open_here(path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    with _OPEN_LOCK:
        return _OPEN_HERE.get((st.st_dev, st.st_ino), 0) > 0


def remove_new_sidecars(path: Path, had: list[bool]) -> None:
    """After a failed open of an existing file (not ours, so never deleted): remove the -wal/-shm/-journal files
    that this open created, never ones that were there before, and never while another program uses them.

    "Not there when we looked" is not enough: another program may have opened the file in WAL mode between that
    look and our failure, and its committed transactions can live only in the -wal. So, with our own connection
    already closed, a new sidecar is removed only when (1) no other process holds the database open (nobody holds
    SQLite's dead-man-switch lock on the -shm; we take it exclusively for the removal, which keeps new openers
    out) and (2) it holds no data (a -wal or -journal of size 0; the -shm is only an index rebuilt from the -wal).
    SQLite itself removes its sidecars when the last connection closes, so this rarely finds anything to do.
    """
    new = [suffix for suffix, existed in zip(SIDECAR_SUFFIXES, had) if not existed
           and Path(f"{path}{suffix}").exists()]
    if not new or _open_here(path):    # another Store of this process uses them (invisible to the lock probe)
        return
    with _shm_exclusive(path) as alone:
        if not alone:
            return  # another program has the database open: its sidecars are its own
        for suffix in new:
            side = Path(f"{path}{suffix}")
            try:
                if suffix != "-shm" and side.stat().st_size != 0:
                    continue  # committed data (or a hot journal) nobody has checkpointed: never delete
                side.unlink()
            except OSError:
                pass


# SQLite's unix VFS: every connection holds a shared lock on this byte of the -shm file while it has the WAL index
# mapped (UNIX_SHM_BASE 120 + SQLITE_SHM_NLOCK 8, the "dead man switch"); the first opener takes it exclusively.
_SHM_DMS_BYTE = 128


@contextmanager
def _shm_exclusive(path: Path) -> Iterator[bool]:
    """Hold an exclusive POSIX lock on the -shm's DMS byte; yields False when another process holds it (the
    database is in use). POSIX locks are per process, so our own connections must be closed before asking."""
    shm = Path(f"{path}-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        yield True  # no WAL index: no connection in WAL mode has the file open
        return
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock
