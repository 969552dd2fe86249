"""The unit charts of a held what-if slider (issue 16): the stress curves and the P&L grid in one pass.

``engine.charts.stress_curve`` and ``pnl_grid`` price every option row at every (move, vol) point. A drag step
needs both charts at once, and a book of options usually holds the call and the put of each strike: here each
distinct (forward, spot, strike, time, vol) is priced once as a call, and a put is its call less ``F - K``
(put-call parity of the undiscounted Black-76 price, exact also at expiry, where both are intrinsic values). The
P&L of a group of rows is then the call times the group's summed quantity, less the puts' ``F - K`` legs and the
marks: half the Black-76 evaluations, and no (rows x points) sum.

The figures equal the per-row charts up to floating-point rounding (the sums are taken in another order, and a
put's price by parity is not clamped at zero where rounding would make it -1e-12): tests/engine/test_live_charts.py
compares them with ``stress_curve`` / ``pnl_grid`` at a relative 1e-9 of the P&L scale. The window shows these
only while a slider is held; at release it computes the full charts through ``engine.charts``.
"""

from __future__ import annotations

import threading

import numpy as np

from .book import OPTION
from .charts import _unit_rows, stress_vol_states
from .core import Prepared
from .pm.scenarios import curve_pnl
from .pricing import black76_sd, norm_cdf

GROUPS_PER_BLOCK = 128      # groups priced at a time: (128, k, moves) temporaries stay in cache


def live_unit_charts(prepared: Prepared, unit: str, stress_moves: np.ndarray, grid_moves: np.ndarray,
                     vol_shifts: np.ndarray, spot_in_use: float, run=None) -> tuple[np.ndarray, np.ndarray]:
    """(stress (3, n_s), grid (n_v, n_g)): P&L in USD of risk unit ``unit``, as ``stress_curve`` and ``pnl_grid``
    with the unit's spot in use ``spot_in_use`` (coin amount, the evaluated result's) already chosen.

    ``run``: runs a list of callables and returns their results in order (e.g. ``engine.shocked.run_parallel``,
    the two charts on two threads); None: one after the other."""
    rows, u = _unit_rows(prepared, unit)
    inner = prepared.inner
    book = inner.book
    stress_moves = np.asarray(stress_moves, dtype=float)
    grid_moves = np.asarray(grid_moves, dtype=float)
    vol_shifts = np.asarray(vol_shifts, dtype=float)
    opt = rows[book.kind[rows] == OPTION]
    other = rows[book.kind[rows] != OPTION]
    groups = _Groups.of(book, opt)
    states = stress_vol_states(groups.vol, groups.days, inner.rules)
    shifted = groups.vol[:, None] + vol_shifts[None, :]
    tasks = [lambda: groups.pnl(states, stress_moves), lambda: groups.pnl(shifted, grid_moves)]
    stress, grid = (run or (lambda ts: [t() for t in ts]))(tasks)
    spot_leg = lambda moves: (curve_pnl(book, other, moves, np.zeros(1))[0]         # noqa: E731
                              + spot_in_use * inner.unit_spot[u] * moves)
    return stress + spot_leg(stress_moves)[None, :], grid + spot_leg(grid_moves)[None, :]


