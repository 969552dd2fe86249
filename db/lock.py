"""One workstation window per database: an advisory lock file next to it (``<db>.lock``, fcntl.flock).

The kernel drops the lock when the process ends, however it ends, so a crashed window never leaves a stale lock.
The command line does not take it: WAL and the busy timeout make a CLI write safe while a window is open.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import StoreError

try:
    import fcntl
except ImportError:  # not POSIX: no advisory lock (documented limitation)
    fcntl = None  # type: ignore[assignment]


def lock_path(db_path: str | os.PathLike) -> Path:
    p = Path(db_path)
    return p.with_name(p.name + ".lock")


class InstanceLock:
    """Held while a window has the database open; ``release()`` or leave the ``with`` block to let go."""

    def __init__(self, db_path: Path, fd: int | None) -> None:
        self.db_path = db_path
        self.path = lock_path(db_path)
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> "InstanceLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten lock is released with its object
        try:
            self.release()
        except Exception:  # noqa: BLE001
            pass


def _holder_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


def acquire_instance_lock(db_path: str | os.PathLike) -> InstanceLock:
    """Take the database's window lock, or raise StoreError("<db> is open in another riskws window (pid N)")."""
    path = Path(db_path)
    if fcntl is None:
        return InstanceLock(path, None)
    lp = lock_path(path)
    try:
        lp.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{lp}: cannot create the lock file ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _holder_pid(fd)
        os.close(fd)
        raise StoreError(f"{path} is open in another riskws window (pid {pid})") from None
    except OSError as exc:
        os.close(fd)
        raise StoreError(f"{lp}: cannot lock ({exc.strerror or exc})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return InstanceLock(path, fd)
