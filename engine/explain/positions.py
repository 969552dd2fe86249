"""Per-position figures of a risk unit: P&L in the unit's MR1 and MR6 scenarios, shares of MR4, MR7 and MR9
(adding up to the unit's figures), and the unit's MMR if the position were closed (vectorised leave-one-out).

Shares (docs/ENGINE.md, "Explain"):
- MR4: each bucket's charge |CD_b| x shock_b split over its positions in proportion to their signed cash delta
  (a position against the bucket's net gets a negative share); the spot bucket goes to the spot row.
- MR7: the adjusted charge split in proportion to each position's raw charge rate x |cash delta|.
- MR9: each stablecoin pair's charge split half to each side, within a side in proportion to the signed cash delta
  of that denomination (spot in use counts as USD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..book import OPTION, denomination
from ..params import GROUPS
from ..pm.prepare import DENOMS, PreparedPM, mr4_buckets
from ..pm.scenarios import MR6, N_MOVES, revalue
from ..result import UnitResult
from .rows import UnitBase, mr9_rows, pair_index_of, unit_base, unit_variants

VOL_ROW = {"down": 0, "same": 1, "up": 2}


@dataclass(frozen=True)
class PositionFigures:
    """Per row of the unit (its positions in book order, then the spot in use when there is one)."""

    inst_ids: tuple[str, ...]
    pos: np.ndarray
    spot_row: bool              # the last row is the unit's spot in use (pos = coin amount)
    mr1_pnl: np.ndarray
    mr6_pnl: np.ndarray
    mr4: np.ndarray
    mr7: np.ndarray
    mr9: np.ndarray
    mmr_if_closed: np.ndarray


@dataclass(frozen=True)
class BookScenarios:
    """Everything per position that explaining needs, computed once per prepared book."""

    pnl: np.ndarray             # (n_pos, 34) scenario P&L (USD)
    coin: np.ndarray            # (n_pos,) coin delta
    denom: np.ndarray           # (n_pos,) index into DENOMS
    mr7_rate: np.ndarray        # (n_pos,)
    bucket: np.ndarray          # (n_pos,) MR4 bucket
    bucket_shock: np.ndarray    # per bucket
    bucket_cd: np.ndarray       # per bucket net cash delta
    mr4_leg: np.ndarray         # (n_pos,) legs formula: leg shock per position
    eq_add: np.ndarray          # (n_pos,) the position's amount in its settlement currency's total equity
    held_add: np.ndarray        # (n_pos,) ... in the coin actually held (0 for options)
    settle: tuple[str, ...]     # settlement currency per position


def book_scenarios(prep: PreparedPM) -> BookScenarios:
    book, units, rules = prep.book, prep.units, prep.rules
    group_of_pos = units.group[units.of_position]
    pnl = revalue(book, group_of_pos, prep.grid, rules) if book.n else np.zeros((0, 34))
    cash = prep.pos_cash_delta
    g = units.group[units.of_position]
    rate = np.array([rules.get("mr7.rate", name) for name in GROUPS])[g]
    opt_rate = np.array([rules.get("mr7.optionRate", name) for name in GROUPS])[g]
    opt = book.kind == OPTION
    bucket, bucket_unit, _, shock = mr4_buckets(book, units, rules) if book.n else (np.zeros(0, np.int64),) * 2 + (np.zeros(0),) * 2
    leg = (np.array([rules.get("mr4.legShock", name) for name in GROUPS])[g] if rules.get("mr4.formula") == "legs"
           else np.zeros(book.n))
    add = np.where(opt, book.option_value_usd() / book.spot, book.settle_upl())
    denom = np.array([DENOMS.index(denomination(f.quote)) for f in book.families],
                     dtype=np.int64)[book.family] if book.n else np.zeros(0, np.int64)
    return BookScenarios(pnl=pnl, coin=book.coin_delta(), denom=denom, mr7_rate=np.where(opt, opt_rate, rate),
                         bucket=bucket, bucket_shock=shock, bucket_cd=np.bincount(bucket, weights=cash, minlength=len(shock)),
                         mr4_leg=leg, eq_add=add, held_add=np.where(opt, 0.0, add),
                         settle=tuple(book.families[f].settle_ccy for f in book.family.tolist()))


def leave_one_out(prep: PreparedPM, sc: BookScenarios, base: UnitBase, rows: np.ndarray,
                  with_spot_row: bool) -> np.ndarray:
    """The unit's MMR without each of ``rows`` (one variant per row), then with spot in use 0 if ``with_spot_row``."""
    cash = prep.pos_cash_delta[rows]
    k = rows.size
    d_cash = np.zeros((k, len(DENOMS)))
    d_cash[np.arange(k), sc.denom[rows]] = -cash
    if prep.rules.get("mr4.formula") == "legs":
        mr4 = base.mr4_deriv - np.abs(cash) * sc.mr4_leg[rows]
    else:
        b = sc.bucket[rows]
        cd, shock = sc.bucket_cd[b], sc.bucket_shock[b]
        mr4 = base.mr4_deriv - np.abs(cd) * shock + np.abs(cd - cash) * shock
    mr7 = base.mr7_raw - np.abs(cash) * sc.mr7_rate[rows]
    # closing a position settled in the spot coin takes its P&L (and option value) out of that coin's equity
    own = np.array([s == base.spot_ccy for s in map(sc.settle.__getitem__, rows.tolist())], dtype=bool)
    available = _available_without(prep, base, own, sc.eq_add[rows], sc.held_add[rows])
    args = [-sc.pnl[rows], -sc.coin[rows], d_cash, mr4, mr7, available, np.full(k, np.nan)]
    if with_spot_row:
        args = [np.concatenate([a, z]) for a, z in zip(args, (np.zeros((1, sc.pnl.shape[1])), [0.0],
                                                              np.zeros((1, len(DENOMS))), [base.mr4_deriv],
                                                              [base.mr7_raw], [base.available], [0.0]))]
    return unit_variants(prep, base, *args[:6], forced_amt=args[6]).mmr


