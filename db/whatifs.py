"""Named what-ifs saved with a portfolio (issue 15 item 1): one JSON list of scenario documents per portfolio, in
the ``meta`` table under ``whatifs:<portfolio name>``.

The key carries the portfolio's name, so the store moves, copies or drops the list in the same transaction as it
renames, duplicates or deletes the portfolio (``follow_rename``, ``copy``, ``forget``): saved what-ifs never stay
behind under an old name, nor reappear under a new portfolio that happens to take a deleted one's name."""

from __future__ import annotations

import json
from typing import Any

PREFIX = "whatifs:"


def key(portfolio: str) -> str:
    return PREFIX + portfolio


def load(conn: Any, portfolio: str) -> list[dict[str, Any]]:
    """The saved scenario documents of ``portfolio`` ([] when none, or when the stored text is not a JSON list)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [key(portfolio)]).fetchone()
    if row is None or not row[0]:
        return []
    try:
        docs = json.loads(row[0])
    except ValueError:
        return []
    return [d for d in docs if isinstance(d, dict)] if isinstance(docs, list) else []


def store_list(conn: Any, portfolio: str, docs: list[dict[str, Any]]) -> None:
    """Replace the list (an empty list removes the key). The caller holds the transaction."""
    if docs:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key(portfolio), json.dumps(docs)])
    else:
        forget(conn, portfolio)


def follow_rename(conn: Any, old: str, new: str) -> None:
    forget(conn, new)
    conn.execute("UPDATE meta SET key = ? WHERE key = ?", [key(new), key(old)])


def copy(conn: Any, source: str, target: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) SELECT ?, value FROM meta WHERE key = ?",
                 [key(target), key(source)])


def forget(conn: Any, portfolio: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", [key(portfolio)])


__all__ = ["PREFIX", "copy", "follow_rename", "forget", "key", "load", "store_list"]
