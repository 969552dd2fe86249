"""One risk unit's MMR for many variants at once (leave-one-out, hedge sizes): the formulas of ``pm.evaluate``
vectorised over a leading axis of k variants, each given as a change to the unit's prepared figures.

A variant is the unit plus deltas: scenario P&L (k, 34), derivative coin delta (k,), cash delta by denomination
(k, 3), MR4 of the derivative buckets (k,), raw MR7 (k,), coin available for spot in use (k,), and optionally a
forced spot-in-use amount (k,; nan = the usual rule: the user's amount clamped into [0, max], else the max).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import GROUPS, RuleSet
from ..pm.prepare import DENOMS, PreparedPM
from ..pm.scenarios import MR1, MR2, MR2_REF, MR3, MR5, MR6


def piecewise_rows(amount: np.ndarray, bounds: list[float], rates: list[float]) -> np.ndarray:
    """``pm.factors.piecewise`` over an array of amounts: sum over tiers of the portion in tier k x rate_k."""
    edges = np.concatenate([[0.0], np.asarray(bounds, dtype=float)[: len(rates) - 1], [np.inf]])
    lo, hi = edges[:-1], edges[1:]
    portion = np.clip(amount[:, None] - lo[None, :], 0.0, (hi - lo)[None, :])
    return portion @ np.asarray(rates, dtype=float)


def mr7_rows(raw: np.ndarray, tiers: list[list]) -> np.ndarray:
    bounds = [row[1] if row[1] is not None else float("inf") for row in tiers]
    return piecewise_rows(raw, bounds[:-1], [row[2] for row in tiers])


def mr9_rows(cash: np.ndarray, pair_index: dict[tuple[str, str], float], rules: RuleSet) -> tuple[np.ndarray, np.ndarray]:
    """MR9 per variant and the charge of each pair (k, n_pairs) (``pm.factors.mr9``, vectorised)."""
    from ..pm.factors import mr9_factor

    pairs = rules.get("mr9.pairs")
    charges = np.zeros((cash.shape[0], len(pairs)))
    if not rules.get("mr9.enabled"):
        return charges.sum(axis=1), charges
    cd = cash.copy()
    bounds = list(rules.get("mr9.tierBounds"))
    n_tiers = len(rules.get("mr9.tierFloors"))
    for p, (a, b) in enumerate(pairs):
        ia, ib = DENOMS.index(a), DENOMS.index(b)
        ca, cb = cd[:, ia], cd[:, ib]
        hedge = np.where(ca * cb < 0, np.minimum(np.abs(ca), np.abs(cb)), 0.0)
        cd[:, ia] = ca - np.sign(ca) * hedge
        cd[:, ib] = cb - np.sign(cb) * hedge
        depeg = abs(1.0 - pair_index[(a, b)])
        charges[:, p] = piecewise_rows(hedge, bounds, [mr9_factor(depeg, k, rules) for k in range(n_tiers)])
    return charges.sum(axis=1), charges


def pair_index_of(prep: PreparedPM) -> dict[tuple[str, str], float]:
    idx = prep.market.index
    return {("USDT", "USD"): idx.get("USDT-USD", 1.0), ("USDC", "USD"): idx.get("USDC-USD", 1.0),
            ("USDT", "USDC"): idx.get("USDT-USD", 1.0) / idx.get("USDC-USD", 1.0)}


@dataclass(frozen=True)
class UnitBase:
    """The prepared figures of one unit that variants change."""

    u: int
    ccy: str
    spot_ccy: str | None        # the crypto whose spot in use joins this unit (None: none can)
    spot_px: float
    moves: np.ndarray           # (34,) index move per scenario column of the unit's group
    pnl: np.ndarray             # (34,) derivative P&L
    coin_delta: float
    cash: np.ndarray            # (3,) derivative cash delta by denomination
    mr4_deriv: float
    mr7_raw: float
    available: float            # coin available for spot in use
    user_amount: float | None   # the user's spot-in-use amount, None = automatic


def unit_base(prep: PreparedPM, u: int, spot_in_use: dict[str, float | None] | None = None) -> UnitBase:
    units = prep.units
    spot_ccy = next((c for c, uu in units.spot_unit.items() if uu == u), None)
    user = dict(prep.portfolio.spot_in_use_amounts())
    if spot_in_use:
        user.update(spot_in_use)
    return UnitBase(u=u, ccy=units.ccy[u], spot_ccy=spot_ccy, spot_px=float(prep.unit_spot[u]),
                    moves=prep.grid.moves[units.group[u]], pnl=prep.unit_pnl[u], coin_delta=float(prep.unit_coin_delta[u]),
                    cash=prep.unit_cash[u].copy(), mr4_deriv=float(prep.mr4_deriv[u]), mr7_raw=float(prep.mr7_raw[u]),
                    available=prep.equity.available_spot(spot_ccy) if spot_ccy else 0.0,
                    user_amount=None if spot_ccy is None or user.get(spot_ccy) is None else float(user[spot_ccy]))


@dataclass(frozen=True)
class Variants:
    mmr: np.ndarray             # (k,)
    mr: dict[str, np.ndarray]   # mr1..mr7, mr9 per variant
    spot_amt: np.ndarray        # (k,) spot in use of each variant


def unit_variants(prep: PreparedPM, base: UnitBase, d_pnl: np.ndarray, d_coin: np.ndarray, d_cash: np.ndarray,
                  mr4_deriv: np.ndarray, mr7_raw: np.ndarray, available: np.ndarray,
                  forced_amt: np.ndarray | None = None) -> Variants:
    """MMR of k variants of the unit (same formulas as ``pm.evaluate.evaluate_pm``, broadcast over k)."""
    rules = prep.rules
    g = GROUPS[prep.units.group[base.u]]
    coin = base.coin_delta + d_coin
    if base.spot_ccy is None:
        cap = np.zeros_like(coin)
    else:
        cap = np.where(coin < 0, np.minimum(np.maximum(available, 0.0), -coin), 0.0)
    amt = cap if base.user_amount is None else np.minimum(max(0.0, base.user_amount), cap)
    if forced_amt is not None:
        amt = np.where(np.isnan(forced_amt), amt, forced_amt)
    spot_usd = amt * base.spot_px
    pnl = base.pnl[None, :] + d_pnl + spot_usd[:, None] * base.moves[None, :]
    mr = {"mr1": np.maximum(0.0, -pnl[:, MR1].min(axis=1)),
          "mr2": np.maximum(0.0, -(pnl[:, MR2] - pnl[:, MR2_REF]).min(axis=1)),
          "mr3": np.maximum(0.0, -pnl[:, MR3].min(axis=1)),
          "mr5": np.maximum(0.0, -pnl[:, MR5].min(axis=1)),
          "mr6": rules.get("mr6.lossFraction") * np.maximum(0.0, -pnl[:, MR6].min(axis=1))}
    cash = base.cash[None, :] + d_cash
    cash[:, DENOMS.index("USD")] += spot_usd
    legs = rules.get("mr4.formula") == "legs"
    spot_shock = rules.get("mr4.legShock", g) if legs else rules.get("mr4.minShock", g)
    mr["mr4"] = mr4_deriv + np.abs(spot_usd * spot_shock)
    mr["mr7"] = mr7_rows(mr7_raw, rules.get("mr7.multiplierTiers", g))
    if rules.get("riskUnits") == "crypto":
        mr["mr9"] = mr9_rows(cash, pair_index_of(prep), rules)[0]
    else:
        mr["mr9"] = np.zeros_like(coin)
    risk = np.maximum(np.maximum(mr["mr1"], mr["mr2"]), mr["mr6"]) + mr["mr3"] + mr["mr4"] + mr["mr5"] + mr["mr9"]
    return Variants(mmr=np.maximum(risk, mr["mr7"]), mr=mr, spot_amt=amt)
