"""Liquidation moves: the smallest index moves (every crypto at once) at which the margin ratio falls to 1."""

from __future__ import annotations

from typing import Callable

from .core import Prepared
from .result import MarginResult
from .shocked import evaluate_at, ratio_of


def liquidation_shocks(prepared: Prepared, base: MarginResult, step: float = 0.01,
                       tol: float = 1e-4) -> tuple[float | None, float | None]:
    """Smallest index moves down and up (every crypto at once) at which marginRatio falls to 1; None within ±100 %."""
    return liquidation_search(lambda s: ratio_of(evaluate_at(prepared, s)), ratio_of(base), step, tol)


def liquidation_search(ratio_at: Callable[[float], float], base_ratio: float, step: float = 0.01,
                       tol: float = 1e-4) -> tuple[float | None, float | None]:
    """Scan each side on a ``step`` grid for the first ratio <= 1, then bisect that step down to ``tol``."""
    if base_ratio <= 1.0:
        return (0.0, 0.0)
    out: list[float | None] = []
    for sign in (-1.0, 1.0):
        found = None
        prev = 0.0
        for k in range(1, int(round(1.0 / step)) + 1):
            s = sign * k * step
            if ratio_at(s) <= 1.0:
                lo, hi = prev, s
                while abs(hi - lo) > tol:
                    mid = 0.5 * (lo + hi)
                    if ratio_at(mid) <= 1.0:
                        hi = mid
                    else:
                        lo = mid
                found = round(hi, 6)
                break
            prev = s
        out.append(found)
    return out[0], out[1]
