"""Spot mode (acctLv 1): balances only, no derivatives and no borrowing (rules spec 1.1, 4.5).

A book with a derivative position or a negative balance cannot be in spot mode: ``compute`` refuses it with one line
naming what stands in the way, and the switch precheck lists every such position (``all_positions``) and borrowing
(``repay_borrowings``). ``strict=False`` values the balances anyway (the switch shows what would remain).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..book import Book, build_book
from ..catalogue import is_stablecoin
from ..errors import InputError
from ..market import Market
from ..params import RuleSet
from ..portfolio import Portfolio
from ..result import AssetResult, MarginResult


@dataclass(frozen=True)
class PreparedSpot:
    portfolio: Portfolio
    market: Market
    rules: RuleSet
    book: Book
    strict: bool = True
    memo: dict = field(default_factory=dict)


def spot_blockers(portfolio: Portfolio) -> tuple[list[str], list[str]]:
    """(derivative positions "instId (pos N)", borrowed currencies "CCY (amt N)") that spot mode does not allow."""
    positions = [f"{p.inst_id} (pos {p.pos:,.10g})" for p in portfolio.positions if p.pos != 0]
    borrowed = [f"{a.ccy} (amt {a.amt:,.10g})" for a in portfolio.assets if a.amt < 0]
    return positions, borrowed


def prepare_spot(portfolio: Portfolio, market: Market, rules: RuleSet, book: Book | None = None,
                 strict: bool = True) -> PreparedSpot:
    if strict:
        positions, borrowed = spot_blockers(portfolio)
        if positions:
            raise InputError(f"mode: spot mode (acctLv 1) holds no derivatives; the book has {len(positions)}: "
                             f"{', '.join(positions)}")
        if borrowed:
            raise InputError(f"mode: spot mode (acctLv 1) allows no borrowing; negative balances: {', '.join(borrowed)}")
    book = book if book is not None else build_book(portfolio, market)
    return PreparedSpot(portfolio, market, rules, book, strict)


def evaluate_spot(prep: PreparedSpot) -> MarginResult:
    """Balances at their USD index; nothing needs margin (marginRatio None, IMR = MMR = 0)."""
    amounts = prep.portfolio.asset_amounts()
    ccys = sorted(amounts, key=lambda c: (is_stablecoin(c), c))
    px = np.empty(len(ccys))
    for j, c in enumerate(ccys):
        value = prep.market.index.get(f"{c}-USD")
        if value is None:
            raise InputError(f"market: index has no {c}-USD price (needed for the {c} balance)")
        px[j] = value
    eq = np.array([amounts[c] for c in ccys], dtype=float)
    eq_usd = eq * px
    assets = tuple(AssetResult(ccy=c, eq=float(e), eq_usd=float(u), dis_eq=float(u), spot_in_use=0.0,
                               max_spot_in_use=0.0, borrow_imr=0.0, borrow_mmr=0.0)
                   for c, e, u in zip(ccys, eq, eq_usd))
    warnings = []
    if not prep.strict:
        positions, borrowed = spot_blockers(prep.portfolio)
        if positions:
            warnings.append("not valued: spot mode holds no derivatives: " + ", ".join(positions))
        if borrowed:
            warnings.append("spot mode allows no borrowing: " + ", ".join(borrowed))
    total = float(eq_usd.sum())
    details = [{"ccy": c, "eq": float(e), "eqUsd": float(u), "availEq": float(e)} for c, e, u in zip(ccys, eq, eq_usd)]
    return MarginResult(acct_lv="1", rules=prep.rules.id, ts=prep.market.ts, eq=total, adj_eq=total, upl=0.0,
                        total_imr=0.0, total_mmr=0.0, deriv_mmr=0.0, borrow_mmr=0.0, liq_cost=0.0, margin_ratio=None,
                        assets=assets, units=(), positions=(), warnings=tuple(warnings), avail_eq=total,
                        extra={"details": details})
