"""The margin curve: MMR and margin ratio across index moves applied to every crypto at once, with the
liquidation moves (OKX position-builder graph, ``riskws graph``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import Prepared, evaluate, prepare
from .liquidation import liquidation_search
from .market import Market
from .params import RuleSet
from .portfolio import Portfolio
from .result import MarginResult
from .shocked import evaluate_at, ratio_of

DEFAULT_SHOCKS = np.round(np.linspace(-1.0, 1.0, 201), 10)


@dataclass(frozen=True)
class MarginCurve:
    shocks: np.ndarray
    mmr: np.ndarray
    margin_ratio: np.ndarray        # inf where nothing needs margin
    liq_shock: tuple[float | None, float | None]

    def to_dict(self) -> dict:
        return {"mmrData": [{"shockFactor": float(s), "mmr": float(m), "mmrRatio": (float(r) if np.isfinite(r) else None)}
                            for s, m, r in zip(self.shocks, self.mmr, self.margin_ratio)],
                "liqShock": {"down": self.liq_shock[0], "up": self.liq_shock[1]}}


def margin_curve(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None,
                 shocks: np.ndarray | None = None) -> MarginCurve:
    """MMR and margin ratio across index moves applied to every crypto at once (OKX position-builder graph)."""
    prepared = prepare(portfolio, market, mode, rules)
    return curve_of(prepared, DEFAULT_SHOCKS if shocks is None else np.asarray(shocks, dtype=float))


def curve_of(prepared: Prepared, shocks: np.ndarray) -> MarginCurve:
    ratios: dict[float, float] = {}

    def evaluate_and_remember(s: float) -> MarginResult:
        result = evaluate_at(prepared, s)
        ratios[s] = ratio_of(result)
        return result

    results = [evaluate_and_remember(float(s)) for s in shocks]
    mmr = np.array([r.total_mmr for r in results])
    ratio = np.array([ratio_of(r) for r in results])
    base = evaluate(prepared)
    # the liquidation scan revisits most of the curve's shocks (exactly equal floats): reuse those ratios
    liq = liquidation_search(lambda s: ratios[s] if s in ratios else ratio_of(evaluate_at(prepared, s)), ratio_of(base))
    return MarginCurve(shocks=shocks, mmr=mmr, margin_ratio=ratio, liq_shock=liq)


def graph(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None) -> dict:
    """``riskws graph`` JSON: {"mmrData": [{"shockFactor", "mmr", "mmrRatio"}], "liqShock": {...}}."""
    return margin_curve(portfolio, market, mode, rules).to_dict()
