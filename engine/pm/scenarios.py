"""The portfolio-margin scenario grid and one vectorised revaluation of every position over it.

Columns (fixed layout, 34 per position):
  0..20   MR1: vol state (down, same, up) x 7 index moves, ascending        (rules spec 2.6, 11.3)
  21..27  MR2: the 7 moves with valuation time advanced by the horizon      (11.4)
  28..29  MR3: vol term-structure twists (a) and (b), index unmoved          (11.5)
  30..31  MR5: forward carried at -rate shift and +rate shift                (11.7)
  32..33  MR6: -extreme and +extreme index move, vol unchanged               (11.8)
Moves depend on the asset group of the position's underlying, so the move of a column is a per-group table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..book import INVERSE, LINEAR, OPTION, Book
from ..params import GROUPS, RuleSet
from ..pricing import black76, black76_sd

N_MOVES = 7
MR1 = slice(0, 21)
MR2 = slice(21, 28)
MR2_REF = slice(7, 14)      # the MR1 "vol same" columns MR2 is measured against
MR3 = slice(28, 30)
MR5 = slice(30, 32)
MR6 = slice(32, 34)
N_COLS = 34
V_DOWN, V_SAME, V_UP, V_TWIST_A, V_TWIST_B = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Grid:
    moves: np.ndarray       # (3 groups, 34) index move per column for groups A, B, C
    vol_mode: np.ndarray    # (34,)
    dt_years: np.ndarray    # (34,)
    rate: np.ndarray        # (34,) forward carry rate
    mr1_moves: np.ndarray   # (3 groups, 7)
    mr6_moves: np.ndarray   # (3 groups, 2)
    sd_pairs: np.ndarray    # (2, k) the distinct (vol state, horizon) pairs of the columns
    sd_column: np.ndarray   # (34,) pair index of each column


_GRIDS: dict[int, tuple[RuleSet, Grid]] = {}


def build_grid(rules: RuleSet) -> Grid:
    """The scenario grid of a rule set (built once per RuleSet object; its arrays are read-only)."""
    hit = _GRIDS.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    if len(_GRIDS) > 32:
        _GRIDS.clear()
    grid = _build_grid(rules)
    for a in vars(grid).values():
        a.flags.writeable = False
    _GRIDS[id(rules)] = (rules, grid)
    return grid


def _build_grid(rules: RuleSet) -> Grid:
    moves = np.zeros((len(GROUPS), N_COLS))
    mr1 = np.zeros((len(GROUPS), N_MOVES))
    mr6 = np.zeros((len(GROUPS), 2))
    for g, name in enumerate(GROUPS):
        m = np.asarray(rules.get("mr1.priceMoves", name), dtype=float)
        grid = np.concatenate([-m[::-1], [0.0], m])
        if grid.size != N_MOVES:
            grid = np.resize(grid, N_MOVES)  # validated elsewhere to three moves; keep the layout fixed
        mr1[g] = grid
        ext = rules.get("mr6.move", name)
        mr6[g] = (-ext, ext)
        moves[g, MR1] = np.tile(grid, 3)
        moves[g, MR2] = grid
        moves[g, MR6] = mr6[g]
    vol_mode = np.full(N_COLS, V_SAME)
    vol_mode[0:7], vol_mode[14:21] = V_DOWN, V_UP
    vol_mode[28], vol_mode[29] = V_TWIST_A, V_TWIST_B
    dt = np.zeros(N_COLS)
    dt[MR2] = rules.get("mr2.horizonDays") / 365.0
    rate = np.zeros(N_COLS)
    shift = rules.get("mr5.rateShift")
    rate[30], rate[31] = -shift, shift
    pairs, column = np.unique(np.stack([vol_mode, dt]), axis=1, return_inverse=True)
    return Grid(moves=moves, vol_mode=vol_mode, dt_years=dt, rate=rate, mr1_moves=mr1, mr6_moves=mr6,
                sd_pairs=pairs, sd_column=column.reshape(-1))


def vol_shock_size(days: np.ndarray, vol: np.ndarray, rules: RuleSet) -> np.ndarray:
    """MR1 absolute vol shock: max(points(d)/100, pct(d) x vol), interpolated linearly in days, flat beyond."""
    d = np.asarray(rules.get("mr1.volShockDays"), dtype=float)
    pts = np.interp(days, d, np.asarray(rules.get("mr1.volShockPoints"), dtype=float)) / 100.0
    pct = np.interp(days, d, np.asarray(rules.get("mr1.volShockPct"), dtype=float))
    return np.maximum(pts, pct * vol)


def twist_size(days: np.ndarray, rules: RuleSet) -> np.ndarray:
    """MR3 twist in absolute vol: min(cap, base x sqrt(ref / max(d, 1)))."""
    base, ref, cap = (rules.get(k) for k in ("mr3.shockBase", "mr3.shockRefDays", "mr3.shockCap"))
    return np.minimum(cap, base * np.sqrt(ref / np.maximum(days, 1.0)))


OPTION_CHUNK = 256    # option rows revalued at a time: (256, 34) temporaries (70 KB) stay in cache and below
                     # malloc's mmap threshold (no page faults per temporary); memory stays flat at any size


def revalue(book: Book, group_idx: np.ndarray, grid: Grid, rules: RuleSet, rows: np.ndarray | None = None) -> np.ndarray:
    """P&L in USD of each position (rows) in each of the 34 scenario columns: shape (n, 34)."""
    idx = np.arange(book.n) if rows is None else rows
    kind = book.kind[idx]
    pnl = np.zeros((idx.size, N_COLS))
    lin = np.flatnonzero(kind == LINEAR)
    if lin.size:
        # linear: the contract moves by the index's absolute move in its quote currency (spec 3.2, 11.2)
        r = idx[lin]
        pnl[lin] = (book.qty[r] * book.spot[r])[:, None] * grid.moves[group_idx[r]]
    inv = np.flatnonzero(kind == INVERSE)
    if inv.size:
        r = idx[inv]
        s = grid.moves[group_idx[r]]
        spot = book.spot[r][:, None]
        p0 = book.mark[r][:, None]
        p_s = np.maximum(p0 + spot * s, p0 * 1e-6)
        s_s = spot * (1.0 + s)
        pnl[inv] = book.qty[r][:, None] * (1.0 / p0 - 1.0 / p_s) * s_s
    opt = np.flatnonzero(kind == OPTION)
    if opt.size:
        options = _OptionRows.of(book, idx[opt], grid, rules)
        option_group = group_idx[idx[opt]]
    for start in range(0, opt.size, OPTION_CHUNK):
        part = slice(start, start + OPTION_CHUNK)
        moves = grid.moves[option_group[part]]          # per block: no (n, 34) gather of the whole book
        pnl[opt[part]] = _option_pnl(options.block(part), moves, options.sd[part][:, grid.sd_column], grid)
    return pnl


@dataclass(frozen=True)
class _OptionRows:
    """The option rows of a revaluation, gathered once as (n, 1) columns; blocks of them are views."""

    fwd: np.ndarray
    spot: np.ndarray
    t: np.ndarray
    strike: np.ndarray
    is_call: np.ndarray
    mark: np.ndarray
    qty: np.ndarray
    sd: np.ndarray          # (n, k) per distinct (vol state, horizon) pair

    @staticmethod
    def of(book: Book, rows: np.ndarray, grid: Grid, rules: RuleSet) -> "_OptionRows":
        col = {name: getattr(book, attr)[rows][:, None] for name, attr in
               (("fwd", "fwd"), ("spot", "spot"), ("t", "t_years"), ("strike", "strike"), ("is_call", "is_call"),
                ("mark", "mark"), ("qty", "qty"))}
        return _OptionRows(**col, sd=_sd_table(book, rows, grid, rules))

    def block(self, part: slice) -> "_OptionRows":
        return _OptionRows(*(getattr(self, f)[part] for f in self.__dataclass_fields__))


def _option_pnl(o: _OptionRows, s: np.ndarray, sd: np.ndarray, grid: Grid) -> np.ndarray:
    """Option P&L over the columns: index moves ``s`` and scenario standard deviations ``sd``, both (n, 34)."""
    f_s = o.spot * s
    f_s += o.fwd
    np.maximum(f_s, o.fwd * 1e-6, out=f_s)
    carry = np.flatnonzero(grid.rate)               # MR5 columns; elsewhere exp(0 x t) = 1 exactly
    f_s[:, carry] *= np.exp(grid.rate[carry][None, :] * o.t)
    value = black76_sd(f_s, o.strike, sd, o.is_call)
    value -= o.mark
    value *= o.qty
    return value


def _sd_table(book: Book, rows: np.ndarray, grid: Grid, rules: RuleSet) -> np.ndarray:
    """vol x sqrt(t) per option row for each distinct (vol state, horizon) pair of the grid: (n, k)."""
    pairs = grid.sd_pairs
    vol = _vol_states(book.vol[rows][:, None], book.days[rows][:, None], rules)[:, pairs[0].astype(np.int64)]
    t = np.maximum(book.t_years[rows][:, None] - pairs[1][None, :], 0.0)
    return np.sqrt(np.maximum(t, 0.0)) * vol


def _vol_states(vol0: np.ndarray, days: np.ndarray, rules: RuleSet) -> np.ndarray:
    """(n, 5) vol per state V_DOWN, V_SAME, V_UP, V_TWIST_A, V_TWIST_B (MR1 shocks, MR3 twists, floors)."""
    shock = vol_shock_size(days, vol0, rules)
    signed_twist = np.where(days <= rules.get("mr3.splitDays"), 1.0, -1.0) * twist_size(days, rules)
    floor = rules.get("mr1.volFloor")
    twist_floor = rules.get("mr3.volFloor")          # its own assumed parameter (spec 11.5), not MR1's
    states = np.empty((vol0.shape[0], 5))
    states[:, V_DOWN] = np.maximum(floor, vol0 - shock)[:, 0]
    states[:, V_SAME] = vol0[:, 0]
    states[:, V_UP] = (vol0 + shock)[:, 0]
    states[:, V_TWIST_A] = np.maximum(vol0 + signed_twist, twist_floor)[:, 0]
    states[:, V_TWIST_B] = np.maximum(vol0 - signed_twist, twist_floor)[:, 0]
    np.maximum(states, 0.0, out=states)
    return states


def curve_pnl(book: Book, rows: np.ndarray, moves: np.ndarray, vol_shift: np.ndarray) -> np.ndarray:
    """P&L of the given rows summed, over index moves x absolute vol shifts: shape (n_vol, n_moves).

    For the stress and heatmap charts; one broadcast over rows x vol shifts x moves.
    """
    out = np.zeros((vol_shift.size, moves.size))
    if rows.size == 0:
        return out
    kind = book.kind[rows]
    spot = book.spot[rows]
    qty = book.qty[rows]
    lin = kind == LINEAR
    out += (qty[lin] * spot[lin]).sum() * moves[None, :]
    inv = rows[kind == INVERSE]
    if inv.size:
        p0 = book.mark[inv][:, None]
        sp = book.spot[inv][:, None]
        p_s = np.maximum(p0 + sp * moves[None, :], p0 * 1e-6)
        out += (book.qty[inv][:, None] * (1.0 / p0 - 1.0 / p_s) * sp * (1.0 + moves[None, :])).sum(axis=0)[None, :]
    opt = rows[kind == OPTION]
    if opt.size:
        f0 = book.fwd[opt][:, None, None]
        sp = book.spot[opt][:, None, None]
        f_s = np.maximum(f0 + sp * moves[None, None, :], f0 * 1e-6)
        vol = np.maximum(book.vol[opt][:, None, None] + vol_shift[None, :, None], 1e-4)
        value = black76(f_s, book.strike[opt][:, None, None], vol, book.t_years[opt][:, None, None],
                        book.is_call[opt][:, None, None])
        out += (book.qty[opt][:, None, None] * (value - book.mark[opt][:, None, None])).sum(axis=0)
    return out
