"""Chart data of one risk unit (portfolio margin): P&L over index moves for the three MR1 vol states, and the
P&L grid over index moves x vol shifts. The derivative part is kept per prepared book, so a spot-in-use drag only
adds the spot leg."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

import numpy as np

from .core import Prepared, evaluate
from .errors import InputError


def _unit_rows(prepared: Prepared, unit: str) -> tuple[np.ndarray, int]:
    inner = prepared.inner
    if prepared.mode != "pm":
        raise InputError("stress charts need portfolio margin mode (risk units)")
    try:
        u = inner.units.names.index(unit)
    except ValueError:
        raise InputError(f"risk unit {unit!r} not in this portfolio ({', '.join(inner.units.names)})") from None
    return np.flatnonzero(inner.units.of_position == u), u


def stress_curve(prepared: Prepared, unit: str, moves: np.ndarray,
                 spot_in_use: Mapping[str, float | None] | None = None) -> np.ndarray:
    """P&L (USD) of a risk unit over index moves for vol down / same / up (MR1 vol shocks): shape (3, n)."""
    rows, u = _unit_rows(prepared, unit)
    moves = np.asarray(moves, dtype=float)
    derivatives = _memo(prepared, ("stress", unit, moves.tobytes()), lambda: _stress_derivatives(prepared, rows, moves))
    return derivatives + _spot_pnl(prepared, u, moves, spot_in_use)[None, :]


def _stress_derivatives(prepared: Prepared, rows: np.ndarray, moves: np.ndarray) -> np.ndarray:
    from .pm.scenarios import curve_pnl
    inner = prepared.inner
    out = np.zeros((3, moves.size))
    opt_rows = rows[inner.book.kind[rows] == 2]
    lin_rows = rows[inner.book.kind[rows] != 2]
    base = curve_pnl(inner.book, lin_rows, moves, np.zeros(1))[0]
    out += base[None, :]
    if opt_rows.size:
        b = inner.book
        states = stress_vol_states(b.vol[opt_rows], b.days[opt_rows], inner.rules)
        for state in range(3):
            shifted = replace(b, vol=b.vol.copy())
            shifted.vol[opt_rows] = states[:, state]
            out[state] += curve_pnl(shifted, opt_rows, moves, np.zeros(1))[0]
    return out


def stress_vol_states(vol: np.ndarray, days: np.ndarray, rules) -> np.ndarray:
    """The stress chart's three vol states of each option, (n, 3): MR1's vol down (floored at ``mr1.volFloor``),
    the vol as it is, MR1's vol up. One definition for the full chart and the held slider's (``live_charts``)."""
    from .pm.scenarios import vol_shock_size
    shock = vol_shock_size(days, vol, rules)
    return np.stack([np.maximum(vol - shock, rules.get("mr1.volFloor")), vol, vol + shock], axis=1)


def _memo(prepared: Prepared, key: tuple, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """The derivative part of a chart, computed once per prepared book (a spot-in-use drag only adds spot P&L)."""
    memo = prepared.inner.memo
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _spot_pnl(prepared: Prepared, u: int, moves: np.ndarray, spot_in_use) -> np.ndarray:
    result = evaluate(prepared, spot_in_use)
    amt = result.units[u].spot_in_use
    return amt * prepared.inner.unit_spot[u] * moves


def pnl_grid(prepared: Prepared, unit: str, moves: np.ndarray, vol_shifts: np.ndarray,
             spot_in_use: Mapping[str, float | None] | None = None) -> np.ndarray:
    """P&L (USD) of a risk unit over index moves x absolute vol shifts: shape (n_vol, n_moves)."""
    from .pm.scenarios import curve_pnl
    rows, u = _unit_rows(prepared, unit)
    moves = np.asarray(moves, dtype=float)
    vol_shifts = np.asarray(vol_shifts, dtype=float)
    grid = _memo(prepared, ("grid", unit, moves.tobytes(), vol_shifts.tobytes()),
                 lambda: curve_pnl(prepared.inner.book, rows, moves, vol_shifts))
    return grid + _spot_pnl(prepared, u, moves, spot_in_use)[None, :]
