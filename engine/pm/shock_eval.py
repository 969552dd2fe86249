"""Total MMR and margin ratio of a portfolio-margin account at many index moves at once.

The numbers of ``evaluate_pm(prepare_pm(shift_book(...)))`` at each move (``engine.shocked.evaluate_at``), with the
move as a leading axis: the shifted prices of every row for a block of moves (``book.shifted_prices``), the
equity, cash deltas and per-unit sums as one ``bincount`` over (move, row) labels (each bin adds its rows in the
same order as the one-move ``bincount``), the scenario P&L per unit from ``shock_revalue``, then MR1..MR9 and the
account totals with the same operations, vectorised over the moves. Only the two figures the curve and the
liquidation search need are produced; everything else of a result stays with ``evaluate_pm``.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..book import INVERSE, LINEAR, OPTION, denomination, filled_avg_px, shifted_prices
from ..catalogue import is_stablecoin
from ..collateral import discount_table_for
from ..params import GROUPS
from ..pricing import norm_cdf
from . import shock_revalue
from .factors import mr9_factor
from .prepare import DENOMS, PreparedPM, mr4_buckets
from .scenarios import MR1, MR2, MR2_REF, MR3, MR5, MR6

Runner = Callable[[Sequence[Callable[[], object]]], list]


def figures(prep: PreparedPM, moves: np.ndarray, run: Runner) -> tuple[np.ndarray, np.ndarray]:
    """(total MMR, margin ratio with inf where nothing needs margin) at each relative index move.

    ``run`` executes independent tasks (moves x units) and returns their results in order (threads).
    """
    moves = np.asarray(moves, dtype=float)
    book = prep.book
    step = shock_revalue.SHOCKS_PER_TASK
    revalue = revalue_plan(prep, moves.size)
    col = moves[:, None]
    spot, mark, fwd = shifted_prices(book, col, option_marks=False)
    delta = _option_marks(revalue, book, fwd, mark)
    blocks = [slice(i, min(i + step, moves.size)) for i in range(0, moves.size, step)]
    tasks = [(lambda blk=blk, u=u: shock_revalue.unit_pnl_at(revalue, book, u, spot[blk], mark[blk], fwd[blk]))
             for blk in blocks for u in range(revalue.n_units)]
    parts = run(tasks)
    unit_pnl = np.empty((moves.size, revalue.n_units, prep.grid.moves.shape[1]))
    for i, (blk, u) in enumerate((blk, u) for blk in blocks for u in range(revalue.n_units)):
        unit_pnl[blk, u] = parts[i]
    return _account(prep, moves, spot, mark, delta, unit_pnl)


def revalue_plan(prep: PreparedPM, n_moves: int) -> shock_revalue.RevaluePlan:
    """The revaluation plan for calls of ``n_moves`` moves (fewer moves than a task holds take longer chunks),
    built once per prepared book (a caller about to split moves between threads builds it first: the threads
    would otherwise each build it)."""
    step = shock_revalue.SHOCKS_PER_TASK
    chunk_rows = shock_revalue.CHUNK_ROWS * max(1, step // max(1, min(step, n_moves)))
    key = ("shock_revalue_plan", chunk_rows)
    hit = prep.memo.get(key)
    if hit is None:
        units = prep.units
        group_of_pos = units.group[units.of_position]
        hit = prep.memo[key] = shock_revalue.plan(prep.book, group_of_pos, units.of_position, len(units.names),
                                                  prep.grid, prep.rules, chunk_rows)
    return hit


def _by_label(labels: np.ndarray, weights: np.ndarray, n_bins: int) -> np.ndarray:
    """``np.bincount(labels, w, n_bins)`` for each row of ``weights`` (b, n): (b, n_bins), same order of addition."""
    b = weights.shape[0]
    offset = (np.arange(b, dtype=np.int64) * n_bins)[:, None]
    flat = (labels[None, :] + offset).ravel()
    return np.bincount(flat, weights=weights.ravel(), minlength=b * n_bins).reshape(b, n_bins)


def _shifted_index(market, ccy: str, moves: np.ndarray) -> np.ndarray:
    """The ``ccy``-USD index after ``engine.shocked.shifted_market`` at each move."""
    v = market.index_usd(ccy)
    if is_stablecoin(ccy):
        return np.full(moves.shape, v)
    return np.maximum(v * (1.0 + moves), v * 1e-6)


def _option_marks(p: shock_revalue.RevaluePlan, book, fwd: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """Shifted option marks into ``mark`` (as ``black76`` in ``shifted_prices``) and the options' Black-76 delta
    (as ``black76_greeks``), (b, n_opt): one log and two normal CDFs per distinct option serve both (for sd > 0
    both take d1 = (log(F/K) + sd^2/2) / sd, and the delta is the price's first N(d1))."""
    u = p.distinct
    opt = np.flatnonzero(p.option_id >= 0)
    if not opt.size:
        return np.zeros((fwd.shape[0], 0))
    f = fwd[:, u]
    k = book.strike[u]
    sd = np.sqrt(np.maximum(book.t_years[u], 0.0))
    sd = sd * book.vol[u]
    safe = np.where(sd <= 1e-12, 1.0, sd)
    half_var = 0.5 * safe
    half_var *= safe
    d1 = np.log(f / k) + half_var
    d1 /= safe
    cdf = norm_cdf(d1)
    call = f * cdf
    d1 -= safe
    call -= k * norm_cdf(d1)
    ids = p.option_id[opt]
    is_call = book.is_call[opt]
    price = call[:, ids]
    fo = fwd[:, opt]
    ko = book.strike[opt]
    puts = np.flatnonzero(~is_call)
    price[:, puts] -= fo[:, puts] - ko[puts]
    np.maximum(price, 0.0, out=price)
    c = cdf[:, ids]
    delta = np.where(is_call, c, c - 1.0)
    dead = (sd <= 1e-12)[ids]
    if dead.any():
        price[:, dead] = np.where(is_call[dead], np.maximum(fo[:, dead] - ko[dead], 0.0),
                                  np.maximum(ko[dead] - fo[:, dead], 0.0))
        itm = np.where(is_call[dead], fo[:, dead] > ko[dead], fo[:, dead] < ko[dead])
        delta[:, dead] = np.where(itm, np.where(is_call[dead], 1.0, -1.0), 0.0)
    mark[:, opt] = price
    return delta


def _deltas(prep: PreparedPM, spot, mark, delta) -> tuple[np.ndarray, np.ndarray]:
    """(USD cash delta, coin delta) per row at each move: ``Book.cash_delta_usd`` and ``Book.coin_delta``;
    ``delta``: the option rows' Black-76 delta (b, n_opt)."""
    book = prep.book
    cash = np.empty(spot.shape)
    coin = np.broadcast_to(book.qty, spot.shape).copy()
    lin = book.kind == LINEAR
    cash[:, lin] = book.qty[lin] * mark[:, lin] * book.quote_fx[lin]
    inv = book.kind == INVERSE
    cash[:, inv] = book.qty[inv] * spot[:, inv] / mark[:, inv]
    ratio = spot[:, inv] / mark[:, inv]
    coin[:, inv] = book.qty[inv] * ratio / mark[:, inv]
    opt = np.flatnonzero(book.kind == OPTION)
    if opt.size:
        d = delta
        cash[:, opt] = book.qty[opt] * d * spot[:, opt]
        coin[:, opt] = book.qty[opt] * d
    return cash, coin


def _equity(prep: PreparedPM, moves, spot, mark) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(eq, px, eq_usd, spot_eq) per currency of ``prep.equity.ccys`` at each move (``account.currency_equity``)."""
    book, portfolio = prep.book, prep.portfolio
    opt = book.kind == OPTION
    avg = filled_avg_px(book)
    value_usd = np.where(opt, book.qty * mark, 0.0)
    upl = np.zeros(spot.shape)
    lin = book.kind == LINEAR
    upl[:, lin] = book.qty[lin] * (mark[:, lin] - avg[lin])
    inv = book.kind == INVERSE
    upl[:, inv] = book.qty[inv] * (1.0 / avg[inv] - 1.0 / mark[:, inv])
    add = np.where(opt, value_usd / spot, upl)
    names = list(dict.fromkeys([a.ccy for a in portfolio.assets] + [f.settle_ccy for f in book.families]))
    code = {c: j for j, c in enumerate(names)}
    row_code = np.array([code[f.settle_ccy] for f in book.families], dtype=np.int64)[book.family]
    labels = np.concatenate([np.array([code[a.ccy] for a in portfolio.assets], dtype=np.int64), row_code])
    amounts = np.broadcast_to(np.array([a.amt for a in portfolio.assets], dtype=float), (moves.size, len(portfolio.assets)))
    eq = _by_label(labels, np.concatenate([amounts, add], axis=1), len(names))
    held = _by_label(labels, np.concatenate([amounts, np.where(opt, 0.0, add)], axis=1), len(names))
    ccys = prep.equity.ccys
    perm = [code[c] for c in ccys]
    px = np.stack([_shifted_index(prep.market, c, moves) for c in ccys], axis=1) if ccys else np.zeros((moves.size, 0))
    values = eq[:, perm]
    return values, px, values * px, held[:, perm]


def _piecewise(amount: np.ndarray, bounds: list[float], rates: list[float]) -> np.ndarray:
    """``factors.piecewise`` of each amount."""
    total = np.zeros(amount.shape)
    lo = 0.0
    for k, rate in enumerate(rates):
        hi = bounds[k] if k < len(bounds) else float("inf")
        total = total + np.where(amount > lo, (np.minimum(amount, hi) - lo) * rate, 0.0)
        lo = hi
    return total


def _discounted(table, ccy: str, eq: np.ndarray, px: np.ndarray) -> np.ndarray:
    """``DiscountTable.discounted_usd`` of each (eq, px)."""
    tiers = table.tiers.get(ccy)
    if tiers is None:
        pos = np.zeros(eq.shape)
    else:
        total = np.zeros(eq.shape)
        for lo, hi, rate in tiers:
            total = total + np.where(eq > lo, (np.minimum(eq, hi) - lo) * rate, 0.0)
        pos = total * px
    return np.where(eq <= 0, eq * px, pos)


def _mr9(cash: dict[str, np.ndarray], pair_index: dict, rules) -> np.ndarray:
    """``factors.mr9`` (the charge only) of each move's cash deltas by denomination."""
    total = np.zeros(next(iter(cash.values())).shape)
    if not rules.get("mr9.enabled"):
        return total
    cd = dict(cash)
    bounds = list(rules.get("mr9.tierBounds"))
    n_tiers = len(rules.get("mr9.tierFloors"))
    zero = np.zeros(total.shape)
    for a, b in rules.get("mr9.pairs"):
        ca, cb = cd.get(a, zero), cd.get(b, zero)
        live = ca * cb < 0
        hedge = np.minimum(np.abs(ca), np.abs(cb))
        cd[a] = np.where(live, ca - np.sign(ca) * hedge, ca)
        cd[b] = np.where(live, cb - np.sign(cb) * hedge, cb)
        depeg = abs(1.0 - pair_index[(a, b)])
        charge = _piecewise(hedge, bounds, [mr9_factor(depeg, k, rules) for k in range(n_tiers)])
        total = total + np.where(live, charge, 0.0)
    return total


def _account(prep: PreparedPM, moves, spot, mark, delta, unit_pnl) -> tuple[np.ndarray, np.ndarray]:
    """MR1..MR9 per unit and the account totals at each move, as ``prepare_pm`` + ``evaluate_pm``."""
    book, rules, units, grid = prep.book, prep.rules, prep.units, prep.grid
    n_u = len(units.names)
    u_of = units.of_position
    cash, coin = _deltas(prep, spot, mark, delta)
    unit_coin = _by_label(u_of, coin, n_u)
    denom_of_family = np.array([DENOMS.index(denomination(f.quote)) for f in book.families], dtype=np.int64)
    unit_cash = _by_label(u_of * len(DENOMS) + denom_of_family[book.family], cash, n_u * len(DENOMS))
    unit_cash = unit_cash.reshape(moves.size, n_u, len(DENOMS))
    g_row = units.group[u_of]
    if rules.get("mr4.formula") == "legs":
        leg = np.array([rules.get("mr4.legShock", name) for name in GROUPS])[g_row]
        mr4_deriv = _by_label(u_of, np.abs(cash) * leg, n_u)
    else:
        inv_b, bucket_unit, _, shock = mr4_buckets(book, units, rules)
        bucket_cd = _by_label(inv_b, cash, len(bucket_unit))
        mr4_deriv = _by_label(bucket_unit, np.abs(bucket_cd) * shock, n_u)
    rate = np.array([rules.get("mr7.rate", name) for name in GROUPS])[g_row]
    opt_rate = np.array([rules.get("mr7.optionRate", name) for name in GROUPS])[g_row]
    mr7_raw = _by_label(u_of, np.abs(cash) * np.where(book.kind == OPTION, opt_rate, rate), n_u)

    eq, px, eq_usd, spot_eq = _equity(prep, moves, spot, mark)
    ccys = prep.equity.ccys
    user = dict(prep.portfolio.spot_in_use_amounts())
    spot_amt = np.zeros((moves.size, n_u))
    for ccy, u in units.spot_unit.items():
        if ccy in ccys:
            j = ccys.index(ccy)
            avail = np.maximum(0.0, np.minimum(spot_eq[:, j], eq[:, j]))
        else:
            avail = np.zeros(moves.size)
        d = unit_coin[:, u]
        cap = np.where(d < 0, np.minimum(avail, -d), 0.0)
        want = user.get(ccy)
        spot_amt[:, u] += cap if want is None else np.minimum(max(0.0, float(want)), cap)

    liab = np.maximum(-eq_usd, 0.0)
    mr8 = (liab * rules.get("mr8.mmrRate")).sum(axis=1)
    idx = prep.market.index
    pair_index = {("USDT", "USD"): idx.get("USDT-USD", 1.0), ("USDC", "USD"): idx.get("USDC-USD", 1.0),
                  ("USDT", "USDC"): idx.get("USDT-USD", 1.0) / idx.get("USDC-USD", 1.0)}
    deriv_mmr = np.zeros(moves.size)
    for u in range(n_u):
        g = GROUPS[units.group[u]]
        spot_usd = spot_amt[:, u] * _shifted_index(prep.market, units.ccy[u], moves)
        pnl = unit_pnl[:, u] + spot_usd[:, None] * grid.moves[units.group[u]]
        mr1 = np.maximum(0.0, -pnl[:, MR1].min(axis=1))
        mr2 = np.maximum(0.0, -(pnl[:, MR2] - pnl[:, MR2_REF]).min(axis=1))
        mr3 = np.maximum(0.0, -pnl[:, MR3].min(axis=1))
        mr5 = np.maximum(0.0, -pnl[:, MR5].min(axis=1))
        mr6 = rules.get("mr6.lossFraction") * np.maximum(0.0, -pnl[:, MR6].min(axis=1))
        shock4 = rules.get("mr4.legShock", g) if rules.get("mr4.formula") == "legs" else rules.get("mr4.minShock", g)
        mr4 = mr4_deriv[:, u] + np.abs(spot_usd * shock4)
        tiers = rules.get("mr7.multiplierTiers", g)
        bounds = [row[1] if row[1] is not None else float("inf") for row in tiers]
        mr7 = _piecewise(mr7_raw[:, u], bounds[:-1], [row[2] for row in tiers])
        if rules.get("riskUnits") == "crypto":
            cash_u = {d: unit_cash[:, u, k] for k, d in enumerate(DENOMS)}
            cash_u["USD"] = cash_u["USD"] + spot_usd
            mr9 = _mr9(cash_u, pair_index, rules)
        else:
            mr9 = np.zeros(moves.size)
        risk_sum = np.maximum(np.maximum(mr1, mr2), mr6) + mr3 + mr4 + mr5 + mr9
        deriv_mmr = deriv_mmr + np.maximum(risk_sum, mr7)

    table = discount_table_for(prep.market)     # what prepare_pm builds for the shifted market (same tiers)
    dis = np.stack([_discounted(table, c, eq[:, j], px[:, j]) for j, c in enumerate(ccys)], axis=1) \
        if ccys else np.zeros((moves.size, 0))
    adj_eq = dis.sum(axis=1)
    total_mmr = deriv_mmr + mr8
    liq_liab = liab.sum(axis=1)
    if rules.get("liqCost.includeBorrowMmr"):
        liq_liab = liq_liab + mr8
    liq = rules.get("liqCost.kLiab") * liq_liab
    return total_mmr, margin_ratios(adj_eq, total_mmr + liq)


def margin_ratios(adj_eq: np.ndarray, denom: np.ndarray) -> np.ndarray:
    """``adj_eq / denom`` per shock, inf where nothing needs margin, as ``account.margin_ratio`` does one by one
    (Python's float division: a quotient beyond the float range is inf, not an error)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(denom > 0, adj_eq / np.where(denom > 0, denom, 1.0), np.inf)
