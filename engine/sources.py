"""Where a result's contract specifications, position tiers and collateral tiers came from (result ``sources``)."""

from __future__ import annotations

from typing import Any

from .catalogue import catalogue
from .market import Market, format_ts
from .portfolio import Portfolio


def _snapshot_label(market: Market) -> str:
    when = market.fetched_at or market.ts
    return f"snapshot ({market.source or 'file'}) of {format_ts(when)}"


def result_sources(portfolio: Portfolio, market: Market, acct_lv: str) -> dict[str, Any]:
    """``{"market", "instruments", "discountTiers"[, "positionTiers"]}``: each a short phrase, e.g.
    ``"snapshot (okx) of 2026-11-27T14:03:11.250Z"`` or ``"shipped table of 2025-02-06"``."""
    shipped = f"shipped table of {catalogue().get('asOf', 'unknown date')}"
    ids = [p.inst_id for p in portfolio.positions]
    n_snap = sum(1 for i in ids if i in market.instruments)
    if not ids or n_snap == 0:
        instruments = shipped if ids else "no positions"
    elif n_snap == len(ids):
        instruments = _snapshot_label(market)
    else:
        instruments = f"{_snapshot_label(market)} for {n_snap} of {len(ids)} instruments, the rest {shipped}"
    from .collateral import load_discount_table
    ccys = {a.ccy for a in portfolio.assets}
    discount = (_snapshot_label(market) if ccys & set(market.discount_tiers)
                else f"shipped table {load_discount_table().id}")
    out: dict[str, Any] = {
        "market": {"source": market.source or "file", "ts": format_ts(market.ts),
                   "fetchedAt": None if market.fetched_at is None else format_ts(market.fetched_at)},
        "instruments": instruments,
        "discountTiers": discount,
    }
    if acct_lv == "3":
        fams = {"-".join(i.split("-")[:2]) for i in ids}
        from .mc.tiers import load_tier_table
        out["positionTiers"] = (_snapshot_label(market) if fams & set(market.position_tiers)
                                else f"shipped table {load_tier_table(None, at=market.ts).id}")
    return out


def stale_market_warning(portfolio: Portfolio, market: Market, how: str = "riskws market fetch") -> str | None:
    """One plain sentence when the market snapshot is older than the book's data (e.g. this morning's OKX positions
    valued on last week's snapshot, or on the bundled demo market); None otherwise or when the book's time is
    unknown. ``how`` says how to get a fresh snapshot (the command line's or the window's way)."""
    if portfolio.ts is None or market.ts >= portfolio.ts:
        return None
    days = (portfolio.ts - market.ts).total_seconds() / 86400.0
    gap = f"{days:.0f} days" if days >= 2 else f"{days * 24:.1f} h"
    kind = "the SYNTHETIC demo market" if market.source == "synthetic" else "the market snapshot"
    return (f"{kind} of {market.ts:%Y-%m-%d %H:%M} UTC is {gap} older than the book's data "
            f"({portfolio.ts:%Y-%m-%d %H:%M} UTC): not today's prices; fetch a fresh one ({how})")
