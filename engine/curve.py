"""The margin curve: MMR and margin ratio across index moves applied to every crypto at once, with the
liquidation moves (OKX position-builder graph, ``riskws graph``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .core import Prepared, evaluate, prepare
from .liquidation import liquidation_shocks, scan_points
from .market import Market
from .params import RuleSet
from .portfolio import Portfolio
from .shocked import figures_at, ratio_of

DEFAULT_SHOCKS = np.round(np.linspace(-1.0, 1.0, 201), 10)


@dataclass(frozen=True)
class MarginCurve:
    shocks: np.ndarray
    mmr: np.ndarray
    margin_ratio: np.ndarray        # inf where nothing needs margin
    liq_shock: tuple[float | None, float | None]
    exact: bool = True              # False: a preview (coarse grid, liquidation moves interpolated on it)

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
    """The curve at ``shocks`` and the liquidation moves. The curve's shocks and every liquidation scan point that
    is not exactly one of them are evaluated in one ``figures_at`` call (portfolio margin: one broadcast over the
    moves); the scan then reads them all and only the bisection evaluates more."""
    shocks = np.asarray(shocks, dtype=float)
    listed = shocks.tolist()
    present = set(listed)
    extra = [s for s in scan_points() if s not in present]
    mmr, ratio = figures_at(prepared, listed + extra, progress)
    known = dict(zip(listed + extra, ratio.tolist()))
    liq = liquidation_shocks(prepared, evaluate(prepared), known=known)
    return MarginCurve(shocks=shocks, mmr=mmr[:shocks.size], margin_ratio=ratio[:shocks.size], liq_shock=liq)


def preview_curve(prepared: Prepared, shocks: np.ndarray) -> MarginCurve:
    """A cheap curve to follow a drag: the same exact figures at ``shocks`` (e.g. every 5th of the default grid),
    and the liquidation moves interpolated linearly in the margin ratio between the grid points that bracket the
    first crossing on each side (no scan, no bisection). ``exact`` is False; the full curve follows at drag end."""
    shocks = np.asarray(shocks, dtype=float)
    mmr, ratio = figures_at(prepared, shocks.tolist())
    base = ratio_of(evaluate(prepared))
    return MarginCurve(shocks=shocks, mmr=mmr, margin_ratio=ratio, liq_shock=interpolated_liquidation(shocks, ratio, base),
                       exact=False)


def interpolated_liquidation(shocks: np.ndarray, ratio: np.ndarray, base: float) -> tuple[float | None, float | None]:
    """First crossing of ratio 1 walking out from 0 on each side, interpolated linearly between grid points."""
    if base <= 1.0:
        return (0.0, 0.0)
    out: list[float | None] = []
    for sign in (-1.0, 1.0):
        side = np.flatnonzero(shocks * sign > 0)
        side = side[np.argsort(np.abs(shocks[side]))]
        prev_s, prev_r, found = 0.0, base, None
        for i in side:
            s, r = float(shocks[i]), float(ratio[i])
            if r <= 1.0:
                w = 1.0 if not np.isfinite(prev_r) else (prev_r - 1.0) / (prev_r - r)
                found = round(prev_s + w * (s - prev_s), 6)
                break
            prev_s, prev_r = s, r
        out.append(found)
    return out[0], out[1]


def graph(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None) -> dict:
    """``riskws graph`` JSON: {"mmrData": [{"shockFactor", "mmr", "mmrRatio"}], "liqShock": {...}}."""
    return margin_curve(portfolio, market, mode, rules).to_dict()
