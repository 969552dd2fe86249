"""The checks of OKX's account-mode switch precheck (rules spec 5, 11.14) for any of the twelve switches.

Each check returns ``Check`` objects: the OKX ``sCode`` it raises, OKX's check type, a reason in plain words that
names every position or currency in full, and the figures behind it. ``engine.switch`` orders them (1, 3, 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .book import build_book
from .catalogue import parse_inst_id
from .market import Market
from .modes import ACCT_LV, MODE_NAMES
from .portfolio import Portfolio
from .result import MarginResult

S_CODE_ORDER = {"1": 0, "3": 1, "4": 2}


@dataclass(frozen=True)
class Check:
    code: str                 # "1" | "3" | "4"
    type: str                 # OKX's check type (unmatchedInfoCheck type, pos_tier, margin_ratio, ...)
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"sCode": self.code, "type": self.type, "reason": self.reason, **self.detail}


def _named(positions) -> str:
    return ", ".join(f"{p.inst_id} (pos {p.pos:,.10g})" for p in positions)


def unmatched_info(portfolio: Portfolio, src: str, to: str, after: MarginResult, rules, params) -> list[Check]:
    """sCode 1: what must be closed, repaid or moved before the switch (OKX unmatchedInfoCheck)."""
    out: list[Check] = []
    held = [p for p in portfolio.positions if p.pos != 0]
    borrowed = [a for a in portfolio.assets if a.amt < 0]
    target = f"{MODE_NAMES[to]} mode (acctLv {ACCT_LV[to]})"
    if to == "spot" and held:
        out.append(Check("1", "all_positions",
                         f"all positions: {target} holds no derivatives; close these {len(held)} first: {_named(held)}",
                         {"posList": [p.inst_id for p in held]}))
    if to in ("spot", "futures") and borrowed:
        names = ", ".join(f"{a.ccy} {a.amt:,.10g}" for a in borrowed)
        out.append(Check("1", "repay_borrowings",
                         f"borrowings: {target} cannot borrow; repay the negative balances first: {names}",
                         {"ccyList": [a.ccy for a in borrowed]}))
    isolated = [p for p in held if p.mgn_mode == "isolated"]
    if isolated and to != "spot" and params.get("switch.isolatedBlocks"):
        out.append(Check("1", "isolated_contract",
                         f"isolated positions: OKX refuses the switch while isolated contract positions hold "
                         f"transferred margin; close them or move them to cross first: {_named(isolated)} "
                         f"({params.tag('switch.isolatedBlocks')}, assumed)",
                         {"posList": [p.inst_id for p in isolated]}))
    long_opts = [p for p in held if parse_inst_id(p.inst_id).kind == "option" and p.pos > 0]
    if long_opts and src == "pm" and to in ("futures", "mc") and params.get("switch.crossOptionBuyerBlocks"):
        out.append(Check("1", "cross_option_buyer",
                         f"cross option buyer: long options are cross in portfolio margin; close them first: "
                         f"{_named(long_opts)}", {"posList": [p.inst_id for p in long_opts]}))
    if to == "pm":
        minimum = rules.get("pmMinAdjEq")
        if after.adj_eq < minimum:
            out.append(Check("1", "asset_validation",
                             f"asset validation: adjusted equity {after.adj_eq:,.2f} USD is below the portfolio-"
                             f"margin minimum of {minimum:,.0f} USD (rules {rules.id} pmMinAdjEq)",
                             {"totalAsset": after.adj_eq, "minAsset": minimum}))
    return out


def lever_preset(portfolio: Portfolio, src: str, to: str, tiers) -> list[Check]:
    """sCode 3: from portfolio margin to futures / multi-currency, every cross SWAP/FUTURES family needs a leverage."""
    if src != "pm" or to not in ("futures", "mc"):
        return []
    derivs = sorted({parse_inst_id(p.inst_id).family for p in portfolio.positions
                     if parse_inst_id(p.inst_id).kind != "option" and p.pos != 0 and p.mgn_mode == "cross"})
    missing = [f for f in derivs if f not in portfolio.lever_map()]
    if not missing:
        return []
    return [Check("3", "lever_preset",
                  f"leverage not preset for {', '.join(missing)}: switching from portfolio margin to "
                  f"{MODE_NAMES[to]} mode with cross derivative positions needs a leverage per family (portfolio "
                  f"'lever', OKX account-level-switch-preset); the projection uses the default "
                  f"{tiers.get('defaults.lever'):g}x", {"instFamilies": missing})]


def tier_checks(portfolio: Portfolio, market: Market, to: str, tiers) -> list[Check]:
    """sCode 4: a family above its tier's maxSz at the leverage it will have (targets futures and multi-currency)."""
    if to not in ("futures", "mc"):
        return []
    from .mc.margin import family_totals
    totals = family_totals(build_book(portfolio, market), tiers)
    levers = portfolio.lever_map()
    default = float(tiers.get("defaults.lever"))
    out = []
    for (fam, typ), total in sorted(totals.items()):
        if typ == "OPTION":
            lever, max_sz, rule = None, tiers.max_size_at(fam, typ, 1.0), "largest option tier"
        else:
            lever = levers.get(fam, default)
            max_sz = tiers.max_size_at(fam, typ, lever)
            rule = f"maxSz of the last tier with maxLever >= {lever:g}x"
        if total > max_sz:
            out.append(Check("4", "pos_tier",
                             f"position tier: {fam} {typ} holds {total:,.10g} contracts (sum of |pos|), above the "
                             f"{rule}: {max_sz:,.10g} ({tiers.id})",
                             {"instFamily": fam, "instType": typ, "pos": total, "lever": lever, "maxSz": max_sz}))
    return out


