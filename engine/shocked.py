"""The account after every crypto index moved by the same fraction (the OKX position-builder graph's shock)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import numpy as np

from .book import shift_book
from .catalogue import is_stablecoin
from .core import Prepared, evaluate, prepare
from .market import Market
from .result import MarginResult


def shifted_market(market: Market, move: float) -> Market:
    """``market`` with every crypto index times (1 + move), floored at 1e-6 of itself; stablecoins unchanged."""
    index = {k: (v if is_stablecoin(k.split("-")[0]) else max(v * (1.0 + move), v * 1e-6)) for k, v in market.index.items()}
    return replace(market, index=MappingProxyType(index))


def evaluate_at(prepared: Prepared, move: float) -> MarginResult:
    """The account after every crypto index moved by ``move``, same mode, rules and user spot-in-use."""
    inner = prepared.inner
    book = shift_book(inner.book, move)
    shifted = prepare(inner.portfolio, shifted_market(inner.market, move), prepared.mode, inner.rules, book=book)
    return evaluate(shifted)


def ratio_of(result: MarginResult) -> float:
    """The margin ratio, inf where nothing needs margin (so "<= 1" reads as "liquidated")."""
    return np.inf if result.margin_ratio is None else result.margin_ratio
