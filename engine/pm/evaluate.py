"""The cheap half of portfolio margin: spot in use, MR1..MR9 per unit, account totals -> MarginResult."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Mapping

import numpy as np

from ..account import borrowing, discounted, liquidation_cost, margin_ratio
from ..book import INST_TYPE
from ..params import GROUPS
from ..result import AssetResult, MarginResult, PositionResult, ScenarioOutcome, UnitResult
from .assumed import unit_assumptions
from .factors import mr1_worst, mr7_adjusted, mr9, scenario_factors
from .prepare import DENOMS, PreparedPM
from .scenarios import MR1, MR6


class PositionRows(Sequence):
    """Per-position results of one unit, built only when someone reads them (keeps the drag path cheap)."""

    def __init__(self, prep: PreparedPM, rows: np.ndarray, unit: str, spot_row: PositionResult | None):
        self._prep, self._rows, self._unit, self._spot = prep, rows, unit, spot_row
        self._cache: list[PositionResult] | None = None

    def _build(self) -> list[PositionResult]:
        if self._cache is None:
            p, b = self._prep, self._prep.book
            out = []
            for i in self._rows:
                inst = b.instruments[i]
                mark = b.mark[i] / b.spot[i] if inst.kind == "option" else b.mark[i]
                out.append(PositionResult(
                    inst_id=inst.inst_id, inst_type=INST_TYPE[inst.kind], pos=float(b.pos[i]),
                    avg_px=None if np.isnan(b.avg_px[i]) else float(b.avg_px[i]), mark_px=float(mark),
                    notional_usd=float(p.pos_notional[i]), delta=float(p.pos_delta[i]), gamma=float(p.pos_gamma[i]),
                    vega=float(p.pos_vega[i]), theta=float(p.pos_theta[i]), float_pnl=float(p.pos_float_pnl[i]),
                    risk_unit=self._unit, cash_delta=float(p.pos_cash_delta[i])))
            if self._spot is not None:
                out.append(self._spot)
            self._cache = out
        return self._cache

    def __getitem__(self, i):
        return self._build()[i]

    def __len__(self) -> int:
        return len(self._rows) + (self._spot is not None)


def spot_in_use_limits(prep: PreparedPM) -> dict[str, tuple[int, float]]:
    """crypto -> (unit index, maximum spot in use in coin): min(available, |D|) when D < 0 (rules spec 11.12).

    ``D`` is the unit's derivative delta in coin (slope of the scenario value over S_usd: linear exactly
    contracts x ctVal x ctMult); ``available`` is the coin held, capped by the coin's total equity, floored at 0
    (``Equity.available_spot``): an option's coin value does not move like a coin holding, and a coin whose
    total equity is negative has no spot to lend to the hedge.
    """
    out = {}
    for ccy, u in prep.units.spot_unit.items():
        d = prep.unit_coin_delta[u]
        out[ccy] = (u, min(prep.equity.available_spot(ccy), -d) if d < 0 else 0.0)
    return out


def evaluate_pm(prep: PreparedPM, spot_in_use: Mapping[str, float | None] | None = None) -> MarginResult:
    """Margin of a prepared book; ``spot_in_use`` overrides the portfolio's user amounts (None = automatic)."""
    rules, units = prep.rules, prep.units
    user = dict(prep.portfolio.spot_in_use_amounts())
    if spot_in_use is not None:
        user.update(spot_in_use)
    limits = spot_in_use_limits(prep)
    n_u = len(units.names)
    spot_amt = np.zeros(n_u)
    spot_by_ccy: dict[str, tuple[float, float]] = {}
    for ccy, (u, cap) in limits.items():
        want = user.get(ccy)
        amt = cap if want is None else min(max(0.0, float(want)), cap)
        spot_amt[u] += amt
        spot_by_ccy[ccy] = (amt, cap)

    equity = prep.equity
    borrow_imr, borrow_mmr = borrowing(equity, rules)
    mr8 = float(borrow_mmr.sum())
    idx = prep.market.index
    pair_index = {("USDT", "USD"): idx.get("USDT-USD", 1.0), ("USDC", "USD"): idx.get("USDC-USD", 1.0),
                  ("USDT", "USDC"): idx.get("USDT-USD", 1.0) / idx.get("USDC-USD", 1.0)}
    imr_mult = rules.get("imrMultiplier")
    order = np.argsort(units.of_position, kind="stable")
    bounds = np.searchsorted(units.of_position[order], np.arange(n_u + 1))
    unit_results = []
    for u, name in enumerate(units.names):
        g = GROUPS[units.group[u]]
        spot_usd = spot_amt[u] * prep.unit_spot[u]
        pnl = prep.unit_pnl[u] + spot_usd * prep.grid.moves[units.group[u]]
        mr = scenario_factors(pnl, rules)
        cash = dict(zip(DENOMS, prep.unit_cash[u]))
        cash["USD"] += spot_usd
        mr4_spot = spot_usd * (rules.get("mr4.legShock", g) if rules.get("mr4.formula") == "legs" else rules.get("mr4.minShock", g))
        mr["mr4"] = float(prep.mr4_deriv[u] + abs(mr4_spot))
        mr["mr7"] = mr7_adjusted(float(prep.mr7_raw[u]), rules.get("mr7.multiplierTiers", g))
        mr["mr8"] = mr8
        mr["mr9"], depeg_beyond = mr9(cash, pair_index, rules) if rules.get("riskUnits") == "crypto" else (0.0, False)
        risk_sum = max(mr["mr1"], mr["mr2"], mr["mr6"]) + mr["mr3"] + mr["mr4"] + mr["mr5"] + mr["mr9"]
        mmr = max(risk_sum, mr["mr7"])
        dominant = "mr7" if mr["mr7"] > risk_sum else max(("mr1", "mr2", "mr6"), key=lambda k: mr[k])
        mr1_moves = prep.grid.mr1_moves[units.group[u]].copy()     # the grid is shared and read-only
        worst = mr1_worst(pnl[MR1], mr1_moves)
        mr6_moves = prep.grid.mr6_moves[units.group[u]].copy()
        mr6_pnl = pnl[MR6]
        j6 = int(np.argmin(mr6_pnl)) if mr6_pnl.min() < mr6_pnl.max() else 1
        assumed = unit_assumptions(prep, u, mr, worst[2], dominant, depeg_beyond)
        ccy = units.ccy[u]
        spot_row = None
        if spot_amt[u] > 0:
            spot_row = PositionResult(inst_id=ccy, inst_type="SPOT", pos=float(spot_amt[u]), avg_px=None,
                                      mark_px=float(prep.unit_spot[u]), notional_usd=float(spot_usd), delta=float(spot_usd),
                                      gamma=0.0, vega=0.0, theta=0.0, float_pnl=0.0, risk_unit=name,
                                      cash_delta=float(spot_usd))
        rows = order[bounds[u]:bounds[u + 1]]
        greeks = prep.unit_greeks[u]
        unit_results.append(UnitResult(
            risk_unit=name, ccy=ccy, delta=float(greeks[0] + spot_usd), gamma=float(greeks[1]), vega=float(greeks[2]),
            theta=float(greeks[3]), upl=float(prep.unit_upl[u]), mr=mr, mmr=mmr, imr=imr_mult * mmr,
            mr1_moves=mr1_moves, mr1_pnl=pnl[MR1].reshape(3, -1).copy(), mr1_final=ScenarioOutcome(*worst),
            mr6_moves=mr6_moves, mr6_pnl=mr6_pnl.copy(), mr6_final=ScenarioOutcome(float(mr6_pnl[j6]), float(mr6_moves[j6])),
            spot_in_use=float(spot_amt[u]), max_spot_in_use=float(next((c for cc, (uu, c) in limits.items() if uu == u), 0.0)),
            assumed=tuple(sorted(assumed)), assumed_params={k: tuple(v) for k, v in sorted(assumed.items())},
            positions=PositionRows(prep, rows, name, spot_row), dominant=dominant,
            cash_delta=float(prep.unit_cash_total[u] + spot_usd)))

    deriv_mmr = float(sum(r.mmr for r in unit_results))
    dis = discounted(equity, prep.discounts)
    adj_eq = float(dis.sum())
    total_mmr = deriv_mmr + mr8
    total_imr = float(sum(r.imr for r in unit_results) + borrow_imr.sum())
    liq = liquidation_cost(equity, mr8, rules)
    assets = tuple(AssetResult(ccy=c, eq=float(equity.eq[j]), eq_usd=float(equity.eq_usd[j]), dis_eq=float(dis[j]),
                               spot_in_use=spot_by_ccy.get(c, (0.0, 0.0))[0], max_spot_in_use=spot_by_ccy.get(c, (0.0, 0.0))[1],
                               borrow_imr=float(borrow_imr[j]), borrow_mmr=float(borrow_mmr[j]))
                   for j, c in enumerate(equity.ccys))
    return MarginResult(acct_lv="4", rules=rules.id, ts=prep.market.ts, eq=float(equity.eq_usd.sum()), adj_eq=adj_eq,
                        upl=float(prep.pos_float_pnl.sum()), total_imr=total_imr, total_mmr=total_mmr,
                        deriv_mmr=deriv_mmr, borrow_mmr=mr8, liq_cost=liq,
                        margin_ratio=margin_ratio(adj_eq, total_mmr, liq), assets=assets, units=tuple(unit_results),
                        positions=(), warnings=prep.book.warnings, avail_eq=adj_eq - total_imr)