def margin_checks(to: str, after: MarginResult, tiers) -> list[Check]:
    """sCode 4: projected margin ratio at or below the threshold, or available equity below it (per currency in
    futures mode, account level in multi-currency and portfolio margin; spot mode needs no margin)."""
    threshold = float(tiers.get("switch.minMarginRatio"))
    min_avail = float(tiers.get("switch.minAvailEq"))
    name = MODE_NAMES[to]
    out = []
    if to == "futures":
        for d in after.extra.get("details", []):
            ratio, avail = d.get("mgnRatio"), d.get("availEq")
            if ratio is not None and ratio <= threshold:
                out.append(Check("4", "margin_ratio",
                                 f"margin check: {d['ccy']} margin ratio {ratio:,.4f} in {name} mode is at or below "
                                 f"{threshold:g} ({d['ccy']} equity {d['crossEq']:,.8g} / MMR {d['mmr']:,.8g}): each "
                                 f"currency margins its own positions",
                                 {"ccy": d["ccy"], "mgnRatio": ratio, "threshold": threshold}))
            if avail is not None and avail * d.get("pxUsd", 1.0) < min_avail:
                out.append(Check("4", "avail_eq",
                                 f"margin check: {d['ccy']} available equity {avail:,.8g} {d['ccy']} in {name} mode "
                                 f"is below {min_avail:,.2f} USD (equity {d['crossEq']:,.8g} - IMR {d['imr']:,.8g})",
                                 {"ccy": d["ccy"], "availEq": avail, "threshold": min_avail}))
        return out
    if to == "spot":
        return out
    if after.margin_ratio is not None and after.margin_ratio <= threshold:
        out.append(Check("4", "margin_ratio",
                         f"margin check: projected margin ratio {after.margin_ratio:,.4f} in {name} is at or below "
                         f"{threshold:g} (adjEq {after.adj_eq:,.2f} / (totalMmr {after.total_mmr:,.2f} + liqCost "
                         f"{after.liq_cost:,.2f}))", {"mgnRatio": after.margin_ratio, "threshold": threshold}))
    if after.avail_eq < min_avail:
        out.append(Check("4", "avail_eq",
                         f"margin check: projected available equity {after.avail_eq:,.2f} USD in {name} is below "
                         f"{min_avail:,.2f} (adjEq {after.adj_eq:,.2f} - totalImr {after.total_imr:,.2f})",
                         {"acctAvailEq": after.avail_eq, "threshold": min_avail}))
    return out
