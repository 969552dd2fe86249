"""Names of portfolios and market snapshots: what the store accepts (and says about what it refuses)."""

from __future__ import annotations

from typing import Any

from engine.syntax import shorten

from .errors import StoreError

MAX_NAME_CHARS = 200


def check_name(name: Any, what: str = "portfolio") -> str:
    """The name itself, or StoreError: names are non-empty Unicode text (no lone surrogates, which SQLite cannot
    store) of at most MAX_NAME_CHARS characters, without leading or trailing spaces."""
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"{what} name: expected a non-empty string, got {shorten(name)}")
    if len(name) > MAX_NAME_CHARS:
        raise StoreError(f"{what} name {shorten(name)}: longer than {MAX_NAME_CHARS} characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreError(f"{what} name {shorten(name)}: not valid Unicode text (a lone surrogate)") from None
    if name != name.strip():
        raise StoreError(f"{what} name {name!r}: leading or trailing spaces")
    return name
