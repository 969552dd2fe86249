"""Best hedge of a risk unit: per candidate (the unit's perpetuals, one future per listed expiry, spot in use), the size
that minimises the unit's MMR, by a bounded one-dimensional search.

MMR in the hedge size is piecewise smooth (maxima and absolute values of linear and convex pieces), so the search is
a coarse grid over the bounds, vectorised (every size at once through ``rows.unit_variants``), then a few rounds of
finer grids around the best point. The reported size is the best point evaluated; it is never worse than any point
of the coarse grid. Sizes are continuous contracts (not rounded to the lot size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..book import OPTION, build_book, denomination
from ..catalogue import parse_inst_id
from ..errors import InputError
from ..params import GROUPS
from ..pm.prepare import DENOMS, PreparedPM
from ..pm.scenarios import revalue
from ..pm.units import unit_name
from ..portfolio import Portfolio, Position
from .positions import BookScenarios
from .rows import UnitBase, unit_variants

COARSE = 401          # points of the coarse grid over [-bound, bound]
REFINE_ROUNDS = 4
REFINE_POINTS = 41
BOUND_FACTOR = 2.0    # contracts searched: up to BOUND_FACTOR x the unit's gross coin delta, in the candidate's size
_QUOTE_ORDER = ("USDT", "USD", "USDC")


@dataclass(frozen=True)
class Hedge:
    inst_id: str          # instrument, or the coin for spot in use
    size: float           # contracts (or coin for spot in use)
    mmr: float
    is_spot: bool
    bound: float          # the search covered [-bound, bound] contracts ([0, bound] coin for spot in use)

    def to_dict(self) -> dict:
        if self.is_spot:
            return {"instId": self.inst_id, "spotInUse": self.size, "mmr": self.mmr}
        return {"instId": self.inst_id, "pos": self.size, "mmr": self.mmr}


def candidates(prep: PreparedPM, u: int) -> list[str]:
    """The unit's perpetuals and one future per listed expiry (USDT first, then coin-margined, then USDC)."""
    ccy, name = prep.units.ccy[u], prep.units.names[u]
    perps, futures = [], {}
    for inst_id in sorted(prep.market.mark_px):
        if not inst_id.startswith(f"{ccy}-"):
            continue
        try:
            inst = parse_inst_id(inst_id)
        except InputError:
            continue
        if inst.underlying != ccy or unit_name(ccy, inst.quote, prep.rules) != name:
            continue
        if inst.kind == "swap":
            perps.append(inst_id)
        elif inst.kind == "future" and inst.expiry is not None and inst.expiry > prep.market.ts:
            rank = _QUOTE_ORDER.index(inst.quote) if inst.quote in _QUOTE_ORDER else len(_QUOTE_ORDER)
            best = futures.get(inst.expiry)
            if best is None or rank < best[0]:
                futures[inst.expiry] = (rank, inst_id)
    return perps + [futures[e][1] for e in sorted(futures)]


def best_hedges(prep: PreparedPM, sc: BookScenarios, base: UnitBase, spot_cap: float) -> list[Hedge]:
    """Best size and MMR of every candidate of the unit; the spot-in-use candidate when spot can join it."""
    u = base.u
    rows = np.flatnonzero(prep.units.of_position == u)
    gross = float(np.abs(sc.coin[rows]).sum() + spot_cap)
    out: list[Hedge] = []
    ids = candidates(prep, u)
    if ids and gross > 0:
        out += _contract_hedges(prep, sc, base, rows, ids, gross)
    if base.spot_ccy is not None and spot_cap > 0:
        out.append(_spot_hedge(prep, sc, base, spot_cap))
    return out


