"""Simulated account-mode switch (rules spec 5, 11.14): OKX's precheck between portfolio margin and multi-currency.

``switch_mode(portfolio, market, to)`` computes the account in its current mode (the portfolio's ``acctLv``) and in the
target mode, then runs the precheck in OKX's order and returns the first failing ``sCode`` (strings, like OKX):

* ``"1"`` unmatched information. Our portfolio format has no isolated positions, hedge-mode positions or pending
  orders, so those ``unmatchedInfoCheck`` types cannot occur; they are checked only if such data ever appear on the
  portfolio (attributes ``orders`` / ``isolated`` / ``pos_side``). The PM eligibility minimum (adjusted equity >=
  rules ``pmMinAdjEq``, 10,000 USD) is reported as OKX does: ``unmatchedInfoCheck`` type ``asset_validation`` with
  ``totalAsset`` -> sCode 1.
* ``"3"`` leverage not preset: PM -> MC with cross SWAP / FUTURES positions needs a leverage for every such family in
  the portfolio's ``lever`` (OKX's account-level-switch-preset). The target result is still computed, at the default
  leverage, so the GUI can show it.
* ``"4"`` position-tier or margin check: a family's contracts above the tier's maxSz at the preset leverage (maxSz of
  the last tier whose maxLever >= lever), or projected mgnRatio <= ``switch.minMarginRatio`` (tier table, default 1),
  or projected acctAvailEq < ``switch.minAvailEq`` (default 0).
* ``"0"`` pass.

Every failed check is listed in ``reasons`` (all of them, not only the first code's) with the position or family,
the rule and the number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .core import compute
from .book import build_book
from .catalogue import parse_inst_id
from .errors import InputError
from .market import Market
from .params import load_rule_set
from .portfolio import Portfolio
from .result import MarginResult, _num

MODES = {"pm": "4", "mc": "3"}
MODE_NAMES = {"pm": "portfolio margin", "mc": "multi-currency margin"}


@dataclass(frozen=True)
class Check:
    code: str                 # "1" | "3" | "4"
    type: str                 # OKX-like check type
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"sCode": self.code, "type": self.type, "reason": self.reason, **self.detail}


@dataclass(frozen=True)
class SwitchResult:
    from_mode: str
    to_mode: str
    s_code: str
    checks: tuple[Check, ...]
    before: MarginResult
    after: MarginResult
    unit_diff: tuple[dict[str, Any], ...]
    position_diff: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        def mgn(r: MarginResult) -> dict[str, Any]:
            return {"acctAvailEq": _num(r.avail_eq), "mgnRatio": _num(r.margin_ratio), "adjEq": _num(r.adj_eq),
                    "totalMmr": _num(r.total_mmr), "totalImr": _num(r.total_imr)}

        return {
            "sCode": self.s_code,
            "reasons": list(self.reasons),
            "fromMode": self.from_mode, "toMode": self.to_mode,
            "acctLvFrom": MODES[self.from_mode], "acctLv": MODES[self.to_mode],
            "mgnBf": mgn(self.before), "mgnAft": mgn(self.after),
            "checks": [c.to_dict() for c in self.checks],
            "unmatchedInfoCheck": [dict(type=c.type, **c.detail) for c in self.checks if c.code == "1"],
            "posTierCheck": [c.detail for c in self.checks if c.type == "pos_tier"],
            "unitDiff": list(self.unit_diff),
            "positionDiff": list(self.position_diff),
            "notes": list(self.notes),
            "from": self.before.to_dict(),
            "to": self.after.to_dict(),
        }


def _mode_of(portfolio: Portfolio) -> str:
    return "mc" if portfolio.acct_lv == "3" else "pm"


def _unmatched_info(portfolio: Portfolio) -> list[Check]:
    """Isolated / hedge-mode positions and pending orders: absent from the portfolio format (formats.md §1)."""
    out = []
    for attr, typ, what in (("orders", "pending_orders", "pending orders"),
                            ("isolated", "isolated_contract", "isolated positions"),
                            ("pos_side", "contract_long_short", "hedge-mode (long/short) positions")):
        value = getattr(portfolio, attr, None)
        if value:
            out.append(Check("1", typ, f"unmatched information: the portfolio has {what}; OKX requires none before "
                                       f"switching ({typ})"))
    return out


def _tier_checks(portfolio: Portfolio, market: Market, after: MarginResult, tiers) -> list[Check]:
    """A family above its tier's maxSz at the leverage it will have (rules spec 5 posTierCheck)."""
    from .mc.margin import family_totals
    book = build_book(portfolio, market)
    totals = family_totals(book, tiers)
    levers = portfolio.lever_map()
    default = float(tiers.get("defaults.lever"))
    out = []
    for (fam, typ), total in sorted(totals.items()):
        if typ == "OPTION":
            lever = None
            max_sz = tiers.max_size_at(fam, typ, 1.0)
            rule = "largest option tier"
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


