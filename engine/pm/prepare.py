"""The expensive half of portfolio margin: everything that does not depend on the spot-in-use amounts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..account import Equity, currency_equity
from ..book import OPTION, Book, build_book, denomination
from ..collateral import DiscountTable, discount_table_for
from ..market import Market
from ..params import GROUPS, RuleSet
from ..portfolio import Portfolio
from . import shock_revalue
from .scenarios import Grid, build_grid
from .units import Units, assign_units

DENOMS = ("USDT", "USDC", "USD")
_BUCKET_SPAN = 1 << 40       # seconds to expiry stay far below this (35,000 years)


@dataclass(frozen=True)
class PreparedPM:
    """Frozen intermediate: derivative scenario P&L per unit and every spot-independent figure."""

    portfolio: Portfolio
    market: Market
    rules: RuleSet
    discounts: DiscountTable
    book: Book
    units: Units
    grid: Grid
    equity: Equity
    unit_pnl: np.ndarray          # (n_units, 34) derivative P&L per scenario column
    unit_spot: np.ndarray         # (n_units,) USD index of the unit's crypto
    unit_coin_delta: np.ndarray   # (n_units,) derivative delta in coin
    unit_cash: np.ndarray         # (n_units, 3) derivative cash delta by denomination USDT, USDC, USD
    unit_greeks: np.ndarray       # (n_units, 4) delta (scenario slope), gamma, vega, theta (derivatives only)
    unit_upl: np.ndarray          # (n_units,)
    mr4_deriv: np.ndarray         # (n_units,) MR4 of the derivative buckets (spot bucket added later)
    mr4_multi_bucket: np.ndarray  # (n_units,) bool: more than one bucket or a dated one (formula matters)
    mr7_raw: np.ndarray           # (n_units,)
    has_options: np.ndarray       # (n_units,) bool
    pos_cash_delta: np.ndarray    # (n_pos,) OKX cash delta (linear at mark): MR4, MR7, MR9 rest on it
    pos_gamma: np.ndarray
    pos_vega: np.ndarray
    pos_theta: np.ndarray
    pos_float_pnl: np.ndarray
    pos_notional: np.ndarray
    pos_delta: np.ndarray = field(default_factory=lambda: np.zeros(0))   # (n_pos,) USD slope of the scenario value
    unit_cash_total: np.ndarray = field(default_factory=lambda: np.zeros(0))   # (n_units,) OKX cash delta
    memo: dict = field(default_factory=dict, compare=False, repr=False)   # spot-independent chart P&L (engine.api)


def prepare_pm(portfolio: Portfolio, market: Market, rules: RuleSet, discounts: DiscountTable | None = None,
               book: Book | None = None) -> PreparedPM:
    """Value the book over the scenario grid; ``book`` skips re-pricing when the caller already has it."""
    book = book if book is not None else build_book(portfolio, market)
    spot_ccys = {a.ccy for a in portfolio.assets} | set(portfolio.spot_in_use_amounts())
    units = assign_units(book, rules, spot_ccys)
    grid = build_grid(rules)
    n_u = len(units.names)
    group_of_pos = units.group[units.of_position] if book.n else np.zeros(0, dtype=np.int64)
    unit_pnl, memo = _unit_pnl(book, units, group_of_pos, grid, rules)

    cash = book.cash_delta_usd()
    coin = book.coin_delta()
    delta = coin * book.spot
    gamma, vega, theta = book.greeks_usd()
    upl = book.float_pnl_usd()
    u = units.of_position

    def per_unit(values: np.ndarray) -> np.ndarray:
        return np.bincount(u, weights=values, minlength=n_u) if book.n else np.zeros(n_u)

    unit_spot = np.array([market.index_usd(c) for c in units.ccy]) if n_u else np.zeros(0)
    denom_of_family = np.array([DENOMS.index(denomination(f.quote)) for f in book.families], dtype=np.int64)
    unit_cash = np.bincount(u * len(DENOMS) + denom_of_family[book.family], weights=cash,
                            minlength=n_u * len(DENOMS)).reshape(n_u, len(DENOMS))
    greeks = np.stack([per_unit(delta), per_unit(gamma), per_unit(vega), per_unit(theta)], axis=1) if n_u else np.zeros((0, 4))
    mr4, multi = _mr4_derivatives(book, units, cash, rules)
    mr7 = _mr7_raw(book, units, cash, rules)
    has_opt = per_unit((book.kind == OPTION).astype(float)) > 0
    return PreparedPM(portfolio=portfolio, market=market, rules=rules, discounts=discounts or discount_table_for(market),
                      book=book, units=units, grid=grid, equity=currency_equity(portfolio, book, market),
                      unit_pnl=unit_pnl, unit_spot=unit_spot, unit_coin_delta=per_unit(coin),
                      unit_cash=unit_cash, unit_greeks=greeks, unit_upl=per_unit(upl), mr4_deriv=mr4,
                      mr4_multi_bucket=multi, mr7_raw=mr7, has_options=has_opt, pos_cash_delta=cash, pos_gamma=gamma,
                      pos_vega=vega, pos_theta=theta, pos_float_pnl=upl, pos_notional=book.notional_usd(),
                      pos_delta=delta, unit_cash_total=per_unit(cash), memo=memo)


def _unit_pnl(book: Book, units: Units, group_of_pos: np.ndarray, grid: Grid,
              rules: RuleSet) -> tuple[np.ndarray, dict]:
    """Scenario P&L per unit (n_units, 34), and the memo that keeps the revaluation plan for the margin curve.

    The book's own prices as a single "move" of ``shock_revalue`` (the margin curve's kernel): each distinct option
    priced once (a call and its put by parity), rows added per unit in portfolio order. Bit for bit the sums of
    ``scenarios.revalue`` by ``curve_reference.sum_rows_by`` (tests/engine/test_prepare_kernel.py), for about half
    the Black-76 work.
    """
    n_u = len(units.names)
    if not book.n:
        return np.zeros((n_u, grid.moves.shape[1])), {}
    rows = shock_revalue.CHUNK_ROWS * shock_revalue.SHOCKS_PER_TASK      # the key a one-move curve call looks up
    plan = shock_revalue.plan(book, group_of_pos, units.of_position, n_u, grid, rules, rows)
    spot, mark, fwd = book.spot[None, :], book.mark[None, :], book.fwd[None, :]
    out = np.empty((n_u, grid.moves.shape[1]))
    for u in range(n_u):
        out[u] = shock_revalue.unit_pnl_at(plan, book, u, spot, mark, fwd)[0]
    return out, {("shock_revalue_plan", rows): plan}


def _mr4_derivatives(book: Book, units: Units, cash: np.ndarray, rules: RuleSet) -> tuple[np.ndarray, np.ndarray]:
    """MR4 of derivative buckets per unit (rules spec 11.6), or the old per-leg formula (11.1, okx-2024-06)."""
    n_u = len(units.names)
    if book.n == 0:
        return np.zeros(n_u), np.zeros(n_u, dtype=bool)
    g = units.group[units.of_position]
    if rules.get("mr4.formula") == "legs":
        leg = np.array([rules.get("mr4.legShock", name) for name in GROUPS])[g]
        return np.bincount(units.of_position, weights=np.abs(cash) * leg, minlength=n_u), np.zeros(n_u, dtype=bool)
    inv, bucket_unit, bucket_t, shock = mr4_buckets(book, units, rules)
    bucket_cd = np.bincount(inv, weights=cash, minlength=len(bucket_unit))
    mr4 = np.bincount(bucket_unit, weights=np.abs(bucket_cd) * shock, minlength=n_u)
    n_buckets = np.bincount(bucket_unit, minlength=n_u)
    dated = np.bincount(bucket_unit, weights=(bucket_t > 0).astype(float), minlength=n_u) > 0
    return mr4, (n_buckets > 1) | dated


def mr4_buckets(book: Book, units: Units, rules: RuleSet) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MR4 buckets (rules spec 11.6): (bucket of each position, unit, years to expiry and shock of each bucket).

    Perpetuals share T = 0; futures and options bucket by expiry (t_years identifies the date).
    """
    t = np.maximum(book.t_years, 0.0)
    seconds = np.round(t * 365.0 * 86400.0).astype(np.int64)
    keys = units.of_position * _BUCKET_SPAN + seconds       # sorts like (unit, seconds)
    uniq, inv = np.unique(keys, return_inverse=True)
    bucket_unit = uniq // _BUCKET_SPAN
    bucket_t = (uniq % _BUCKET_SPAN).astype(float) / (365.0 * 86400.0)
    annual = np.array([rules.get("mr4.annualMove", name) for name in GROUPS])[units.group[bucket_unit]]
    minimum = np.array([rules.get("mr4.minShock", name) for name in GROUPS])[units.group[bucket_unit]]
    return inv.reshape(-1), bucket_unit, bucket_t, np.maximum(annual * bucket_t, minimum)


def _mr7_raw(book: Book, units: Units, cash: np.ndarray, rules: RuleSet) -> np.ndarray:
    """Raw minimum charge per unit: rate x |USD cash delta| summed over derivative positions (rules spec 11.9)."""
    n_u = len(units.names)
    if book.n == 0:
        return np.zeros(n_u)
    g = units.group[units.of_position]
    rate = np.array([rules.get("mr7.rate", name) for name in GROUPS])[g]
    opt_rate = np.array([rules.get("mr7.optionRate", name) for name in GROUPS])[g]
    r = np.where(book.kind == OPTION, opt_rate, rate)
    return np.bincount(units.of_position, weights=np.abs(cash) * r, minlength=n_u)


