"""Why a switch changes the equity, in words and figures: the switch dialog showed an adjusted-equity drop of 112,063
USD from portfolio margin to multi-currency without saying that the long options' value (115,702 USD) stops
counting as collateral there, nor that the BTC discount takes the difference."""

from __future__ import annotations

from typing import Any, Mapping

from workstation.models.columns import finite_or_none, fmt_amount, fmt_money

MIN_USD = 0.5            # changes smaller than this are not explained (they print as 0 or 1)


_f = finite_or_none


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + fmt_money(x)


def _options(side: Mapping) -> dict[str, Mapping]:
    return {str(o.get("instId")): o for o in side.get("isolatedOptions") or ()}


def _coin_equity(side: Mapping) -> dict[str, float]:
    out = {}
    for a in side.get("assets") or ():
        v = _f(a.get("eq"))
        if v is not None:
            out[str(a.get("ccy"))] = v
    return out


def equity_lines(before: Mapping, after: Mapping) -> list[str]:
    """Plain lines explaining the equity and adjusted-equity change between two results (formats.md section 3
    dicts; ``isolatedOptions`` lists the long options a mode keeps out of collateral). Empty when nothing moved."""
    eq_b, eq_a = _f(before.get("eq")), _f(after.get("eq"))
    adj_b, adj_a = _f(before.get("adjEq")), _f(after.get("adjEq"))
    if None in (eq_b, eq_a, adj_b, adj_a):
        return []
    d_eq, d_adj = eq_a - eq_b, adj_a - adj_b
    if abs(d_eq) < MIN_USD and abs(d_adj) < MIN_USD:
        return []
    lines = [f"Equity {_signed(d_eq)} USD, adjusted equity {_signed(d_adj)} USD:"]
    ob, oa = _options(before), _options(after)
    leaving = [o for k, o in oa.items() if k not in ob]
    joining = [o for k, o in ob.items() if k not in oa]
    explained = 0.0
    if leaving:
        total = sum(_f(o.get("valueUsd")) or 0.0 for o in leaving)
        explained -= total
        lines.append(f"\u2022 long options stop counting as collateral (bought outright: premium paid, no margin), "
                     f"{fmt_money(total)} USD in all:")
        lines += [f"    {o.get('instId')}: {fmt_money(_f(o.get('valueUsd')) or 0.0)} USD ({o.get('ccy')})"
                  for o in leaving]
    if joining:
        total = sum(_f(o.get("valueUsd")) or 0.0 for o in joining)
        explained += total
        lines.append(f"\u2022 long options count as collateral again, {fmt_money(total)} USD in all:")
        lines += [f"    {o.get('instId')}: {fmt_money(_f(o.get('valueUsd')) or 0.0)} USD ({o.get('ccy')})"
                  for o in joining]
    rest = d_eq - explained
    if abs(rest) >= MIN_USD:
        lines.append(f"\u2022 other equity changes: {_signed(rest)} USD")
    cb, ca = _coin_equity(before), _coin_equity(after)
    moved = [(c, cb.get(c, 0.0), ca.get(c, 0.0)) for c in dict.fromkeys([*cb, *ca])
             if abs(ca.get(c, 0.0) - cb.get(c, 0.0)) > 1e-12 * max(1.0, abs(cb.get(c, 0.0)))]
    for c, b, a in moved:
        lines.append(f"\u2022 {c} equity {fmt_amount(round(b, 8))} \u2192 {fmt_amount(round(a, 8))} {c} "
                     f"({'+' if a > b else ''}{fmt_amount(round(a - b, 8))} {c})")
    if abs(d_adj - d_eq) >= MIN_USD:          # adjusted equity = equity less each currency's collateral discount
        lines.append(f"\u2022 collateral discounts (equity \u2212 adjusted equity): {fmt_money(eq_b - adj_b)} USD "
                     f"before, {fmt_money(eq_a - adj_a)} USD after")
    return lines
