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

CHUNK_ROWS = 128         # rows per chunk; with SHOCKS_PER_TASK moves, (4, 128, 34) temporaries: 140 KB, in L2
SHOCKS_PER_TASK = 4      # fewer moves at once (a bisection step) take longer chunks: the same block size


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of one unit (portfolio order) and what pricing them needs."""

    rows: np.ndarray        # global row ids
    moves: np.ndarray       # (34,) scenario index moves of the unit's group
    lin: np.ndarray         # positions within ``rows`` of linear rows
    inv: np.ndarray
    opt: np.ndarray
    table: slice            # the chunk's distinct options in the plan's option table
    take: np.ndarray        # per row of the chunk: its option's index within ``table`` (0 for other rows)
    puts: np.ndarray        # positions within ``rows`` of puts
    put_of: np.ndarray      # their index within ``table``
    dead: np.ndarray        # (n_rows, 34) scenario columns with sd <= 1e-12 (intrinsic value)
    any_dead: bool


@dataclass(frozen=True)
class RevaluePlan:
    """Move-independent arrays of a prepared PM book for ``unit_pnl_at``. The option table holds each chunk's
    distinct options one after another, so a chunk reads contiguous slices (no gathers)."""

    n_units: int
    chunk_rows: int
    chunks: tuple[tuple[Chunk, ...], ...]      # per unit, in row order
    rep: np.ndarray             # (m,) a row of each option of the table
    strike: np.ndarray          # (m, 1)
    sd: np.ndarray              # (m, 34) scenario sd, 1.0 where dead (priced, then replaced)
    half_var: np.ndarray        # (m, 34) 0.5 sd sd
    carry_cols: np.ndarray | slice   # MR5 columns (a slice when adjacent: no fancy indexing per chunk)
    carry: np.ndarray           # (m, n_carry) exp(rate x t)
    option_id: np.ndarray       # (n,) distinct option of each option row across the book (-1 for other rows)
    distinct: np.ndarray        # a row of each distinct option (``option_id`` indexes it)


def distinct_options(book: Book, group_of_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(id per row, -1 for non-options; a row of each id): options with the same forward, spot, expiry, strike,
    vol and group, bit for bit, price the same (a call and a put differ only by F - K)."""
    opt_rows = np.flatnonzero(book.kind == OPTION)
    id_of_row = np.full(book.n, -1, dtype=np.int64)
    if not opt_rows.size:
        return id_of_row, opt_rows
    key_cols = [book.fwd, book.spot, book.t_years, book.strike, book.vol, book.days, group_of_pos.astype(float)]
    keys = np.ascontiguousarray(np.stack([c[opt_rows] for c in key_cols], axis=1)).view(np.int64)
    _, first, opt_id = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    id_of_row[opt_rows] = opt_id.reshape(-1)
    return id_of_row, opt_rows[first]


def plan(book: Book, group_of_pos: np.ndarray, of_position: np.ndarray, n_units: int, grid, rules,
         chunk_rows: int = CHUNK_ROWS) -> RevaluePlan:
    """Chunks of ``chunk_rows`` rows per unit and their distinct options."""
    id_of_row, distinct = distinct_options(book, group_of_pos)
    sd = _sd_table(book, distinct, grid, rules)[:, grid.sd_column] if distinct.size else np.zeros((0, N_COLS))
    dead = sd <= 1e-12
    order = np.argsort(of_position, kind="stable")
    bounds = np.searchsorted(of_position[order], np.arange(n_units + 1))
    chunks, table = [], []
    start = 0
    for u in range(n_units):
        rows_u = order[bounds[u]:bounds[u + 1]]
        unit_chunks = []
        for i in range(0, rows_u.size, chunk_rows):
            rows = rows_u[i:i + chunk_rows]
            c, ids = _chunk(book, rows, id_of_row, grid.moves[group_of_pos[rows[0]]], dead, start)
            unit_chunks.append(c)
            table.append(ids)
            start += ids.size
        chunks.append(tuple(unit_chunks))
    ids = np.concatenate(table) if table else np.zeros(0, dtype=np.int64)
    rep = distinct[ids]
    safe = np.where(dead, 1.0, sd)[ids]
    half_var = 0.5 * safe
    half_var *= safe
    carry_cols = np.flatnonzero(grid.rate)
    carry = np.exp(grid.rate[carry_cols][None, :] * book.t_years[rep][:, None])
    if carry_cols.size and np.array_equal(carry_cols, np.arange(carry_cols[0], carry_cols[0] + carry_cols.size)):
        carry_cols = slice(int(carry_cols[0]), int(carry_cols[0]) + carry_cols.size)
    return RevaluePlan(n_units=n_units, chunk_rows=chunk_rows, chunks=tuple(chunks), rep=rep, strike=book.strike[rep][:, None], sd=safe,
                       half_var=half_var, carry_cols=carry_cols, carry=carry, option_id=id_of_row, distinct=distinct)


