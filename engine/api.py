"""The engine's public API (formats.md §5, docs/ARCHITECTURE.md): pure functions, frozen inputs, full results.

A thin facade: the work lives in ``core`` (prepare / evaluate / compute), ``shocked`` (the account at a moved
index), ``liquidation`` (the liquidation moves), ``curve`` (the margin curve) and ``charts`` (a risk unit's
stress curve and P&L grid). Engine modules import from those, never from here.
"""

from __future__ import annotations

from typing import Any

from .charts import pnl_grid, stress_curve
from .core import Mode, Prepared, compute, evaluate, prepare
from .curve import DEFAULT_SHOCKS, MarginCurve, curve_of, graph, margin_curve
from .liquidation import liquidation_search, liquidation_shocks
from .market import Market
from .portfolio import Portfolio
from .shocked import evaluate_at, ratio_of, shifted_market

__all__ = ["DEFAULT_SHOCKS", "MarginCurve", "Mode", "Prepared", "compare_rules", "compute", "curve_of", "evaluate",
           "evaluate_at", "graph", "liquidation_search", "liquidation_shocks", "margin_curve", "pnl_grid", "prepare",
           "ratio_of", "shifted_market", "stress_curve", "switch_mode"]


def switch_mode(portfolio: Portfolio, market: Market, to: str) -> Any:
    from .switch import switch_mode as _switch
    return _switch(portfolio, market, to)


def compare_rules(portfolio: Portfolio, market: Market, rules_from: str, rules_to: str) -> Any:
    from .compare import compare_rules as _compare
    return _compare(portfolio, market, rules_from, rules_to)
