"""The margin curve: MMR and margin ratio across index moves applied to every crypto at once, with the
liquidation moves (OKX position-builder graph, ``riskws graph``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .core import Prepared, evaluate, prepare
from .liquidation import liquidation_shocks
from .market import Market
from .params import RuleSet
from .portfolio import Portfolio
from .shocked import figures_at

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


def curve_of(prepared: Prepared, shocks: np.ndarray,
             progress: Callable[[int, int], None] | None = None) -> MarginCurve:
    """The curve at ``shocks`` (each a full revaluation, spread over the shock thread pool) and the liquidation
    moves, searched with the curve's own ratios wherever a scan point is one of its shocks."""
    shocks = np.asarray(shocks, dtype=float)
    mmr, ratio = figures_at(prepared, shocks.tolist(), progress)
    known = dict(zip(shocks.tolist(), ratio.tolist()))
    liq = liquidation_shocks(prepared, evaluate(prepared), known=known)
    return MarginCurve(shocks=shocks, mmr=mmr, margin_ratio=ratio, liq_shock=liq)


def graph(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None) -> dict:
    """``riskws graph`` JSON: {"mmrData": [{"shockFactor", "mmr", "mmrRatio"}], "liqShock": {...}}."""
    return margin_curve(portfolio, market, mode, rules).to_dict()
