"""Pure conversions between engine objects and database rows; the caller's objects are never modified."""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

from engine.market import Market, market_from_dict, market_to_dict, parse_ts
from engine.portfolio import Asset, Portfolio, Position


def lever_to_json(lever: Iterable[tuple[str, float]]) -> str:
    return json.dumps({fam: value for fam, value in lever}, allow_nan=False)  # keeps the caller's order


def lever_from_json(text: str | None) -> tuple[tuple[str, float], ...]:
    doc = json.loads(text or "{}")
    return tuple((str(fam), float(value)) for fam, value in doc.items())


def asset_rows(portfolio_id: int, assets: Sequence[Asset]) -> list[dict[str, Any]]:
    return [{"portfolio_id": portfolio_id, "seq": i, "ccy": a.ccy, "amt": float(a.amt)} for i, a in enumerate(assets)]


def position_rows(portfolio_id: int, positions: Sequence[Position]) -> list[dict[str, Any]]:
    return [{"portfolio_id": portfolio_id, "seq": i, "inst_id": p.inst_id, "pos": float(p.pos),
             "avg_px": None if p.avg_px is None else float(p.avg_px), "mgn_mode": p.mgn_mode,
             "margin": None if p.margin is None else float(p.margin)} for i, p in enumerate(positions)]


def assets_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[Asset, ...]:
    """Rows of (ccy, amt) in seq order."""
    return tuple(Asset(ccy, float(amt)) for ccy, amt in rows)


def positions_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[Position, ...]:
    """Rows of (inst_id, pos, avg_px, mgn_mode, margin) in seq order."""
    return tuple(Position(inst_id, float(pos), None if avg is None else float(avg), mgn or "cross",
                          None if margin is None else float(margin)) for inst_id, pos, avg, mgn, margin in rows)


def portfolio_from_rows(header: dict[str, Any], assets: tuple[Asset, ...], positions: tuple[Position, ...],
                        spot: tuple[Asset, ...]) -> Portfolio:
    data_ts = header.get("data_ts")
    return Portfolio(name=header["name"], acct_lv=header["acct_lv"], rules=header["rules"], assets=assets,
                     positions=positions, spot_in_use=spot, lever=lever_from_json(header["lever"]),
                     ts=None if data_ts is None else parse_ts(data_ts, "portfolios.data_ts"))


def market_to_json(market: Market) -> str:
    return json.dumps(market_to_dict(market), sort_keys=True, allow_nan=False)


def market_from_json(text: str, name: str) -> Market:
    return market_from_dict(json.loads(text), label=f"market {name!r}")
