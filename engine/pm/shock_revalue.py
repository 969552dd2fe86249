"""Scenario P&L per risk unit at many index moves at once: the heavy half of the margin curve, and (one "move":
the book's own prices) of ``prepare_pm`` itself.

The plain way revalues every position over the 34 scenario columns (``scenarios.revalue``) and sums the rows per
unit. Here the same numbers come for a block of moves in one broadcast, (moves x rows x 34) in cache-sized chunks, with
what does not depend on the move computed once (scenario standard deviations, Black-76's half variance, the dead
columns, the MR5 carry factors) and each distinct option priced once: a call and a put of the same expiry, strike
and vol share Black-76's ``F N(d1) - K N(d2)``; the put is that minus (F - K), exactly as ``black76_sd`` prices it
by parity. A chunk prices its distinct options into one table (the calls, then the puts when it holds any; floored
at 0; the intrinsic value in dead columns) and each row reads its price from it. Every element sees the same floating-point operations in the same order as the one-move path, and the
rows of a unit are added one after another in portfolio order (``curve_reference.sum_rows_by``), so the sums are
bit-identical (tests/engine/test_curve_parallel.py and tests/engine/test_prepare_kernel.py compare with ``==``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from ..book import INVERSE, LINEAR, OPTION, Book
from ..pricing import norm_cdf
from .scenarios import N_COLS, _sd_table

CHUNK_ROWS = 128         # rows per chunk; with SHOCKS_PER_TASK moves, (4, 128, 34) temporaries: 140 KB, in L2
SHOCKS_PER_TASK = 4      # fewer moves at once (a bisection step) take longer chunks: the same block size


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of one unit (portfolio order) and what pricing them needs.

    The chunk's price table (b, n_calls + n_puts, 34): the call of each of its distinct options, then, when the
    chunk holds a put, the put of each (by parity); every option row reads its price from it (``price_of``)."""

    rows: np.ndarray        # global row ids
    moves: np.ndarray       # (34,) scenario index moves of the unit's group
    lin: np.ndarray         # positions within ``rows`` of linear rows
    inv: np.ndarray
    opt: np.ndarray
    table: slice            # the chunk's distinct options in the plan's option table
    n_puts: int             # 0 (no put row) or the number of distinct options: their puts follow the calls
    price_of: np.ndarray    # per row: its entry in the price table (0 for rows that are not options)
    dead_ent: np.ndarray    # entries of the price table with a dead column (sd <= 1e-12: intrinsic value)
    dead_opt: np.ndarray    # their option's index within ``table``
    dead_put: np.ndarray    # (n_dead, 1) bool: the entry is a put
    dead_cols: np.ndarray   # (n_dead, 34) bool: the dead columns of those entries
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
    dead: np.ndarray | None = None   # (m, 34) bool: the table's dead columns (sd <= 1e-12)


