"""Writing a command's output file so that the output can never destroy an input.

Rules (README "Output files"):

- ``--out`` naming the database (or one of its ``-wal``/``-shm``/``-journal``/``.lock`` files), through any path,
  symlink or hard link, is refused (same device and inode);
- a regular file (or a new name) is written through a temporary file in the same folder and renamed over the
  target when complete: a failure or an interrupt leaves the old file as it was and removes the temporary file;
  a symlink is followed (its target is replaced, the link stays);
- a FIFO or a character device (``/dev/stdout``, ``/dev/null``, a terminal, a process substitution) is written in
  place, never replaced by a regular file; a block device, a socket or a directory is refused;
- temporary files are named ``.<name>.riskws-<pid>.tmp``; a SIGKILLed export cannot remove its own, so the next
  write to the same target removes those whose process no longer exists. SIGTERM and SIGHUP during the write
  are turned into an interrupt, so the temporary file is removed then too.
"""

from __future__ import annotations

import os
import signal
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from db.errors import StoreError
from workstation.cli import CommandError

TMP_MARK = ".riskws-"


class OutputRefused(StoreError):
    """The output path is not one this command may write (exit 2: bad input, nothing written)."""


def _ident(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def protected_files(db: Path) -> list[Path]:
    """The database and the files SQLite and riskws keep next to it."""
    return [db, *(Path(f"{db}{s}") for s in ("-wal", "-shm", "-journal", ".lock"))]


def check_target(out: Path, protect: Iterable[Path], option: str = "--out") -> os.stat_result | None:
    """The stat of an existing target (None for a new one), or OutputRefused with one line."""
    target = _ident(out)
    for p in protect:
        ident = _ident(p)
        if ident is not None and ident == target:
            raise OutputRefused(f"{option} {out}: is the database {p} itself; refusing to overwrite it")
        if target is None and Path(os.path.abspath(out)) == Path(os.path.abspath(p)):
            raise OutputRefused(f"{option} {out}: is the database path {p}; refusing to write there")
    try:
        st = os.stat(out)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputRefused(f"{option} {out}: cannot use ({exc.strerror or exc})") from None
    mode = st.st_mode
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return st
    kind = ("a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise OutputRefused(f"{option} {out}: is {kind}; give a file name (or - for standard output)")


def write_output(out: Path, text: str, *, protect: Iterable[Path] = (), option: str = "--out") -> None:
    """Write ``text`` (UTF-8) to ``out`` under the rules of this module's docstring."""
    st = check_target(out, list(protect), option)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_in_place(out, text, option)
        return
    target = Path(os.path.realpath(out))  # a symlink's target is replaced, not the link
    _remove_stale_temporaries(target)
    try:
        fd, tmp = _make_temp(target)
    except OSError as exc:
        raise CommandError(f"{option} {out}: cannot write ({exc.strerror or exc})") from None
    try:
        with _interrupt_on_terminate():
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if st is not None:
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
            os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CommandError(f"{option} {out}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _make_temp(target: Path) -> tuple[int, str]:
    folder = target.parent
    base = f".{target.name}{TMP_MARK}{os.getpid()}"
    for n in range(100):
        tmp = folder / f"{base}{'-' + str(n) if n else ''}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file next to {target}")


def _remove_stale_temporaries(target: Path) -> None:
    """Temporary files of earlier writes to ``target`` whose process is gone (e.g. SIGKILLed)."""
    prefix = f".{target.name}{TMP_MARK}"
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for p in entries:
        name = p.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix):-len(".tmp")].split("-")[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_in_place(out: Path, text: str, option: str) -> None:
    try:
        fd = os.open(out, os.O_WRONLY)  # no O_CREAT, no O_TRUNC: a FIFO or a device stays what it is
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except BrokenPipeError:
        return  # the reader went away: as for standard output, nothing more to say
    except OSError as exc:
        raise CommandError(f"{option} {out}: cannot write ({exc.strerror or exc})") from None


@contextmanager
def _interrupt_on_terminate() -> Iterator[None]:
    """SIGTERM/SIGHUP raise KeyboardInterrupt while the temporary file exists (main thread only)."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_interrupt(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    old = {s: signal.signal(s, raise_interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
