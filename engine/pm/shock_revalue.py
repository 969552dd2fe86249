"""Scenario P&L per risk unit at many index moves at once: the heavy half of the margin curve.

``prepare_pm`` on a shifted book revalues every position over the 34 scenario columns and sums the rows per unit.
Here the same numbers come for a block of moves in one broadcast, (moves x rows x 34) in cache-sized chunks, with
what does not depend on the move computed once (scenario standard deviations, Black-76's half variance, the dead
columns, the MR5 carry factors) and each distinct option priced once: a call and a put of the same expiry, strike
and vol share Black-76's ``F N(d1) - K N(d2)``; the put is that minus (F - K), exactly as ``black76_sd`` prices it
by parity. Every element sees the same floating-point operations in the same order as the one-move path, and the
rows of a unit are added one after another in portfolio order (``prepare._sum_rows_by``), so the sums are
bit-identical (tests/engine/test_curve_parallel.py compares with ``==``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..book import INVERSE, LINEAR, OPTION, Book
from ..pricing import norm_cdf
from .scenarios import N_COLS, _sd_table

CHUNK_ROWS = 64          # rows per chunk; with SHOCKS_PER_TASK moves, (4, 64, 34) temporaries: 70 KB, in L2
SHOCKS_PER_TASK = 4


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of one unit (portfolio order) and what pricing them needs."""

    rows: np.ndarray        # global row ids
    lin: np.ndarray         # positions within ``rows`` of linear rows
    inv: np.ndarray
    opt: np.ndarray
    uniq: np.ndarray        # distinct options priced for this chunk (ids into the plan's option table)
    of_opt: np.ndarray      # per option row of the chunk: its index into ``uniq``
    put: np.ndarray         # (n_opt, 1) 1.0 for a put
    dead: np.ndarray        # (n_opt, 34) scenario columns with sd <= 1e-12 (intrinsic value), or empty
    any_dead: bool


@dataclass(frozen=True)
class RevaluePlan:
    """Move-independent arrays of a prepared PM book for ``unit_pnl_at``."""

    n_units: int
    chunks: tuple[tuple[Chunk, ...], ...]      # per unit, in row order
    row_moves: np.ndarray       # (n, 34) scenario index moves of each row's group
    rep: np.ndarray             # (m,) a row of each distinct option
    strike: np.ndarray          # (m, 1)
    sd: np.ndarray              # (m, 34) scenario sd, 1.0 where dead (priced, then replaced)
    half_var: np.ndarray        # (m, 34) 0.5 sd sd
    moves: np.ndarray           # (m, 34)
    carry_cols: np.ndarray      # MR5 columns
    carry: np.ndarray           # (m, n_carry) exp(rate x t)


def plan(book: Book, group_of_pos: np.ndarray, of_position: np.ndarray, n_units: int, grid, rules) -> RevaluePlan:
    """Chunks per unit and the distinct options (same forward, spot, expiry, strike, vol, group: bit for bit)."""
    row_moves = grid.moves[group_of_pos]
    opt_rows = np.flatnonzero(book.kind == OPTION)
    key_cols = [book.fwd, book.spot, book.t_years, book.strike, book.vol, book.days, group_of_pos.astype(float)]
    keys = np.ascontiguousarray(np.stack([c[opt_rows] for c in key_cols], axis=1)).view(np.int64)
    _, first, opt_id = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    opt_id = opt_id.reshape(-1)
    rep = opt_rows[first]
    sd = _sd_table(book, rep, grid, rules)[:, grid.sd_column] if rep.size else np.zeros((0, N_COLS))
    dead = sd <= 1e-12
    safe = np.where(dead, 1.0, sd)
    half_var = 0.5 * safe
    half_var *= safe
    carry_cols = np.flatnonzero(grid.rate)
    carry = np.exp(grid.rate[carry_cols][None, :] * book.t_years[rep][:, None])
    id_of_row = np.full(book.n, -1, dtype=np.int64)
    id_of_row[opt_rows] = opt_id
    order = np.argsort(of_position, kind="stable")
    bounds = np.searchsorted(of_position[order], np.arange(n_units + 1))
    chunks = []
    for u in range(n_units):
        rows_u = order[bounds[u]:bounds[u + 1]]
        chunks.append(tuple(_chunk(book, rows_u[i:i + CHUNK_ROWS], id_of_row, dead)
                            for i in range(0, rows_u.size, CHUNK_ROWS)))
    return RevaluePlan(n_units=n_units, chunks=tuple(chunks), row_moves=row_moves, rep=rep,
                       strike=book.strike[rep][:, None], sd=safe, half_var=half_var, moves=row_moves[rep],
                       carry_cols=carry_cols, carry=carry)