def _unit_of(result: MarginResult) -> dict[str, str]:
    """instId -> PM risk unit."""
    return {p.inst_id: u.risk_unit for u in result.units for p in u.positions if p.inst_type != "SPOT"}


def _diffs(portfolio: Portfolio, pm: MarginResult, mc: MarginResult, pm_first: bool) -> tuple[list, list]:
    """Per risk unit and per position, the figures in both modes (bf = current mode, aft = target)."""
    unit_of = _unit_of(pm)
    mc_by_unit: dict[str, dict[str, float]] = defaultdict(lambda: {"imr": 0.0, "mmr": 0.0, "notionalUsd": 0.0})
    position_diff = []
    for p in mc.positions:
        unit = unit_of.get(p.inst_id, p.inst_id.split("-")[0])
        agg = mc_by_unit[unit]
        agg["imr"] += p.imr or 0.0
        agg["mmr"] += p.mmr or 0.0
        agg["notionalUsd"] += p.notional_usd
        mc_side = {"imr": _num(p.imr), "mmr": _num(p.mmr), "lever": _num(p.lever), "tier": p.tier,
                   "mgnMode": getattr(p, "margin_mode", "cross")}
        pm_u = next((u for u in pm.units if u.risk_unit == unit), None)
        pm_side = {"riskUnit": unit, "unitMmr": _num(pm_u.mmr) if pm_u else None,
                   "unitImr": _num(pm_u.imr) if pm_u else None, "delta": _num(p.delta)}
        bf, aft = (pm_side, mc_side) if pm_first else (mc_side, pm_side)
        position_diff.append({"instId": p.inst_id, "instType": p.inst_type, "pos": _num(p.pos),
                              "notionalUsd": _num(p.notional_usd), "riskUnit": unit, "bf": bf, "aft": aft})
    unit_diff = []
    names = [u.risk_unit for u in pm.units] + sorted(set(mc_by_unit) - {u.risk_unit for u in pm.units})
    for name in names:
        pm_u = next((u for u in pm.units if u.risk_unit == name), None)
        pm_side = {"mmr": _num(pm_u.mmr) if pm_u else 0.0, "imr": _num(pm_u.imr) if pm_u else 0.0}
        m = mc_by_unit.get(name, {"imr": 0.0, "mmr": 0.0})
        mc_side = {"mmr": _num(m["mmr"]), "imr": _num(m["imr"])}
        bf, aft = (pm_side, mc_side) if pm_first else (mc_side, pm_side)
        unit_diff.append({"riskUnit": name, "bf": bf, "aft": aft,
                          "mmrDiff": _num(aft["mmr"] - bf["mmr"]), "imrDiff": _num(aft["imr"] - bf["imr"])})
    bf_r, aft_r = (pm, mc) if pm_first else (mc, pm)
    unit_diff.append({"riskUnit": "(borrowing)", "bf": {"mmr": _num(bf_r.borrow_mmr)},
                      "aft": {"mmr": _num(aft_r.borrow_mmr)}, "mmrDiff": _num(aft_r.borrow_mmr - bf_r.borrow_mmr)})
    return unit_diff, position_diff


