"""A what-if step without rebuilding the book: the fast path of a what-if drag (issue 16).

A drag moves one what-if axis (index move, vol shift, time roll...) many times a second over the same portfolio and
market. ``apply_scenario`` + ``prepare`` + ``evaluate`` would walk the positions in Python twice per step (new
Position objects with entry prices, then ``build_book`` resolving every instrument id again). Here the
scenario-independent part (``ScenarioBase``: the book on the unshocked market, entry prices, positions with them,
atmVol-valued options) is built once per (portfolio, market) and kept; a step only shocks the market, settles what
expires, and reprices the book's market-dependent arrays (``engine.book.reprice_book``) before the usual
``prepare(..., book=)`` and ``evaluate``.

The results are bit-identical to the full path: the same functions compute the same arrays in the same order
(tests/engine/test_whatif_fast.py checks every figure of the desk and demo books on every axis).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .core import Prepared, prepare
from .market import Market
from .params import RuleSet
from .portfolio import Portfolio
from .scenario_apply import Applied, ScenarioBase, apply_to_base

if TYPE_CHECKING:
    from .scenario import Scenario

_LOCK = threading.Lock()
_LAST: list[ScenarioBase] = []          # the newest bases (a drag's worker and its curve's worker share them)
KEEP = 2


def scenario_base(portfolio: Portfolio, market: Market) -> ScenarioBase:
    """The base of ``(portfolio, market)``: reused while the same objects are asked for (identity, not equality:
    a document's state is replaced, never mutated, when the book or the market changes)."""
    with _LOCK:
        for b in _LAST:
            if b.portfolio is portfolio and b.market is market:
                return b
    base = ScenarioBase.of(portfolio, market)      # outside the lock: two threads may both build it, harmlessly
    with _LOCK:
        _LAST.insert(0, base)
        del _LAST[KEEP:]
    return base


@dataclass(frozen=True)
class WhatIf:
    """A what-if applied: the shocked pair (``applied``) and its prepared book."""

    applied: Applied
    prepared: Prepared


def prepare_whatif(portfolio: Portfolio, market: Market, scenario: "Scenario | None", mode: str | None = None,
                   rules: str | RuleSet | None = None) -> WhatIf:
    """``prepare(*apply_scenario(portfolio, market, scenario), mode, rules)``, the book repriced rather than rebuilt.

    ``scenario`` None (or one that changes nothing): the book as it is.
    """
    if scenario is None or scenario.is_identity:
        return WhatIf(Applied(portfolio, market), prepare(portfolio, market, mode, rules))
    applied, book = apply_to_base(scenario_base(portfolio, market), scenario, with_book=True)
    return WhatIf(applied, prepare(applied.portfolio, applied.market, mode, rules, book=book))
