"""A portfolio checked against a market snapshot before anything is computed or stored, with errors that name
both files: an expired contract, a currency or underlying without an index, an option without a volatility."""

from __future__ import annotations

from ..catalogue import parse_inst_id
from ..errors import InputError
from ..market import Market, format_ts
from ..portfolio import Portfolio


def check_against_market(portfolio: Portfolio, market: Market, portfolio_label: str = "portfolio",
                         market_label: str = "market") -> None:
    """InputError for the first position or balance the snapshot cannot value (formats.md sections 1 and 2)."""
    index = market.index
    for i, p in enumerate(portfolio.positions):
        where = f"{portfolio_label}: simPos[{i}].instId {p.inst_id}"
        inst = parse_inst_id(p.inst_id)
        if inst.expiry is not None and inst.expiry <= market.ts:
            raise InputError(f"{where}: expired at {format_ts(inst.expiry)}, at or before the market time "
                             f"{format_ts(market.ts)} of {market_label}")
        for ccy in (inst.underlying, inst.quote):
            if ccy != "USD" and f"{ccy}-USD" not in index:
                raise InputError(f"{market_label}: index: no {ccy}-USD price (needed by {where})")
        if inst.kind == "option" and p.inst_id not in market.mark_vol and inst.underlying not in market.atm_vol:
            raise InputError(f"{market_label}: markVol: no {p.inst_id} and atmVol has no {inst.underlying} "
                             f"(needed by {where})")
    for i, a in enumerate(portfolio.assets):
        if a.ccy != "USD" and f"{a.ccy}-USD" not in index:
            raise InputError(f"{market_label}: index: no {a.ccy}-USD price (needed by {portfolio_label}: "
                             f"simAsset[{i}] {a.ccy})")