def _available_without(prep: PreparedPM, base: UnitBase, own: np.ndarray, eq_add: np.ndarray,
                       held_add: np.ndarray) -> np.ndarray:
    if base.spot_ccy is None or base.spot_ccy not in prep.equity.ccys:
        return np.full(own.size, base.available)
    j = prep.equity.index(base.spot_ccy)
    eq = prep.equity.eq[j] - np.where(own, eq_add, 0.0)
    held = prep.equity.spot_eq[j] - np.where(own, held_add, 0.0)
    return np.maximum(0.0, np.minimum(held, eq))


def position_figures(prep: PreparedPM, sc: BookScenarios, unit: UnitResult, u: int,
                     spot_in_use: dict[str, float | None] | None = None) -> PositionFigures:
    rows = np.flatnonzero(prep.units.of_position == u)
    base = unit_base(prep, u, spot_in_use)
    amt = unit.spot_in_use
    has_spot = amt > 0
    spot_usd = amt * base.spot_px
    j1 = VOL_ROW[unit.mr1_final.vol_shock] * N_MOVES + int(np.flatnonzero(unit.mr1_moves == unit.mr1_final.spot_shock)[0])
    j6 = MR6.start + int(np.flatnonzero(unit.mr6_moves == unit.mr6_final.spot_shock)[0])
    mr1 = sc.pnl[rows, j1]
    mr6 = sc.pnl[rows, j6]
    cash = prep.pos_cash_delta[rows]
    shares4, spot4 = _mr4_shares(prep, sc, rows, cash, spot_usd, unit.risk_unit)
    raw = np.abs(cash) * sc.mr7_rate[rows]
    mr7 = unit.mr["mr7"] * raw / raw.sum() if raw.sum() > 0 else np.zeros(rows.size)
    shares9, spot9 = _mr9_shares(prep, base, sc, rows, cash, spot_usd)
    loo = leave_one_out(prep, sc, base, rows, has_spot)
    ids = tuple(prep.book.instruments[i].inst_id for i in rows.tolist())
    pos = prep.book.pos[rows]
    if has_spot:
        ids += (unit.ccy,)
        pos = np.append(pos, amt)
        mr1 = np.append(mr1, spot_usd * base.moves[j1])
        mr6 = np.append(mr6, spot_usd * base.moves[j6])
        shares4, mr7, shares9 = np.append(shares4, spot4), np.append(mr7, 0.0), np.append(shares9, spot9)
    return PositionFigures(inst_ids=ids, pos=pos, spot_row=has_spot, mr1_pnl=mr1, mr6_pnl=mr6, mr4=shares4, mr7=mr7,
                           mr9=shares9, mmr_if_closed=loo)


def _mr4_shares(prep: PreparedPM, sc: BookScenarios, rows: np.ndarray, cash: np.ndarray, spot_usd: float,
                unit_name: str) -> tuple[np.ndarray, float]:
    rules = prep.rules
    g = GROUPS[prep.units.group[prep.units.names.index(unit_name)]]
    if rules.get("mr4.formula") == "legs":
        return np.abs(cash) * sc.mr4_leg[rows], abs(spot_usd * rules.get("mr4.legShock", g))
    b = sc.bucket[rows]
    cd = sc.bucket_cd[b]
    frac = np.divide(cash, cd, out=np.zeros_like(cash), where=cd != 0)
    return np.abs(cd) * sc.bucket_shock[b] * frac, abs(spot_usd * rules.get("mr4.minShock", g))


def _mr9_shares(prep: PreparedPM, base: UnitBase, sc: BookScenarios, rows: np.ndarray, cash: np.ndarray,
                spot_usd: float) -> tuple[np.ndarray, float]:
    if prep.rules.get("riskUnits") != "crypto":
        return np.zeros(rows.size), 0.0
    totals = base.cash.copy()
    usd = DENOMS.index("USD")
    totals[usd] += spot_usd
    _, charges = mr9_rows(totals[None, :], pair_index_of(prep), prep.rules)
    per_denom = np.zeros(len(DENOMS))
    for p, (a, b) in enumerate(prep.rules.get("mr9.pairs")):
        per_denom[DENOMS.index(a)] += 0.5 * charges[0, p]
        per_denom[DENOMS.index(b)] += 0.5 * charges[0, p]
    d = sc.denom[rows]
    tot = totals[d]
    shares = np.divide(cash, tot, out=np.zeros_like(cash), where=tot != 0) * per_denom[d]
    spot = per_denom[usd] * spot_usd / totals[usd] if totals[usd] != 0 else 0.0
    return shares, spot