def distinct_options(book: Book, group_of_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(id per row, -1 for non-options; a row of each id): options with the same forward, spot, expiry, strike,
    vol and group, bit for bit, price the same (a call and a put differ only by F - K).

    Ids follow the keys' order as ``np.unique(keys, axis=0)`` numbers them (the int64 view of each column, the first
    column first), found with one ``lexsort`` instead (``np.unique`` along an axis costs about ten times more)."""
    opt_rows = np.flatnonzero(book.kind == OPTION)
    id_of_row = np.full(book.n, -1, dtype=np.int64)
    if not opt_rows.size:
        return id_of_row, opt_rows
    key_cols = [book.fwd, book.spot, book.t_years, book.strike, book.vol, book.days, group_of_pos.astype(float)]
    keys = [np.ascontiguousarray(c[opt_rows]).view(np.int64) for c in key_cols]
    order = np.lexsort(keys[::-1])                     # stable: the first row of each key comes first
    new = np.ones(order.size, dtype=bool)
    for k in keys:
        sk = k[order]
        new[1:] &= sk[1:] == sk[:-1]
    new[1:] = ~new[1:]                                 # a key differing from the one before it starts an id
    ids_sorted = np.cumsum(new) - 1
    id_of_row[opt_rows[order]] = ids_sorted
    return id_of_row, opt_rows[order[new]]


_PLAN_INPUTS = ("kind", "is_call", "fwd", "spot", "t_years", "strike", "vol", "days")
_PLANS: list[tuple[tuple, tuple[np.ndarray, ...], RevaluePlan]] = []     # newest last
KEEP_PLANS = 4
_PLANS_LOCK = threading.Lock()


def plan(book: Book, group_of_pos: np.ndarray, of_position: np.ndarray, n_units: int, grid, rules,
         chunk_rows: int = CHUNK_ROWS) -> RevaluePlan:
    """``build_plan``'s plan, or the one it gave for the same inputs bit for bit (the arrays it reads, compared
    as integers: -0.0 is not 0.0, a nan equals itself) with the same grid, rule set and chunk size: a recompute
    after an edit that moves no price and no unit (a size changed, an entry price, a balance) plans nothing again."""
    key = (grid, rules, n_units, chunk_rows, book.n)       # the objects themselves: their ids are not reused
    arrays = tuple(getattr(book, k) for k in _PLAN_INPUTS) + (group_of_pos, of_position)
    for k, kept, hit in reversed(_PLANS):
        if (k[0] is grid and k[1] is rules and k[2:] == key[2:]
                and all(np.array_equal(_bits(a), _bits(b)) for a, b in zip(arrays, kept))):
            return hit
    made = None
    for entry in reversed(_PLANS):               # a held index or vol slider: only forwards, spots, vols differ
        k, kept, hit = entry
        if k[0] is grid and k[1] is rules and k[2:] == key[2:]:
            made = _moved_plan(book, arrays, kept, hit, grid, rules)
            if made is not None:
                with _PLANS_LOCK:                # kept as the newest, for these inputs
                    _PLANS[:] = [e for e in _PLANS if e is not entry]
                break
    if made is None:
        made = build_plan(book, group_of_pos, of_position, n_units, grid, rules, chunk_rows)
    with _PLANS_LOCK:
        _PLANS.append((key, tuple(np.array(a) for a in arrays), made))
        del _PLANS[:-KEEP_PLANS]
    return made


_MOVED = ("fwd", "spot", "vol", "t_years", "days")   # what a what-if step moves (index, vol, time roll)
_TERMS = ("vol", "t_years", "days")                   # of those, what the plan's scenario sd and carry rest on


def _moved_plan(book: Book, arrays: tuple[np.ndarray, ...], kept: tuple[np.ndarray, ...], hit: RevaluePlan,
                grid, rules) -> RevaluePlan | None:
    """``book``'s plan from ``hit`` when only forwards, spots, vols or times moved (a held what-if slider), else None.

    Every other input must equal ``hit``'s bit for bit, and the option rows that share a distinct option must still
    share them bit for bit. The plan keeps no forward or spot, only which rows price alike, the rows that represent
    them and arrays of their terms: with the same vols and times it is ``hit`` itself; else the table's scenario sd
    (and with other times the MR5 carry) is computed again from the representing rows (``_sd_table`` is elementwise:
    the same numbers as ``build_plan`` takes for them), provided the same columns are dead. Each price is then computed from
    the same numbers by the same operations as with a plan built afresh (whose option table may list the options in
    another order, or split options that became equal: neither changes a price or the rows' sums, taken in row
    order)."""
    names = _PLAN_INPUTS + ("group_of_pos", "of_position")
    same = {name: np.array_equal(_bits(a), _bits(b)) for name, a, b in zip(names, arrays, kept)}
    if not all(ok for name, ok in same.items() if name not in _MOVED):
        return None
    rows = np.flatnonzero(hit.option_id >= 0)
    rep = hit.distinct[hit.option_id[rows]]
    if not all(np.array_equal(_bits(getattr(book, name)[rows]), _bits(getattr(book, name)[rep])) for name in _MOVED):
        return None
    if all(same[name] for name in _TERMS):
        return hit
    if hit.dead is None:
        return None
    sd = _sd_table(book, hit.rep, grid, rules)[:, grid.sd_column] if hit.rep.size else np.zeros((0, N_COLS))
    dead = sd <= 1e-12
    if not np.array_equal(dead, hit.dead):
        return None
    safe = np.where(dead, 1.0, sd)
    half_var = 0.5 * safe
    half_var *= safe
    carry = hit.carry
    if not same["t_years"]:
        cols = np.flatnonzero(grid.rate)
        carry = np.exp(grid.rate[cols][None, :] * book.t_years[hit.rep][:, None])
    return replace(hit, sd=safe, half_var=half_var, carry=carry)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.int64) if a.dtype == np.float64 else a


def build_plan(book: Book, group_of_pos: np.ndarray, of_position: np.ndarray, n_units: int, grid, rules,
               chunk_rows: int = CHUNK_ROWS) -> RevaluePlan:
    """Chunks of ``chunk_rows`` rows per unit and their distinct options.

    The chunks' option tables come from one ``np.unique`` over (chunk, option id) keys of the whole book; a chunk
    only slices the book-wide arrays."""
    id_of_row, distinct = distinct_options(book, group_of_pos)
    sd = _sd_table(book, distinct, grid, rules)[:, grid.sd_column] if distinct.size else np.zeros((0, N_COLS))
    dead = sd <= 1e-12
    order = np.argsort(of_position, kind="stable")
    bounds = np.searchsorted(of_position[order], np.arange(n_units + 1))
    spans = [(u, a, min(a + chunk_rows, int(bounds[u + 1])))
             for u in range(n_units) for a in range(int(bounds[u]), int(bounds[u + 1]), chunk_rows)]
    chunk_of = np.zeros(order.size, dtype=np.int64)            # chunk of each position of ``order``
    if spans:
        starts = np.array([a for _, a, _ in spans], dtype=np.int64)
        chunk_of[starts[1:]] = 1
        chunk_of = np.cumsum(chunk_of)
    kind = book.kind[order]
    ids = id_of_row[order]
    is_opt = kind == OPTION
    width = max(1, distinct.size)
    uniq, table_pos = np.unique(chunk_of[is_opt] * width + ids[is_opt], return_inverse=True)
    table_start = np.searchsorted(uniq, np.arange(len(spans) + 1, dtype=np.int64) * width)
    take_all = np.zeros(order.size, dtype=np.int64)
    take_all[is_opt] = table_pos.reshape(-1) - table_start[chunk_of[is_opt]]
    put_all = is_opt & ~book.is_call[order]
    table_dead = dead[uniq % width] if uniq.size else np.zeros((0, N_COLS), dtype=bool)
    table_any_dead = table_dead.any(axis=1)
    chunks: list[list[Chunk]] = [[] for _ in range(n_units)]
    for c, (u, a, b) in enumerate(spans):
        k = kind[a:b]
        t0, t1 = int(table_start[c]), int(table_start[c + 1])
        m = t1 - t0
        price_of = take_all[a:b]
        n_puts = m if put_all[a:b].any() else 0
        if n_puts:
            price_of = price_of + m * put_all[a:b]
        dead_opt = np.flatnonzero(table_any_dead[t0:t1])
        dead_ent, dead_put = dead_opt, np.zeros((dead_opt.size, 1), dtype=bool)
        if n_puts:
            dead_ent = np.concatenate([dead_opt, dead_opt + m])
            dead_opt = np.concatenate([dead_opt, dead_opt])
            dead_put = np.concatenate([dead_put, ~dead_put])
        chunks[u].append(Chunk(rows=order[a:b], moves=grid.moves[group_of_pos[order[a]]],
                               lin=np.flatnonzero(k == LINEAR), inv=np.flatnonzero(k == INVERSE),
                               opt=np.flatnonzero(k == OPTION),
                               table=slice(t0, t1), n_puts=n_puts, price_of=price_of, dead_ent=dead_ent,
                               dead_opt=dead_opt, dead_put=dead_put, dead_cols=table_dead[t0:t1][dead_opt],
                               any_dead=bool(dead_opt.size)))
    rep = distinct[uniq % width] if uniq.size else np.zeros(0, dtype=np.int64)
    safe = np.where(dead, 1.0, sd)[uniq % width] if uniq.size else np.zeros((0, N_COLS))
    half_var = 0.5 * safe
    half_var *= safe
    carry_cols = np.flatnonzero(grid.rate)
    carry = np.exp(grid.rate[carry_cols][None, :] * book.t_years[rep][:, None])
    if carry_cols.size and np.array_equal(carry_cols, np.arange(carry_cols[0], carry_cols[0] + carry_cols.size)):
        carry_cols = slice(int(carry_cols[0]), int(carry_cols[0]) + carry_cols.size)
    return RevaluePlan(n_units=n_units, chunk_rows=chunk_rows, chunks=tuple(tuple(c) for c in chunks), rep=rep,
                       strike=book.strike[rep][:, None], sd=safe, half_var=half_var, carry_cols=carry_cols,
                       carry=carry, option_id=id_of_row, distinct=distinct, dead=table_dead)


def unit_pnl_at(p: RevaluePlan, book: Book, u: int, spot: np.ndarray, mark: np.ndarray, fwd: np.ndarray) -> np.ndarray:
    """Scenario P&L of unit ``u`` (b, 34) at b moves, given the shifted prices (b, n) of every row.

    Chunks are laid out (rows, moves, 34): a chunk's rows are a slice of the buffer, contiguous for any number of
    moves, so each row's price is one ``take`` along the first axis straight into it (a strided ``out`` makes numpy
    copy through a temporary), and the row sum is an axis-0 reduction: the rows added one by one, in order."""
    b = spot.shape[0]
    spot_t, mark_t, fwd_t = (np.ascontiguousarray(a.T) for a in (spot, mark, fwd))     # (n, b): row gathers
    acc = np.zeros((b, N_COLS))
    buf = np.empty((p.chunk_rows + 1, b, N_COLS))
    for c in p.chunks[u]:
        n = c.rows.size
        buf[0] = acc                         # the running sum first: rows are added one by one, in order
        out = buf[1:n + 1]
        if c.opt.size:
            _option_values(p, book, c, spot_t, mark_t, fwd_t, out)
        if c.lin.size:
            r = c.rows[c.lin]
            out[c.lin] = (book.qty[r][:, None] * spot_t[r])[:, :, None] * c.moves
        if c.inv.size:
            r = c.rows[c.inv]
            sp = spot_t[r][:, :, None]
            p0 = mark_t[r][:, :, None]
            p_s = np.maximum(p0 + sp * c.moves, p0 * 1e-6)
            s_s = sp * (1.0 + c.moves)
            out[c.inv] = book.qty[r][:, None, None] * (1.0 / p0 - 1.0 / p_s) * s_s
        np.add.reduce(buf[:n + 1], axis=0, out=acc)
    return acc


def _prices(table: np.ndarray, f_s: np.ndarray, strike: np.ndarray, c: Chunk) -> np.ndarray:
    """The chunk's price table (calls + puts, b, 34): the calls are in place; a put by parity, call - (F - K), as
    ``black76_sd`` prices it; floored at 0; dead columns at the intrinsic value."""
    m = strike.shape[0]
    if c.n_puts:
        np.subtract(table[:m], f_s - strike, out=table[m:])
    np.maximum(table, 0.0, out=table)
    if c.dead_ent.size:
        f = f_s[c.dead_opt]
        k = strike[c.dead_opt]
        intrinsic = np.where(c.dead_put[:, :, None], np.maximum(k - f, 0.0), np.maximum(f - k, 0.0))
        sub = table[c.dead_ent]                    # a copy (fancy index): patched, then written back
        np.copyto(sub, intrinsic, where=c.dead_cols[:, None, :])
        table[c.dead_ent] = sub
    return table


def _option_values(p: RevaluePlan, book: Book, c: Chunk, spot_t: np.ndarray, mark_t: np.ndarray, fwd_t: np.ndarray,
                   out: np.ndarray) -> None:
    """(value - mark) x qty of every row of the chunk into ``out`` (n_rows, b, 34), as ``scenarios._option_pnl``
    (rows that are not options get numbers the caller overwrites); prices (n, b) transposed: ``spot_t`` etc."""
    t = c.table
    rep = p.rep[t]
    f0 = fwd_t[rep][:, :, None]
    f_s = spot_t[rep][:, :, None] * c.moves
    f_s += f0
    np.maximum(f_s, f0 * 1e-6, out=f_s)
    if p.carry.shape[1]:
        f_s[:, :, p.carry_cols] *= p.carry[t][:, None, :]
    strike = p.strike[t][:, :, None]
    sd = p.sd[t][:, None, :]
    d1 = np.log(f_s / strike)
    d1 += p.half_var[t][:, None, :]
    d1 /= sd
    n_calls = strike.shape[0]
    call = np.empty((n_calls + c.n_puts, f_s.shape[1], f_s.shape[2]))
    np.multiply(f_s, norm_cdf(d1), out=call[:n_calls])
    d1 -= sd
    call[:n_calls] -= strike * norm_cdf(d1)
    np.take(_prices(call, f_s, strike, c), c.price_of, axis=0, out=out, mode="clip")
    out -= mark_t[c.rows][:, :, None]
    out *= book.qty[c.rows][:, None, None]
