"""Before / after figures of an account-mode switch: per position, per risk unit, per currency, and the notes that
say in plain words what happens to spot in use, long options and isolated positions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .modes import MODE_NAMES
from .result import MarginResult, _num


def _unit_of(pm: MarginResult) -> dict[str, str]:
    """instId -> PM risk unit."""
    return {p.inst_id: u.risk_unit for u in pm.units for p in u.positions if p.inst_type != "SPOT"}


def _position_side(mode: str, result: MarginResult, inst_id: str, unit: str) -> dict[str, Any]:
    if mode == "pm":
        u = next((x for x in result.units if x.risk_unit == unit), None)
        return {"riskUnit": unit, "unitMmr": _num(u.mmr) if u else None, "unitImr": _num(u.imr) if u else None}
    if mode == "spot":
        return {"mgnMode": None, "note": "not allowed in spot mode: the position must be closed"}
    p = next((x for x in result.positions if x.inst_id == inst_id), None)
    if p is None:
        return {}
    side = {"imr": _num(p.imr), "mmr": _num(p.mmr), "lever": _num(p.lever), "tier": p.tier,
            "mgnMode": getattr(p, "margin_mode", "cross")}
    if mode == "futures":
        side.update(settleCcy=p.settle_ccy, imrCcy=_num(p.imr_ccy), mmrCcy=_num(p.mmr_ccy))
    return side


def _unit_totals(mode: str, result: MarginResult, unit_of: dict[str, str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(lambda: {"imr": 0.0, "mmr": 0.0})
    if mode == "pm":
        for u in result.units:
            out[u.risk_unit] = {"imr": u.imr, "mmr": u.mmr}
    elif mode != "spot":
        for p in result.positions:
            agg = out[unit_of.get(p.inst_id, p.inst_id.split("-")[0])]
            agg["imr"] += p.imr or 0.0
            agg["mmr"] += p.mmr or 0.0
    return out


def diffs(portfolio, src: str, to: str, before: MarginResult, after: MarginResult,
          pm: MarginResult) -> tuple[list, list, list]:
    """(unit_diff, position_diff, currency_diff); bf = the current mode, aft = the target."""
    unit_of = _unit_of(pm)
    reference = after if after.positions else before
    rows = reference.positions if reference.positions else pm.positions
    position_diff = []
    for p in (rows or ()):
        unit = unit_of.get(p.inst_id, p.inst_id.split("-")[0])
        position_diff.append({"instId": p.inst_id, "instType": p.inst_type, "pos": _num(p.pos),
                              "notionalUsd": _num(p.notional_usd), "riskUnit": unit, "delta": _num(p.delta),
                              "bf": _position_side(src, before, p.inst_id, unit),
                              "aft": _position_side(to, after, p.inst_id, unit)})
    if not position_diff:       # spot <-> spot, or a book without positions
        position_diff = [{"instId": q.inst_id, "pos": _num(q.pos), "bf": {}, "aft": {}}
                         for q in portfolio.positions]
    bf_u, aft_u = _unit_totals(src, before, unit_of), _unit_totals(to, after, unit_of)
    names = [u.risk_unit for u in pm.units] + sorted((set(bf_u) | set(aft_u)) - {u.risk_unit for u in pm.units})
    unit_diff = []
    for name in names:
        b, a = bf_u.get(name, {"imr": 0.0, "mmr": 0.0}), aft_u.get(name, {"imr": 0.0, "mmr": 0.0})
        unit_diff.append({"riskUnit": name, "bf": {"mmr": _num(b["mmr"]), "imr": _num(b["imr"])},
                          "aft": {"mmr": _num(a["mmr"]), "imr": _num(a["imr"])},
                          "mmrDiff": _num(a["mmr"] - b["mmr"]), "imrDiff": _num(a["imr"] - b["imr"])})
    unit_diff.append({"riskUnit": "(borrowing)", "bf": {"mmr": _num(before.borrow_mmr)},
                      "aft": {"mmr": _num(after.borrow_mmr)}, "mmrDiff": _num(after.borrow_mmr - before.borrow_mmr)})
    return unit_diff, position_diff, currency_diff(before, after)


def _currency_side(result: MarginResult) -> dict[str, dict[str, Any]]:
    if result.acct_lv == "2":
        keys = ("eq", "crossEq", "isoEq", "availEq", "imr", "mmr", "mgnRatio", "eqUsd")
        return {d["ccy"]: {k: d.get(k) for k in keys} for d in result.extra.get("details", [])}
    return {a.ccy: {"eq": _num(a.eq), "eqUsd": _num(a.eq_usd), "disEq": _num(a.dis_eq),
                    "spotInUse": _num(a.spot_in_use), "borrowMmr": _num(a.borrow_mmr)} for a in result.assets}


def currency_diff(before: MarginResult, after: MarginResult) -> list[dict[str, Any]]:
    """Per currency, the figures each mode has for it (futures mode: per-currency margin; others: equity)."""
    b, a = _currency_side(before), _currency_side(after)
    return [{"ccy": c, "bf": b.get(c, {}), "aft": a.get(c, {})} for c in list(dict.fromkeys([*b, *a]))]


def mgn(result: MarginResult) -> dict[str, Any]:
    """OKX's mgnBf / mgnAft: acctAvailEq and mgnRatio (USD), details[] {ccy, availEq, mgnRatio} in futures mode."""
    details = [{"ccy": d["ccy"], "availEq": d["availEq"], "mgnRatio": d["mgnRatio"]}
               for d in result.extra.get("details", [])] if result.acct_lv == "2" else []
    return {"acctAvailEq": _num(result.avail_eq), "mgnRatio": _num(result.margin_ratio), "adjEq": _num(result.adj_eq),
            "totalMmr": _num(result.total_mmr), "totalImr": _num(result.total_imr), "details": details}


