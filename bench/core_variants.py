"""The core recompute as an edit and a new snapshot meet it, beside the repeated call on the same objects.

``build_book`` keeps each instrument's priced terms per market object (``engine.priced_instruments``): a
recompute on the same portfolio and market gathers them. So that the figure is honest, the bench also times:
- **after a one-position edit**: each call on a new ``Portfolio`` whose position ``k`` changed size (``k`` walks
  through the book, so every call's book differs from the one before in one row), same market;
- **on a new market object**: each call on a copy of the market (same numbers, a new object: nothing kept), what a
  fresh snapshot costs.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import count
from typing import Callable

from engine import api
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


def on_new_market(portfolio: Portfolio, market: Market, compute=api.compute) -> Callable[[], object]:
    """``compute`` on a fresh copy of ``market`` at each call (nothing priced on it yet)."""
    return lambda: compute(portfolio, replace(market), liq_shock=False)
