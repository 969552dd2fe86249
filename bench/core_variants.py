"""The core recompute as an edit and a new snapshot meet it, beside the repeated call on the same objects.

``build_book`` keeps each instrument's priced terms per market object (``engine.priced_instruments``): a
recompute on the same portfolio and market gathers them. So that the figure is honest, the bench also times:
- **after a one-position edit**: each call on a new ``Portfolio`` whose position ``k`` changed size (``k`` walks
  through the book, so every call's book differs from the one before in one row), same market;
- **on a fresh snapshot**: each call on the next of 8 markets whose indices (and marks) moved by a few millionths:
  new objects and new prices, so nothing is kept for them (what a new snapshot costs).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import count
from typing import Callable

from engine import api
from engine.catalogue import is_stablecoin
from engine.market import Market
from engine.portfolio import Portfolio


def after_one_edit(portfolio: Portfolio, market: Market, compute=api.compute) -> Callable[[], object]:
    """``compute`` on a new portfolio at each call: one position's size changed (a different position each time)."""
    positions = portfolio.positions
    step = count()

    def run() -> object:
        k = next(step) % len(positions)
        edited = list(positions)
        edited[k] = replace(edited[k], pos=edited[k].pos + (1.0 if edited[k].pos >= 0 else -1.0))
        return compute(replace(portfolio, positions=tuple(edited)), market, liq_shock=False)

    return run


def moved_markets(market: Market, n: int = 8) -> list[Market]:
    """``n`` snapshots of ``market`` with every crypto index moved by a different few millionths (marks with it):
    what a fresh snapshot is, new objects and new prices, so neither memo has anything for them (more markets than
    either keeps)."""
    ccys = [k[:-4] for k in market.index if k.endswith("-USD") and not is_stablecoin(k[:-4])]
    return [market.shifted({c: 1e-6 * (i + 1) for c in ccys}) for i in range(n)]


def on_markets(portfolio: Portfolio, markets: list[Market], compute=api.compute) -> Callable[[], object]:
    """``compute`` on the next of ``markets`` at each call (in turn)."""
    step = count()
    return lambda: compute(portfolio, markets[next(step) % len(markets)], liq_shock=False)