class _Groups:
    """Option rows grouped by what their price depends on; one call priced per group."""

    def __init__(self, key: np.ndarray, inverse: np.ndarray, qty: np.ndarray, put_rows: dict[str, np.ndarray],
                 mark_total: float, days: np.ndarray) -> None:
        self.fwd, self.spot, self.strike, self.t, self.vol = key.T
        self.qty = np.bincount(inverse, weights=qty, minlength=key.shape[0])
        self.put = put_rows
        self.mark_total = mark_total
        self.days = days

    @staticmethod
    def of(book, opt: np.ndarray) -> "_Groups":
        key = np.stack([book.fwd[opt], book.spot[opt], book.strike[opt], book.t_years[opt], book.vol[opt]], axis=1)
        if opt.size:
            key, first, inverse = _unique_rows(opt, key)
        else:
            first = inverse = np.zeros(0, dtype=np.int64)
        qty = book.qty[opt]
        put = ~book.is_call[opt].astype(bool)
        p = opt[put]
        put_rows = {"fwd": book.fwd[p], "spot": book.spot[p], "strike": book.strike[p], "qty": book.qty[p]}
        return _Groups(key, inverse.reshape(-1), qty, put_rows, float(qty @ book.mark[opt]),
                       book.days[opt][first])

    def pnl(self, vols: np.ndarray, moves: np.ndarray) -> np.ndarray:
        """Summed option P&L over (vol column, move): ``vols`` (groups, k) are each group's vols; (k, n_moves)."""
        k, out = vols.shape[1], np.zeros((vols.shape[1], moves.size))
        vols = np.maximum(vols, 1e-4)                    # as curve_pnl
        sqrt_t = np.sqrt(np.maximum(self.t, 0.0))
        for start in range(0, self.qty.size, GROUPS_PER_BLOCK):
            g = slice(start, start + GROUPS_PER_BLOCK)
            f0 = self.fwd[g][:, None]
            f_s = np.maximum(f0 + self.spot[g][:, None] * moves[None, :], f0 * 1e-6)          # (groups, moves)
            sd = sqrt_t[g][:, None] * vols[g]                                                 # (groups, k)
            call = _calls(f_s, self.strike[g][:, None], sd)
            out += np.tensordot(self.qty[g], call, axes=(0, 0)).reshape(k, moves.size)
        p = self.put
        if p["qty"].size:                                # a put = its call - (F - K)
            f0 = p["fwd"][:, None]
            f_s = np.maximum(f0 + p["spot"][:, None] * moves[None, :], f0 * 1e-6)
            out -= (p["qty"] @ (f_s - p["strike"][:, None]))[None, :]
        out -= self.mark_total
        return out


_LAST_GROUPS: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []     # (rows, first, inverse) of the last call
_GROUPS_LOCK = threading.Lock()


def _unique_rows(opt: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(key, axis=0, return_index=True, return_inverse=True)``, the same three arrays. A held slider's
    steps group the same rows alike: the last call's grouping is taken again when it is provably what ``np.unique``
    would give (the same rows; each row equal bit for bit to its group's first row; the groups' keys strictly
    increasing in ``np.unique``'s lexicographic order, so no two groups merged or swapped), else ``np.unique``."""
    with _GROUPS_LOCK:
        last = _LAST_GROUPS[0] if _LAST_GROUPS else None
    if last is not None and np.array_equal(last[0], opt):
        _, first, inverse = last
        reps = key[first]
        if (np.array_equal(key.view(np.int64), reps[inverse].view(np.int64)) and _increasing(reps)):
            return reps, first, inverse
    uniq, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    with _GROUPS_LOCK:
        _LAST_GROUPS[:] = [(opt.copy(), first, inverse)]
    return uniq, first, inverse


def _increasing(rows: np.ndarray) -> bool:
    """Whether each row is lexicographically (first column first) strictly greater than the one before it."""
    a, b = rows[:-1], rows[1:]
    greater = np.zeros(a.shape[0], dtype=bool)           # decided by the columns after the current one
    for c in range(rows.shape[1] - 1, -1, -1):
        greater = (b[:, c] > a[:, c]) | ((b[:, c] == a[:, c]) & greater)
    return bool(greater.all())


def _calls(f_s: np.ndarray, strike: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Black-76 calls (groups, k, moves) from forwards ``f_s`` (groups, moves), strikes (groups, 1) and standard
    deviations ``sd`` (groups, k): ``log(F / K)`` is taken once per (group, move), not per vol. Groups with a zero
    sd (expiring now) go through ``black76_sd`` (intrinsic value)."""
    if (sd <= 1e-12).any():
        return black76_sd(f_s[:, None, :], strike[:, :, None], sd[:, :, None], np.ones((1, 1, 1), dtype=bool))
    d1 = np.log(f_s / strike)[:, None, :] + (0.5 * sd * sd)[:, :, None]
    d1 /= sd[:, :, None]
    price = f_s[:, None, :] * norm_cdf(d1)
    d1 -= sd[:, :, None]
    price -= strike[:, :, None] * norm_cdf(d1)
    np.maximum(price, 0.0, out=price)
    return price
