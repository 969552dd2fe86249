"""P&L of the positions of one underlying (and of that coin's balance) over index moves and vol shifts.

Risk-unit charts need portfolio margin; these work in every mode (they use only the priced book), so the stress
and heatmap charts have something to show in multi-currency mode too. The P&L is a revaluation, not a margin:
the forward moves with the index by the same absolute amount (as ``pm.scenarios.curve_pnl``), and the coin
balance of the underlying (cash, from the portfolio) moves with its index. Vectorised over rows, moves and shifts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .book import OPTION
from .errors import InputError
from .pm.scenarios import curve_pnl, vol_shock_size
from .pricing import black76


def underlyings(prepared: Any) -> tuple[str, ...]:
    """The underlyings of the book's positions, largest absolute notional first (the default to show)."""
    book = prepared.inner.book
    if book.n == 0:
        return ()
    ccy = np.asarray(book.ccy)
    names, inverse = np.unique(ccy, return_inverse=True)
    weight = np.zeros(names.size)
    np.add.at(weight, inverse, np.abs(book.notional_usd()))
    return tuple(str(names[i]) for i in np.argsort(-weight, kind="stable"))


def _rows(prepared: Any, ccy: str) -> np.ndarray:
    book = prepared.inner.book
    rows = np.flatnonzero(np.asarray(book.ccy) == ccy) if book.n else np.empty(0, dtype=int)
    if rows.size == 0:
        raise InputError(f"underlying {ccy!r}: no position of the book has it")
    return rows


def balance_pnl(prepared: Any, ccy: str, moves: np.ndarray) -> np.ndarray:
    """USD P&L of the portfolio's ``ccy`` balance when its index moves by ``moves`` (fractions)."""
    inner = prepared.inner
    amount = float(inner.portfolio.asset_amounts().get(ccy, 0.0))
    if amount == 0.0:
        return np.zeros(np.asarray(moves).size)
    return amount * inner.market.index_usd(ccy) * np.asarray(moves, dtype=float)


def underlying_grid(prepared: Any, ccy: str, moves: np.ndarray, vol_shifts: np.ndarray) -> np.ndarray:
    """P&L (USD) of ``ccy``'s positions and balance: shape (n_vol, n_moves) over moves x absolute vol shifts."""
    moves = np.asarray(moves, dtype=float)
    vol_shifts = np.asarray(vol_shifts, dtype=float)
    grid = curve_pnl(prepared.inner.book, _rows(prepared, ccy), moves, vol_shifts)
    return grid + balance_pnl(prepared, ccy, moves)[None, :]


def underlying_stress(prepared: Any, ccy: str, moves: np.ndarray) -> np.ndarray:
    """P&L (USD) of ``ccy``'s positions and balance for vol down / same / up: shape (3, n).

    The vol states are the MR1 vol shocks of the rule set (``mr1.volShock*``, ``mr1.volFloor``), per option by
    its days to expiry, so the curves match the portfolio-margin stress chart's.
    """
    inner = prepared.inner
    book, rules = inner.book, inner.rules
    moves = np.asarray(moves, dtype=float)
    rows = _rows(prepared, ccy)
    opt = rows[book.kind[rows] == OPTION]
    lin = rows[book.kind[rows] != OPTION]
    out = np.zeros((3, moves.size))
    out += curve_pnl(book, lin, moves, np.zeros(1))[0][None, :]
    if opt.size:                                      # one broadcast: options x vol states x moves
        signs = np.array([-1.0, 0.0, 1.0])[None, :, None]
        shock = vol_shock_size(book.days[opt], book.vol[opt], rules)[:, None, None]
        vol = book.vol[opt][:, None, None] + signs * shock
        vol = np.where(signs < 0, np.maximum(vol, rules.get("mr1.volFloor")), vol)
        f0 = book.fwd[opt][:, None, None]
        f_s = np.maximum(f0 + book.spot[opt][:, None, None] * moves[None, None, :], f0 * 1e-6)
        value = black76(f_s, book.strike[opt][:, None, None], np.maximum(vol, 1e-4), book.t_years[opt][:, None, None],
                        book.is_call[opt][:, None, None])
        out += (book.qty[opt][:, None, None] * (value - book.mark[opt][:, None, None])).sum(axis=0)
    return out + balance_pnl(prepared, ccy, moves)[None, :]
