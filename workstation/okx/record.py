"""Record what OKX's position builder answers for a book: the signed ``POST /api/v5/account/position-builder``
(and optionally ``-graph``) with ``inclRealPosAndEq=false``, beside a market snapshot of the same minute, as one
observation (formats.md section 6). Nothing here stores anything; the command stores all books or none."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from engine.catalogue import parse_inst_id
from engine.errors import InputError
from engine.market import Market, format_ts, market_to_dict
from engine.portfolio import Portfolio, portfolio_to_dict

from .client import OkxClient

BUILDER_PATH = "/api/v5/account/position-builder"
GRAPH_PATH = "/api/v5/account/position-builder-graph"
SAME_MINUTE_S = 60.0


def builder_request(portfolio: Portfolio) -> dict[str, Any]:
    """The position-builder body for a book: only what the book holds (``inclRealPosAndEq`` false), cash greeks."""
    doc = portfolio_to_dict(portfolio)
    acct = portfolio.acct_lv if portfolio.acct_lv in ("3", "4") else "4"
    body: dict[str, Any] = {"acctLv": acct, "inclRealPosAndEq": False, "greeksType": "CASH",
                            "simPos": doc["simPos"], "simAsset": doc["simAsset"]}
    if acct == "3" and portfolio.lever:
        lever = dict(portfolio.lever)
        for row in body["simPos"]:
            fam = parse_inst_id(row["instId"]).family
            if fam in lever:
                row["lever"] = f"{lever[fam]:g}"
    return body


def graph_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The position-builder-graph body for the same book (MMR across index moves)."""
    levers = [float(p["lever"]) for p in request["simPos"] if "lever" in p]
    config: dict[str, Any] = {"acctLv": request["acctLv"]}
    if request["acctLv"] == "3":
        config["lever"] = f"{max(levers) if levers else 1:g}"
    return {"inclRealPosAndEq": False, "simPos": request["simPos"], "simAsset": request["simAsset"], "type": "mmr",
            "mmrConfig": config}


def _answer_time(data: list, fallback: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(data[0].get("ts"))) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, AttributeError, IndexError, OverflowError, OSError):
        return fallback


def record_book(client: OkxClient, auth: Callable[[str, str, str], Mapping[str, str]], portfolio: Portfolio,
                market: Callable[[], Market], *, graph: bool = False, rules: str | None = None,
                label: str = "book") -> dict[str, Any]:
    """One observation for ``portfolio``; ``market()`` gives the snapshot (fetched now, or the one the user took).

    The answer must be a position-builder result for this very book and the snapshot must be of the same minute,
    else InputError (nothing is stored by the caller).
    """
    from engine.reconcile import observation_from_dict
    from engine.reconcile.compare import check_same_book

    request = builder_request(portfolio)
    snapshot = market()
    sent = datetime.now(timezone.utc)
    data = client.request("POST", BUILDER_PATH, body=request, auth=auth)
    answered = _answer_time(data, sent)
    if abs((snapshot.ts - answered).total_seconds()) > SAME_MINUTE_S:
        raise InputError(f"{label}: market snapshot of {format_ts(snapshot.ts)} is not of the same minute as OKX's "
                         f"answer ({format_ts(answered)}); take a fresh snapshot")
    obs: dict[str, Any] = {"request": request, "response": {"code": "0", "msg": "", "data": data},
                           "market": market_to_dict(snapshot), "takenAt": format_ts(answered)}
    if rules:
        obs["rules"] = rules
    answer = observation_from_dict(obs, f"{label}: OKX answer")
    check_same_book(answer, portfolio, label)
    if graph:
        body = graph_request(request)
        obs["graph"] = {"request": body,
                        "response": {"code": "0", "msg": "", "data": client.request("POST", GRAPH_PATH, body=body,
                                                                                   auth=auth)}}
    return obs