def _chunk(book: Book, rows: np.ndarray, id_of_row: np.ndarray, dead: np.ndarray) -> Chunk:
    kind = book.kind[rows]
    opt = np.flatnonzero(kind == OPTION)
    uniq, of_opt = np.unique(id_of_row[rows[opt]], return_inverse=True)
    of_opt = of_opt.reshape(-1)
    chunk_dead = dead[uniq][of_opt] if opt.size else np.zeros((0, N_COLS), dtype=bool)
    return Chunk(rows=rows, lin=np.flatnonzero(kind == LINEAR), inv=np.flatnonzero(kind == INVERSE), opt=opt,
                 uniq=uniq, of_opt=of_opt, put=np.logical_not(book.is_call[rows[opt]]).astype(float)[:, None],
                 dead=chunk_dead, any_dead=bool(chunk_dead.any()))


def unit_pnl_at(p: RevaluePlan, book: Book, u: int, spot: np.ndarray, mark: np.ndarray, fwd: np.ndarray) -> np.ndarray:
    """Scenario P&L of unit ``u`` (b, 34) at b moves, given the shifted prices (b, n) of every row."""
    b = spot.shape[0]
    acc = np.zeros((b, N_COLS))
    buf = np.empty((b, CHUNK_ROWS + 1, N_COLS))
    for c in p.chunks[u]:
        n = c.rows.size
        buf[:, 0] = acc                      # the running sum first: rows are added one by one, in order
        if c.opt.size:
            buf[:, 1 + c.opt] = _option_values(p, book, c, spot, mark, fwd)
        if c.lin.size:
            r = c.rows[c.lin]
            buf[:, 1 + c.lin] = (book.qty[r] * spot[:, r])[:, :, None] * p.row_moves[r]
        if c.inv.size:
            r = c.rows[c.inv]
            s = p.row_moves[r]
            sp = spot[:, r][:, :, None]
            p0 = mark[:, r][:, :, None]
            p_s = np.maximum(p0 + sp * s, p0 * 1e-6)
            s_s = sp * (1.0 + s)
            buf[:, 1 + c.inv] = book.qty[r][:, None] * (1.0 / p0 - 1.0 / p_s) * s_s
        acc = np.add.reduce(buf[:, :n + 1], axis=1)
    return acc


def _option_values(p: RevaluePlan, book: Book, c: Chunk, spot: np.ndarray, mark: np.ndarray,
                   fwd: np.ndarray) -> np.ndarray:
    """(value - mark) x qty of the chunk's option rows: (b, n_opt, 34), as ``scenarios._option_pnl``."""
    rep = p.rep[c.uniq]
    f0 = fwd[:, rep][:, :, None]
    f_s = spot[:, rep][:, :, None] * p.moves[c.uniq]
    f_s += f0
    np.maximum(f_s, f0 * 1e-6, out=f_s)
    if p.carry_cols.size:
        f_s[:, :, p.carry_cols] *= p.carry[c.uniq]
    strike = p.strike[c.uniq]
    sd = p.sd[c.uniq]
    d1 = np.log(f_s / strike)
    d1 += p.half_var[c.uniq]
    d1 /= sd
    call = f_s * norm_cdf(d1)
    d1 -= sd
    call -= strike * norm_cdf(d1)
    j = c.of_opt
    fk = f_s - strike
    price = call[:, j]
    price -= fk[:, j] * c.put
    np.maximum(price, 0.0, out=price)
    if c.any_dead:
        f = f_s[:, j]
        k = book.strike[c.rows[c.opt]][:, None]
        intrinsic = np.where(c.put == 0.0, np.maximum(f - k, 0.0), np.maximum(k - f, 0.0))
        dead = np.broadcast_to(c.dead, price.shape)
        price[dead] = intrinsic[dead]
    rows = c.rows[c.opt]
    price -= mark[:, rows][:, :, None]
    price *= book.qty[rows][:, None]
    return price
