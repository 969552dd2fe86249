"""Reading a JSON document from a path or an already parsed dict, with errors that name the file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_FILE_BYTES = 200 * 1024 * 1024  # the largest input file read (a 1M-position book is about 70 MiB of JSON)


def read_json_object(source: str | os.PathLike | dict, what: str) -> tuple[dict, str]:
    """(document, label) where label names the file (or ``what`` for an in-memory dict)."""
    if isinstance(source, dict):
        return source, what
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"{what}: expected a path or a dict, got {type(source).__name__}")
    text, label = read_text_file(source)
    doc = parse_json_text(text, label)
    if not isinstance(doc, dict):
        raise InputError(f"{label}: expected a JSON object at the top level, got {type(doc).__name__}")
    return doc, label


def read_text_file(source: str | os.PathLike, limit: int | None = None) -> tuple[str, str]:
    """(UTF-8 text, label) of a file; InputError names the file and the problem.

    The one reader of input files: it refuses anything that is not a regular file (a FIFO would block forever,
    ``/dev/zero`` or ``/dev/urandom`` never end, a directory is no text) and a file over ``limit`` bytes
    (default MAX_FILE_BYTES), and never reads more than the limit, even from a file that grows while it is read.
    """
    path = Path(source)
    label = str(path)
    limit = MAX_FILE_BYTES if limit is None else limit
    raw = _read_bounded(path, label, limit)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{label}: not UTF-8 text") from None
    if "\x00" in text:
        raise InputError(f"{label}: binary data (NUL bytes), not a text file")
    return text, label


def _read_bounded(path: Path, label: str, limit: int) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of blocking; the kind is checked next
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{label}: {_kind(st.st_mode)}, not a regular file; give a file")
        if st.st_size > limit:
            raise InputError(f"{label}: file is larger than the limit of {_size(limit)} ({_size(st.st_size)})")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(f"{label}: file is larger than the limit of {_size(limit)} (it grew while read)")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    return "is not a regular file"


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"


def parse_json_text(text: str, label: str) -> Any:
    """Any JSON value; NaN/Infinity, duplicate keys and absurd numbers are InputErrors naming ``label``."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except InputError as exc:  # NaN / Infinity: say where, e.g. "book.json: simPos[0].pos: JSON constant NaN ..."
        where = _constant_path(text) if "JSON constant" in str(exc) else ""
        raise InputError(f"{label}: {where + ': ' if where else ''}{exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{label}: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal with more than 4300 digits
        raise InputError(f"{label}: malformed JSON: {exc}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    doc: dict = {}
    for key, value in pairs:
        if key in doc:
            raise InputError(f"key {key!r} appears twice in one object")
        doc[key] = value
    return doc


def _reject_constant(name: str) -> Any:
    raise InputError(f"JSON constant {name} is not allowed (numbers must be finite)")


class _Constant:
    def __init__(self, name: str) -> None:
        self.name = name


def _constant_path(text: str) -> str:
    """The field path (e.g. ``simPos[0].pos``) of a NaN/Infinity constant in a JSON text (shallowest first), or ''."""
    try:
        doc = json.loads(text, parse_constant=_Constant)
    except (json.JSONDecodeError, RecursionError):
        return ""
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, path = stack.pop(0)
        if isinstance(node, _Constant):
            return path
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
    return ""
