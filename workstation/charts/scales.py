"""Numbers for chart scales, without Qt: round scale ends, padded ranges, the finite values of some arrays."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


# round numbers a scale may end on: each step at most 1.33x the previous one, so at most a quarter stays unused
NICE_MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(x: float) -> float:
    """Smallest number of the form m x 10^k (m in ``NICE_MANTISSAS``) that is >= ``x`` > 0.

    A scale that ends on such a number reads well and, during a drag, stays put while the data move inside it
    (an exact fit would change, and redraw the axis, at every step)."""
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"nice_ceil needs a positive finite number, got {x!r}")
    exp = math.floor(math.log10(x))
    for e in (exp - 1, exp, exp + 1):               # guards log10 rounding at exact powers of ten
        for m in NICE_MANTISSAS:
            value = m * 10.0 ** e
            if value >= x * (1 - 1e-12):
                return value
    raise AssertionError("unreachable")  # pragma: no cover


def padded(lo: float, hi: float, frac_lo: float = 0.05, frac_hi: float | None = None,
           minimum_span: float = 1.0) -> tuple[float, float]:
    """Range ``[lo, hi]`` widened by a fraction of its span on each side (a flat range gets ``minimum_span``)."""
    if frac_hi is None:
        frac_hi = frac_lo
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (-minimum_span / 2, minimum_span / 2)
    span = hi - lo
    if span <= 0:
        half = max(abs(lo) * 0.1, minimum_span / 2)
        return (lo - half, hi + half)
    return (lo - span * frac_lo, hi + span * frac_hi)


def finite_values(*arrays: Any) -> np.ndarray:
    parts = [np.asarray(a, dtype=float).ravel() for a in arrays if a is not None]
    if not parts:
        return np.empty(0)
    v = np.concatenate(parts)
    return v[np.isfinite(v)]