def _contract_hedges(prep: PreparedPM, sc: BookScenarios, base: UnitBase, rows: np.ndarray, ids: list[str],
                     gross: float) -> list[Hedge]:
    rules = prep.rules
    g = prep.units.group[base.u]
    cbook = build_book(Portfolio(positions=tuple(Position(i, 1.0) for i in ids)), prep.market)
    pnl1 = revalue(cbook, np.full(cbook.n, g), prep.grid, rules)            # per contract
    coin1, cash1 = cbook.coin_delta(), cbook.cash_delta_usd()
    rate = rules.get("mr7.rate", GROUPS[g])
    legs = rules.get("mr4.formula") == "legs"
    annual, minimum = rules.get("mr4.annualMove", GROUPS[g]), rules.get("mr4.minShock", GROUPS[g])
    held = {prep.book.instruments[i].inst_id: i for i in rows.tolist()}
    seconds = np.round(np.maximum(prep.book.t_years, 0.0) * 365.0 * 86400.0).astype(np.int64)
    out = []
    for c, inst_id in enumerate(ids):
        if cbook.kind[c] == OPTION or coin1[c] == 0:
            continue
        bound = BOUND_FACTOR * gross / abs(coin1[c])
        t_c = int(np.round(max(cbook.t_years[c], 0.0) * 365.0 * 86400.0))
        same = rows[seconds[rows] == t_c]
        if legs:
            bucket_cd, shock = 0.0, rules.get("mr4.legShock", GROUPS[g])
        elif same.size:
            b = sc.bucket[same[0]]
            bucket_cd, shock = float(sc.bucket_cd[b]), float(sc.bucket_shock[b])
        else:
            bucket_cd, shock = 0.0, max(annual * cbook.t_years[c], minimum)
        h = held.get(inst_id)
        cash_h = float(prep.pos_cash_delta[h]) if h is not None else 0.0
        denom = DENOMS.index(denomination(cbook.families[cbook.family[c]].quote))

        def mmr_at(x: np.ndarray, c=c, bucket_cd=bucket_cd, shock=shock, cash_h=cash_h, denom=denom) -> np.ndarray:
            k = x.size
            d_cash = np.zeros((k, len(DENOMS)))
            d_cash[:, denom] = x * cash1[c]
            if legs:
                mr4 = base.mr4_deriv - abs(cash_h) * shock + np.abs(cash_h + x * cash1[c]) * shock
            else:
                mr4 = base.mr4_deriv - abs(bucket_cd) * shock + np.abs(bucket_cd + x * cash1[c]) * shock
            mr7 = base.mr7_raw - abs(cash_h) * rate + np.abs(cash_h + x * cash1[c]) * rate
            return unit_variants(prep, base, x[:, None] * pnl1[c][None, :], x * coin1[c], d_cash, mr4, mr7,
                                 np.full(k, base.available)).mmr

        x, m = _minimise(mmr_at, -bound, bound)
        out.append(Hedge(inst_id=inst_id, size=x, mmr=m, is_spot=False, bound=bound))
    return out


def _spot_hedge(prep: PreparedPM, sc: BookScenarios, base: UnitBase, cap: float) -> Hedge:
    def mmr_at(a: np.ndarray) -> np.ndarray:
        k = a.size
        return unit_variants(prep, base, np.zeros((k, base.pnl.size)), np.zeros(k), np.zeros((k, len(DENOMS))),
                             np.full(k, base.mr4_deriv), np.full(k, base.mr7_raw), np.full(k, base.available),
                             forced_amt=a).mmr

    a, m = _minimise(mmr_at, 0.0, cap)
    return Hedge(inst_id=base.spot_ccy or base.ccy, size=a, mmr=m, is_spot=True, bound=cap)


def _minimise(f, lo: float, hi: float) -> tuple[float, float]:
    """Coarse grid over [lo, hi], then REFINE_ROUNDS finer grids around the best point; (argmin, min)."""
    x = np.linspace(lo, hi, COARSE)
    y = f(x)
    j = int(np.argmin(y))
    best_x, best_y = float(x[j]), float(y[j])
    step = (hi - lo) / (COARSE - 1)
    for _ in range(REFINE_ROUNDS):
        a, b = max(lo, best_x - step), min(hi, best_x + step)
        x = np.linspace(a, b, REFINE_POINTS)
        y = f(x)
        j = int(np.argmin(y))
        if y[j] < best_y:
            best_x, best_y = float(x[j]), float(y[j])
        step = (b - a) / (REFINE_POINTS - 1)
    return best_x, best_y
