"""The vectorised margin ratio matches the scalar one at the edges of the float range (found by the fuzz test:
a tiny MMR under a huge equity overflowed, and the overflow warning failed the run)."""

import numpy as np

from engine.account import margin_ratio
from engine.pm.shock_eval import margin_ratios


def test_ratio_beyond_the_float_range_is_inf_like_the_scalar_path() -> None:
    adj_eq = np.array([1e300, 2.0, -1e300, 5.0])
    denom = np.array([1e-300, 4.0, 1e-300, 0.0])
    got = margin_ratios(adj_eq, denom)
    # by hand: 1e300 / 1e-300 = 1e600 > float max -> inf; 2 / 4 = 0.5; -inf; nothing to margin -> inf
    assert got.tolist() == [np.inf, 0.5, -np.inf, np.inf]
    scalar = [margin_ratio(a, d, 0.0) for a, d in zip(adj_eq.tolist(), denom.tolist())]
    assert [np.inf if r is None else r for r in scalar] == got.tolist()