def switch_mode(portfolio: Portfolio, market: Market, to: str) -> SwitchResult:
    """Simulate OKX's precheck for switching ``portfolio`` to ``to`` ("pm" or "mc")."""
    from .modes import parse_mode
    to = parse_mode(to, "to")
    if to not in MODES:
        raise InputError(f"to: switching to {to} mode is not simulated yet (pm or mc)")
    if not isinstance(portfolio, Portfolio) or not isinstance(market, Market):
        raise InputError("switch: expected an engine Portfolio and Market (use load_portfolio / load_market)")
    from .mc.tiers import load_tier_table
    src = _mode_of(portfolio)
    rules = load_rule_set(portfolio.rules)
    tiers = load_tier_table(None, at=market.ts)
    before = compute(portfolio, market, mode=src, rules=rules, liq_shock=False)
    after = compute(portfolio, market, mode=to, rules=rules, liq_shock=False)
    notes: list[str] = []
    checks: list[Check] = []
    if src == to:
        notes.append(f"the account is already in {MODE_NAMES[to]} mode (acctLv {MODES[to]}); nothing to switch")
    checks += _unmatched_info(portfolio)
    notes.append("isolated, hedge-mode and pending-order checks (sCode 1) cannot fail: the portfolio format has none")
    if to == "pm":
        minimum = rules.get("pmMinAdjEq")
        if after.adj_eq < minimum:
            checks.append(Check("1", "asset_validation",
                                f"asset validation: adjusted equity {after.adj_eq:,.2f} USD is below the portfolio-"
                                f"margin minimum of {minimum:,.0f} USD (rules {rules.id} pmMinAdjEq)",
                                {"totalAsset": after.adj_eq, "minAsset": minimum}))
    if to == "mc" and src == "pm":
        derivs = sorted({parse_inst_id(p.inst_id).family for p in portfolio.positions
                         if parse_inst_id(p.inst_id).kind != "option" and p.pos != 0})
        levers = portfolio.lever_map()
        missing = [f for f in derivs if f not in levers]
        if missing:
            checks.append(Check("3", "lever_preset",
                                f"leverage not preset for {', '.join(missing)}: switching from portfolio margin to "
                                f"multi-currency margin with cross derivative positions needs a leverage per family "
                                f"(portfolio 'lever'); the projection uses the default "
                                f"{tiers.get('defaults.lever'):g}x",
                                {"instFamilies": missing}))
    if to == "mc":
        checks += _tier_checks(portfolio, market, after, tiers)
    threshold = float(tiers.get("switch.minMarginRatio"))
    if after.margin_ratio is not None and after.margin_ratio <= threshold:
        checks.append(Check("4", "margin_ratio",
                            f"margin check: projected margin ratio {after.margin_ratio:,.4f} in {MODE_NAMES[to]} is at "
                            f"or below {threshold:g} (adjEq {after.adj_eq:,.2f} / (totalMmr {after.total_mmr:,.2f} + "
                            f"liqCost {after.liq_cost:,.2f}))",
                            {"mgnRatio": after.margin_ratio, "threshold": threshold}))
    min_avail = float(tiers.get("switch.minAvailEq"))
    if after.avail_eq < min_avail:
        checks.append(Check("4", "avail_eq",
                            f"margin check: projected available equity {after.avail_eq:,.2f} USD in {MODE_NAMES[to]} "
                            f"is below {min_avail:,.2f} (adjEq {after.adj_eq:,.2f} - totalImr {after.total_imr:,.2f})",
                            {"acctAvailEq": after.avail_eq, "threshold": min_avail}))
    order = {"1": 0, "3": 1, "4": 2}
    checks.sort(key=lambda c: order[c.code])
    code = checks[0].code if checks else "0"
    pm, mc = (before, after) if src == "pm" else (after, before)
    if pm.acct_lv != "4":   # src == to == "mc": compute the PM side for the diff only
        pm = compute(portfolio, market, mode="pm", rules=rules, liq_shock=False)
    if mc.acct_lv != "3":
        mc = compute(portfolio, market, mode="mc", rules=rules, liq_shock=False)
    unit_diff, position_diff = _diffs(portfolio, pm, mc, pm_first=(src == "pm"))
    return SwitchResult(from_mode=src, to_mode=to, s_code=code, checks=tuple(checks), before=before, after=after,
                        unit_diff=tuple(unit_diff), position_diff=tuple(position_diff), notes=tuple(notes))
