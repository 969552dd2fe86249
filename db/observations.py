"""Stored observations (table ``observations``, schema v6): OKX's position-builder answer for a book, with the
request and the market snapshot taken in the same minute. Functions over an open ``Store``; documents in and out
are the observation objects of formats.md section 6."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .store import Store


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def save_observation(store: Store, book: str, observation: dict[str, Any], *, demo: bool = False) -> int:
    """Store one observation (its ``request``, ``response``, ``market`` object, optional ``graph``); returns its id."""
    graph = observation.get("graph") or {}
    with store.transaction():
        cur = store.db.execute(
            "INSERT INTO observations (book, taken_at, demo, rules, request, response, market, graph_request, "
            "graph_response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [book, observation["takenAt"], int(demo), observation.get("rules"), json.dumps(observation["request"]),
             json.dumps(observation["response"]), json.dumps(observation["market"]),
             json.dumps(graph["request"]) if graph else None, json.dumps(graph["response"]) if graph else None,
             _now()])
        return int(cur.lastrowid)


def list_observations(store: Store, book: str | None = None) -> list[dict[str, Any]]:
    """Every stored observation (optionally of one book), oldest first, as formats.md §6 objects with ``id``/``book``."""
    sql = ("SELECT id, book, taken_at, demo, rules, request, response, market, graph_request, graph_response "
           "FROM observations")
    args: list[Any] = []
    if book is not None:
        sql += " WHERE book = ?"
        args.append(book)
    out = []
    for row in store.db.execute(sql + " ORDER BY taken_at, id", args).fetchall():
        oid, name, taken, demo, rules, req, resp, market, greq, gresp = row
        doc: dict[str, Any] = {"id": oid, "book": name, "takenAt": taken, "demo": bool(demo),
                               "request": json.loads(req), "response": json.loads(resp), "market": json.loads(market)}
        if rules:
            doc["rules"] = rules
        if greq is not None:
            doc["graph"] = {"request": json.loads(greq), "response": json.loads(gresp)}
        out.append(doc)
    return out
