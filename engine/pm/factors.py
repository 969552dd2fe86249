"""Risk factors computed from the scenario P&L of a unit: MR1..MR9 and the MR7/MR9 piecewise tables."""

from __future__ import annotations

import numpy as np

from ..params import RuleSet
from .scenarios import MR1, MR2, MR2_REF, MR3, MR5, MR6, N_MOVES

VOL_SHORT = ("down", "same", "up")


def piecewise(amount: float, bounds: list[float], rates: list[float]) -> float:
    """Sum over tiers of (portion of amount in tier k) x rate_k; bounds are the tiers' upper edges."""
    total, lo = 0.0, 0.0
    for k, rate in enumerate(rates):
        hi = bounds[k] if k < len(bounds) else float("inf")
        if amount <= lo:
            break
        total += (min(amount, hi) - lo) * rate
        lo = hi
    return total


def mr7_adjusted(raw: float, tiers: list[list]) -> float:
    """Adjusted minimum charge: raw scaled by the piecewise multiplier tiers (rules spec 2.12, S17)."""
    bounds = [row[1] if row[1] is not None else float("inf") for row in tiers]
    return piecewise(raw, bounds[:-1], [row[2] for row in tiers])


def mr1_worst(pnl: np.ndarray, moves: np.ndarray) -> tuple[float, float, str]:
    """(pnl, spot shock, vol state) of the MR1 scenario with the largest loss.

    Ties go to vol state "up", then "same", then "down", then to the larger absolute move, then the down move
    (rules spec 11.3).
    """
    grid = pnl.reshape(3, N_MOVES)
    loss = -grid
    worst = loss.max()
    tol = 1e-9 * max(1.0, abs(worst))
    best = None
    for state in (2, 1, 0):
        for j in sorted(range(N_MOVES), key=lambda j: (-abs(moves[j]), moves[j])):
            if loss[state, j] >= worst - tol:
                best = (state, j)
                break
        if best:
            break
    state, j = best
    return float(grid[state, j]), float(moves[j]), VOL_SHORT[state]


def scenario_factors(pnl: np.ndarray, rules: RuleSet) -> dict[str, float]:
    """MR1, MR2, MR3, MR5 and the un-scaled MR6 loss from one unit's 34 scenario P&L values."""
    return {
        "mr1": max(0.0, float(-pnl[MR1].min())),
        "mr2": max(0.0, float(-(pnl[MR2] - pnl[MR2_REF]).min())),
        "mr3": max(0.0, float(-pnl[MR3].min())),
        "mr5": max(0.0, float(-pnl[MR5].min())),
        "mr6": rules.get("mr6.lossFraction") * max(0.0, float(-pnl[MR6].min())),
    }


def mr9_factor(depeg: float, tier: int, rules: RuleSet) -> float:
    """Factor of hedge-size tier ``tier`` at a pair index ``depeg`` = |1 - index| away from par (spec 11.11)."""
    floor = rules.get("mr9.tierFloors")[tier]
    band, cap_d, cap = rules.get("mr9.floorBand"), rules.get("mr9.capDepeg"), rules.get("mr9.capFactor")
    if depeg < band:
        return floor
    frac = min(1.0, (depeg - band) / max(cap_d - band, 1e-12))
    return floor + (max(cap, floor) - floor) * frac


def mr9(cash_by_denom: dict[str, float], pair_index: dict[tuple[str, str], float], rules: RuleSet) -> tuple[float, bool]:
    """Stablecoin depeg charge of a unit and whether the depeg went beyond the floor band."""
    if not rules.get("mr9.enabled"):
        return 0.0, False
    cd = dict(cash_by_denom)
    bounds = list(rules.get("mr9.tierBounds"))
    n_tiers = len(rules.get("mr9.tierFloors"))
    total = 0.0
    beyond = False
    for a, b in rules.get("mr9.pairs"):
        ca, cb = cd.get(a, 0.0), cd.get(b, 0.0)
        if ca * cb >= 0:
            continue
        hedge = min(abs(ca), abs(cb))
        cd[a] = ca - np.sign(ca) * hedge
        cd[b] = cb - np.sign(cb) * hedge
        depeg = abs(1.0 - pair_index[(a, b)])
        beyond |= depeg >= rules.get("mr9.floorBand")
        total += piecewise(hedge, bounds, [mr9_factor(depeg, k, rules) for k in range(n_tiers)])
    return total, beyond