def _chunk(book: Book, rows: np.ndarray, id_of_row: np.ndarray, moves: np.ndarray, dead: np.ndarray,
           start: int) -> tuple[Chunk, np.ndarray]:
    kind = book.kind[rows]
    opt = np.flatnonzero(kind == OPTION)
    ids = id_of_row[rows[opt]]
    uniq, of_opt = np.unique(ids, return_inverse=True)
    take = np.zeros(rows.size, dtype=np.int64)
    take[opt] = of_opt.reshape(-1)
    puts = opt[~book.is_call[rows[opt]]]
    row_dead = np.zeros((rows.size, N_COLS), dtype=bool)
    row_dead[opt] = dead[ids]
    chunk = Chunk(rows=rows, moves=moves, lin=np.flatnonzero(kind == LINEAR), inv=np.flatnonzero(kind == INVERSE),
                  opt=opt, table=slice(start, start + uniq.size), take=take, puts=puts, put_of=take[puts],
                  dead=row_dead, any_dead=bool(row_dead.any()))
    return chunk, uniq


def unit_pnl_at(p: RevaluePlan, book: Book, u: int, spot: np.ndarray, mark: np.ndarray, fwd: np.ndarray) -> np.ndarray:
    """Scenario P&L of unit ``u`` (b, 34) at b moves, given the shifted prices (b, n) of every row."""
    b = spot.shape[0]
    acc = np.zeros((b, N_COLS))
    buf = np.empty((b, p.chunk_rows + 1, N_COLS))
    for c in p.chunks[u]:
        n = c.rows.size
        buf[:, 0] = acc                      # the running sum first: rows are added one by one, in order
        out = buf[:, 1:n + 1]
        if c.opt.size:
            _option_values(p, book, c, spot, mark, fwd, out)
        if c.lin.size:
            r = c.rows[c.lin]
            out[:, c.lin] = (book.qty[r] * spot[:, r])[:, :, None] * c.moves
        if c.inv.size:
            r = c.rows[c.inv]
            sp = spot[:, r][:, :, None]
            p0 = mark[:, r][:, :, None]
            p_s = np.maximum(p0 + sp * c.moves, p0 * 1e-6)
            s_s = sp * (1.0 + c.moves)
            out[:, c.inv] = book.qty[r][:, None] * (1.0 / p0 - 1.0 / p_s) * s_s
        np.add.reduce(buf[:, :n + 1], axis=1, out=acc)
    return acc


def _option_values(p: RevaluePlan, book: Book, c: Chunk, spot: np.ndarray, mark: np.ndarray, fwd: np.ndarray,
                   out: np.ndarray) -> None:
    """(value - mark) x qty of every row of the chunk into ``out`` (b, n_rows, 34), as ``scenarios._option_pnl``
    (rows that are not options get numbers the caller overwrites)."""
    t = c.table
    rep = p.rep[t]
    f0 = fwd[:, rep][:, :, None]
    f_s = spot[:, rep][:, :, None] * c.moves
    f_s += f0
    np.maximum(f_s, f0 * 1e-6, out=f_s)
    if p.carry.shape[1]:
        f_s[:, :, p.carry_cols] *= p.carry[t]
    strike = p.strike[t]
    sd = p.sd[t]
    d1 = np.log(f_s / strike)
    d1 += p.half_var[t]
    d1 /= sd
    call = f_s * norm_cdf(d1)
    d1 -= sd
    call -= strike * norm_cdf(d1)
    np.take(call, c.take, axis=1, out=out, mode="clip")
    if c.puts.size:                          # a put by parity: call - (F - K); for a call that term is 0
        out[:, c.puts] -= f_s[:, c.put_of] - strike[c.put_of]
    np.maximum(out, 0.0, out=out)
    if c.any_dead:
        f = np.take(f_s, c.take, axis=1)
        k = book.strike[c.rows][:, None]
        is_put = np.zeros((c.rows.size, 1), dtype=bool)
        is_put[c.puts] = True
        intrinsic = np.where(is_put, np.maximum(k - f, 0.0), np.maximum(f - k, 0.0))
        dead = np.broadcast_to(c.dead, out.shape)
        out[dead] = intrinsic[dead]
    out -= mark[:, c.rows][:, :, None]
    out *= book.qty[c.rows][:, None]
