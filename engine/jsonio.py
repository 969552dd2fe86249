"""Reading a JSON document from a path or an already parsed dict, with errors that name the file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_FILE_BYTES = 200 * 1024 * 1024


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


def read_text_file(source: str | os.PathLike) -> tuple[str, str]:
    """(UTF-8 text, label) of a file; InputError names the file and the problem."""
    path = Path(source)
    label = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{label}: file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{label}: not UTF-8 text") from None
    if "\x00" in text:
        raise InputError(f"{label}: binary data (NUL bytes), not a text file")
    return text, label


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
