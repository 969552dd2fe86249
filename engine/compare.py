"""Rule-set transitions: the same book under two rule sets (rules spec 11.1), unit by unit and MR by MR.

Old risk units (``okx-2024-06``: per underlying and margin currency, e.g. ``BTC-USD``, ``BTC-USDT``) are matched to new
ones (``okx-2024-12`` on: one per crypto, ``BTC``) by the unit's crypto. Per crypto, each MR of the old side is the
sum over its units (a unit's MMR is charged separately, so sums are what the account pays), except MR8, which is the
account's borrowing MMR repeated on every unit (taken once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .core import compute
from .errors import InputError
from .market import Market
from .params import load_rule_set
from .portfolio import Portfolio
from .result import MR_KEYS, MarginResult, UnitResult, _num, shock_key

FIGURES = MR_KEYS + ("mmr", "imr", "delta")
MOVED = ("mr1", "mr4", "mr6", "mr7")
TOTALS = (("adjEq", "adj_eq"), ("derivMmr", "deriv_mmr"), ("borrowMmr", "borrow_mmr"), ("totalMmr", "total_mmr"),
          ("totalImr", "total_imr"), ("marginRatio", "margin_ratio"), ("availEq", "avail_eq"), ("liqCost", "liq_cost"))


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else _num(b - a)


def _unit_row(u: UnitResult) -> dict[str, Any]:
    d = {"riskUnit": u.risk_unit, "ccy": u.ccy}
    d.update({k: _num(u.mr[k]) for k in MR_KEYS})
    d.update(mmr=_num(u.mmr), imr=_num(u.imr), delta=_num(u.delta), dominant=u.dominant,
             mr1Moves=[shock_key(s) for s in u.mr1_moves], assumed=list(u.assumed))
    return d


def _per_ccy(result: MarginResult) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[UnitResult]] = defaultdict(list)
    for u in result.units:
        groups[u.ccy].append(u)
    for ccy, units in groups.items():
        figs = {k: float(sum(u.mr[k] for u in units)) for k in MR_KEYS if k != "mr8"}
        figs["mr8"] = max(u.mr["mr8"] for u in units)
        figs["mmr"] = float(sum(u.mmr for u in units))
        figs["imr"] = float(sum(u.imr for u in units))
        figs["delta"] = float(sum(u.delta for u in units))
        moves = sorted({float(s) for u in units for s in u.mr1_moves})
        out[ccy] = {"units": [u.risk_unit for u in units], "figures": figs, "mr1Moves": [shock_key(s) for s in moves],
                    "mr1Range": max(abs(s) for s in moves) if moves else 0.0}
    return out


@dataclass(frozen=True)
class RuleComparison:
    rules_from: str
    rules_to: str
    before: MarginResult
    after: MarginResult

    def crypto_rows(self) -> list[dict[str, Any]]:
        a, b = _per_ccy(self.before), _per_ccy(self.after)
        rows = []
        for ccy in sorted(set(a) | set(b)):
            fa = a.get(ccy, {"units": [], "figures": {k: 0.0 for k in FIGURES}, "mr1Moves": [], "mr1Range": 0.0})
            fb = b.get(ccy, {"units": [], "figures": {k: 0.0 for k in FIGURES}, "mr1Moves": [], "mr1Range": 0.0})
            rows.append({
                "ccy": ccy, "unitsFrom": fa["units"], "unitsTo": fb["units"],
                "merged": len(fa["units"]) > 1 and len(fb["units"]) == 1,
                "split": len(fa["units"]) == 1 and len(fb["units"]) > 1,
                "from": {k: _num(fa["figures"][k]) for k in FIGURES},
                "to": {k: _num(fb["figures"][k]) for k in FIGURES},
                "diff": {k: _diff(fa["figures"][k], fb["figures"][k]) for k in FIGURES},
                "mr1MovesFrom": fa["mr1Moves"], "mr1MovesTo": fb["mr1Moves"],
                "mr1RangeFrom": fa["mr1Range"], "mr1RangeTo": fb["mr1Range"],
            })
        return rows

    def to_dict(self) -> dict[str, Any]:
        rows = self.crypto_rows()
        merges = [{"from": r["unitsFrom"], "to": r["unitsTo"][0], "ccy": r["ccy"]} for r in rows if r["merged"]]
        splits = [{"from": r["unitsFrom"][0], "to": r["unitsTo"], "ccy": r["ccy"]} for r in rows if r["split"]]
        mr9_appeared = [{"ccy": r["ccy"], "riskUnits": r["unitsTo"], "mr9": r["to"]["mr9"]}
                        for r in rows if (r["from"]["mr9"] or 0.0) == 0.0 and (r["to"]["mr9"] or 0.0) > 0.0]
        mr9_gone = [{"ccy": r["ccy"], "riskUnits": r["unitsFrom"], "mr9": r["from"]["mr9"]}
                    for r in rows if (r["from"]["mr9"] or 0.0) > 0.0 and (r["to"]["mr9"] or 0.0) == 0.0]
        moved = {k: [{"ccy": r["ccy"], "from": r["from"][k], "to": r["to"][k], "diff": r["diff"][k]}
                     for r in rows if r["diff"][k] not in (None, 0.0)] for k in MOVED}
        notes = [f"{m['ccy']}: MR9 (stablecoin depeg) appears: {m['mr9']:,.2f} USD" for m in mr9_appeared]
        notes += [f"{m['ccy']}: MR9 disappears (was {m['mr9']:,.2f} USD)" for m in mr9_gone]
        for r in rows:
            if r["mr1RangeFrom"] != r["mr1RangeTo"] and r["unitsFrom"] and r["unitsTo"]:
                notes.append(f"{r['ccy']}: MR1 price grid +/-{r['mr1RangeFrom']:.0%} -> +/-{r['mr1RangeTo']:.0%}")
            for k in MOVED:
                if r["diff"][k]:
                    notes.append(f"{r['ccy']}: {k.upper()} {r['from'][k]:,.2f} -> {r['to'][k]:,.2f} USD")
        totals = {}
        for key, attr in TOTALS:
            x, y = getattr(self.before, attr), getattr(self.after, attr)
            totals[key] = {"from": _num(x), "to": _num(y), "diff": _diff(x, y)}
        return {
            "rulesFrom": self.rules_from, "rulesTo": self.rules_to, "acctLv": self.before.acct_lv,
            "totals": totals,
            "cryptos": rows,
            "unitsFrom": [_unit_row(u) for u in self.before.units],
            "unitsTo": [_unit_row(u) for u in self.after.units],
            "merges": merges, "splits": splits,
            "mr9Appeared": mr9_appeared, "mr9Disappeared": mr9_gone,
            "moved": moved, "notes": notes,
            "from": self.before.to_dict(), "to": self.after.to_dict(),
        }


def compare_rules(portfolio: Portfolio, market: Market, rules_from: str, rules_to: str,
                  mode: str = "pm") -> RuleComparison:
    """The portfolio in ``mode`` (default portfolio margin: rule sets differ there) under two rule sets."""
    if not isinstance(portfolio, Portfolio) or not isinstance(market, Market):
        raise InputError("compare: expected an engine Portfolio and Market (use load_portfolio / load_market)")
    ra, rb = load_rule_set(rules_from), load_rule_set(rules_to)
    before = compute(portfolio, market, mode=mode, rules=ra, liq_shock=False)
    after = compute(portfolio, market, mode=mode, rules=rb, liq_shock=False)
    return RuleComparison(rules_from=ra.id, rules_to=rb.id, before=before, after=after)