def notes(portfolio, src: str, to: str, before: MarginResult, after: MarginResult, params) -> list[str]:
    """What the switch does to spot in use, long options, isolated positions and collateral, in plain words."""
    out: list[str] = []
    target = MODE_NAMES[to] + (" mode" if to in ("spot", "futures") else "")
    if src == to:
        out.append(f"the account is already in {target}; nothing to switch")
    if src == "pm" and to != "pm":
        for u in before.units:
            if u.spot_in_use > 0:
                out.append(f"spot in use: {u.spot_in_use:,.6g} {u.ccy} offsets the {u.risk_unit} derivatives in "
                           f"portfolio margin; in {target} it is only collateral and offsets nothing")
    if to == "pm" and src != "pm":
        for u in after.units:
            if u.spot_in_use > 0:
                out.append(f"spot in use: in portfolio margin {u.spot_in_use:,.6g} {u.ccy} of the balance joins "
                           f"the {u.risk_unit} risk unit as a delta-one hedge (max {u.max_spot_in_use:,.6g})")
    long_value = float(after.extra.get("isolatedOptionValue") or 0.0)
    if to in ("futures", "mc") and long_value > 0:
        out.append(f"long options are bought outright in {target}: premium paid, no margin, and their value "
                   f"({long_value:,.2f} USD) does not count as collateral")
    if to == "futures":
        out.append("spot and futures mode: each currency margins only the positions settled in it (no other "
                   "currency's collateral, no borrowing, no discount); see the per-currency figures")
    isolated = [p.inst_id for p in portfolio.positions if p.mgn_mode == "isolated" and p.pos != 0]
    if isolated and to in ("mc", "pm"):
        out.append(f"isolated positions ({', '.join(isolated)}) are margined as cross in the {target} projection")
    if isolated and to == "futures" and not params.get("switch.isolatedBlocks"):
        out.append(f"isolated positions keep their own margin: {', '.join(isolated)}")
    if to == "spot":
        out.append("spot mode: balances only; no derivatives, no borrowing, nothing needs margin")
    return out
