"""The margin curve as computed before the speed work: the slow reference the fast paths are tested against.

Every shock a full revaluation (``evaluate_at``: ``shift_book`` + ``prepare`` + ``evaluate``) one at a time, and the
one-point-at-a-time liquidation scan + bisection (``liquidation_search``), reusing the curve's ratios only at
exactly equal shocks. Used by tests/engine/test_curve_parallel.py and by bench/curve.py (before/after runs).
Also the plain per-unit sum of the scenario P&L (``sum_rows_by``) the core's kernel is tested against.
"""

from __future__ import annotations

import numpy as np

from .core import Prepared, evaluate
from .liquidation import liquidation_search
from .shocked import evaluate_at, ratio_of


def sum_rows_by(labels: np.ndarray, values: np.ndarray, n_labels: int) -> np.ndarray:
    """Rows of ``values`` (n, k) summed per label: (n_labels, k). The plain per-unit sum ``prepare_pm`` did before
    it used the curve's kernel: with ``scenarios.revalue``, the reference tests/engine/test_prepare_kernel.py
    holds it to.

    Row by row in portfolio order, from 0, like ``np.add.at`` (an axis-0 reduction of a C-contiguous block adds
    whole rows in sequence), without its per-element cost.
    """
    out = np.zeros((n_labels, values.shape[1]))
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_labels + 1))
    for u in range(n_labels):
        rows = order[bounds[u]:bounds[u + 1]]
        if rows.size:
            contiguous = rows[-1] - rows[0] + 1 == rows.size      # a unit's positions usually sit together
            block = values[rows[0]:rows[-1] + 1] if contiguous else values[rows]
            out[u] = np.add.reduce(block, axis=0, initial=0.0)
    return out


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
