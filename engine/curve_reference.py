"""The margin curve as computed before the speed work: the slow reference the fast paths are tested against.

Every shock a full revaluation (``evaluate_at``: ``shift_book`` + ``prepare`` + ``evaluate``) one at a time, and the
one-point-at-a-time liquidation scan + bisection (``liquidation_search``), reusing the curve's ratios only at
exactly equal shocks. Used by tests/engine/test_curve_parallel.py and by bench/curve.py (before/after runs).
"""

from __future__ import annotations

import numpy as np

from .core import Prepared, evaluate
from .liquidation import liquidation_search
from .shocked import evaluate_at, ratio_of


def reference_curve(prepared: Prepared, shocks) -> tuple[np.ndarray, np.ndarray, tuple[float | None, float | None]]:
    """(total MMR, margin ratio, liquidation moves) at ``shocks``, the plain way."""
    ratios: dict[float, float] = {}
    results = []
    for s in shocks:
        r = evaluate_at(prepared, float(s))
        ratios[float(s)] = ratio_of(r)
        results.append(r)
    mmr = np.array([r.total_mmr for r in results])
    ratio = np.array([ratio_of(r) for r in results])
    liq = liquidation_search(lambda s: ratios[s] if s in ratios else ratio_of(evaluate_at(prepared, s)),
                             ratio_of(evaluate(prepared)))
    return mmr, ratio, liq
