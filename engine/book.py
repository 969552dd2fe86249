"""A portfolio priced on a market: one row per position as numpy arrays, shared by every margin mode.

Building the book is the only place that walks positions in Python, and it only gathers: instrument ids are
resolved once per id and contract specification (a snapshot's ``instruments`` first, the shipped catalogue as the
fallback), market terms once per instrument family; everything after it is array work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter

import numpy as np

from .catalogue import Instrument
from .errors import InputError
from .instrument_rows import FAMILIES, SEEN, Family, denomination  # noqa: F401 - denomination imported from here
from .market import Market
from . import priced_instruments
from .portfolio import Portfolio
from .pricing import black76, black76_greeks

LINEAR, INVERSE, OPTION = 0, 1, 2
SECONDS_PER_YEAR = 365.0 * 86400.0
INST_TYPE = {"swap": "SWAP", "future": "FUTURES", "option": "OPTION"}


@dataclass(frozen=True)
class Book:
    """Positions as arrays. Prices: ``mark`` in the quote currency (options: USD per underlying unit)."""

    inst_rows: np.ndarray    # row of each position's instrument among those resolved so far (``instruments``)
    pos: np.ndarray          # signed contracts
    qty: np.ndarray          # signed underlying units: coin (linear, option) or USD face (inverse)
    kind: np.ndarray         # LINEAR / INVERSE / OPTION
    mark: np.ndarray         # linear: quote ccy; inverse: USD; option: Black-76 USD price per coin
    avg_px: np.ndarray       # as given (options: premium in coin); nan = none given
    spot: np.ndarray         # USD index of the underlying
    quote_fx: np.ndarray     # quote/settle stablecoin in USD (1 for USD-quoted)
    fwd: np.ndarray          # options: forward in USD; others: mark
    strike: np.ndarray
    vol: np.ndarray
    t_years: np.ndarray      # time to expiry (0 for perpetuals)
    days: np.ndarray
    is_call: np.ndarray
    family: np.ndarray       # index into ``families`` per row
    families: tuple["Family", ...]
    warnings: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.pos)

    @cached_property
    def instruments(self) -> tuple[Instrument, ...]:
        """The instrument of each position (built when first read: margin itself needs only the arrays)."""
        return tuple(map(SEEN.instruments.__getitem__, self.inst_rows.tolist()))

    @property
    def ccy(self) -> tuple[str, ...]:
        """Underlying per row."""
        return tuple(self.families[f].underlying for f in self.family.tolist())

    @property
    def denom(self) -> tuple[str, ...]:
        """USDT / USDC / USD (coin-margined) per row."""
        names = [denomination(f.quote) for f in self.families]
        return tuple(names[f] for f in self.family.tolist())

    @cached_property
    def _option_greeks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(option rows, delta, gamma, vega, theta) of Black-76 per unit of underlying, computed once per book."""
        opt = np.flatnonzero(self.kind == OPTION)
        d, g, v, th = black76_greeks(self.fwd[opt], self.strike[opt], self.vol[opt], self.t_years[opt], self.is_call[opt])
        return opt, d, g, v, th

    def cash_delta_usd(self) -> np.ndarray:
        """OKX's reported USD cash delta per position (rules spec §3.2-3.4): linear at the *mark*.

        This is the figure OKX's position builder shows as ``delta`` and on which the documented MR4, MR7 and MR9
        amounts rest (spec §7.1: mr4 = 0.2 % x |pos x ctVal x mark x FX|). It is not the slope of the scenario
        valuation (a future's scenario P&L moves with the index, not with its mark): see ``delta_usd``.
        """
        out = np.empty(self.n)
        lin = self.kind == LINEAR
        out[lin] = self.qty[lin] * self.mark[lin] * self.quote_fx[lin]
        inv = self.kind == INVERSE
        out[inv] = self.qty[inv] * self.spot[inv] / self.mark[inv]
        opt, d, _, _, _ = self._option_greeks
        out[opt] = self.qty[opt] * d * self.spot[opt]
        return out

    def delta_usd(self) -> np.ndarray:
        """USD delta per position: d(scenario value)/ds at s = 0, s the relative index move (spec 11.2, 11.12).

        The scenario valuation moves futures, perpetuals and option forwards by the index's absolute move
        (``F_s = F + S s``), so: linear ``qty x S``; inverse ``qty x S^2 / P^2`` (d/ds of qty (1/P - 1/(P + S s))
        S (1 + s)); option ``qty x N(d1) x S`` (Black-76, dC/dF = N(d1)). This is the slope of the stress curve.
        """
        return self.coin_delta() * self.spot

    def coin_delta(self) -> np.ndarray:
        """Delta in coin per position: ``delta_usd / S_usd`` (spec 11.12), the amount spot in use is sized on.

        Linear: exactly contracts x ctVal x ctMult (no division by a price, so a coin-for-coin hedge nets to 0).
        """
        out = self.qty.copy()                                   # linear: qty exactly
        inv = self.kind == INVERSE
        ratio = self.spot[inv] / self.mark[inv]                 # S / P first: P**2 underflows for tiny prices
        out[inv] = self.qty[inv] * ratio / self.mark[inv]
        opt, d, _, _, _ = self._option_greeks
        out[opt] = self.qty[opt] * d
        return out

    def greeks_usd(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(gamma per 1 % move, vega per vol point, theta per day) in USD; gamma zero for linear rows.

        Gamma is the scenario valuation's second derivative in s times 0.01 (the change of ``delta_usd`` for a 1 %
        index move): option ``qty x gamma_F x S^2``, inverse ``2 qty S^2 (P - S) / P^3``.
        """
        gamma = np.zeros(self.n)
        vega = np.zeros(self.n)
        theta = np.zeros(self.n)
        opt, _, g, v, th = self._option_greeks
        if opt.size:
            s = self.spot[opt]
            gamma[opt] = self.qty[opt] * g * s * s * 0.01
            vega[opt] = self.qty[opt] * v * 0.01
            theta[opt] = self.qty[opt] * th / 365.0
        inv = self.kind == INVERSE
        # USD value of an inverse contract, q(1/P - 1/(P+x))(S+x), has second derivative 2q(P-S)/P^3 at x = 0
        q, s, p = self.qty[inv], self.spot[inv], self.mark[inv]
        r = s / p                                               # ratios first: p**3 underflows for tiny prices
        gamma[inv] = 2.0 * q * (1.0 - r) * r * r * 0.01
        return gamma, vega, theta

    def option_value_usd(self) -> np.ndarray:
        """Market value in USD of each option position (0 for other rows)."""
        return np.where(self.kind == OPTION, self.qty * self.mark, 0.0)

    def float_pnl_usd(self) -> np.ndarray:
        """Floating P&L in USD against avgPx (0 where no avgPx was given)."""
        pnl = np.zeros(self.n)
        has = ~np.isnan(self.avg_px)
        lin = has & (self.kind == LINEAR)
        pnl[lin] = self.qty[lin] * (self.mark[lin] - self.avg_px[lin]) * self.quote_fx[lin]
        inv = has & (self.kind == INVERSE)
        pnl[inv] = self.qty[inv] * (1.0 / self.avg_px[inv] - 1.0 / self.mark[inv]) * self.spot[inv]
        opt = has & (self.kind == OPTION)
        pnl[opt] = self.qty[opt] * (self.mark[opt] / self.spot[opt] - self.avg_px[opt]) * self.spot[opt]
        return pnl

    def settle_upl(self) -> np.ndarray:
        """Unrealised P&L of futures and perpetuals in the settlement currency (what enters its equity)."""
        upl = np.zeros(self.n)
        has = ~np.isnan(self.avg_px)
        lin = has & (self.kind == LINEAR)
        upl[lin] = self.qty[lin] * (self.mark[lin] - self.avg_px[lin])
        inv = has & (self.kind == INVERSE)
        upl[inv] = self.qty[inv] * (1.0 / self.avg_px[inv] - 1.0 / self.mark[inv])
        return upl

    def notional_usd(self) -> np.ndarray:
        """Gross notional in USD (API notionalUsd): linear at mark, inverse face, options underlying at index."""
        out = np.abs(self.qty * self.mark * self.quote_fx)
        inv = self.kind == INVERSE
        out[inv] = np.abs(self.qty[inv])
        opt = self.kind == OPTION
        out[opt] = np.abs(self.qty[opt] * self.spot[opt])
        return out


_INST_ID, _POS, _AVG_PX = attrgetter("inst_id"), attrgetter("pos"), attrgetter("avg_px")   # C-level field access


@dataclass(frozen=True)
class _FamilyTerms:
    """Market terms of each family of a book (index, stablecoin rate, time to expiry, option forward)."""

    spot: np.ndarray
    fx: np.ndarray
    t: np.ndarray
    fwd: np.ndarray
    kind: np.ndarray


def _family_terms(families: tuple[Family, ...], first_row: np.ndarray, inst_rows: np.ndarray,
                  market: Market) -> tuple[_FamilyTerms, list[tuple[int, int, str]]]:
    """Price terms per family, and (first row, 0, message) of each family that cannot be priced."""
    errors: list[tuple[int, int, str]] = []
    n = len(families)
    terms = _FamilyTerms(spot=np.zeros(n), fx=np.ones(n), t=np.zeros(n), fwd=np.zeros(n), kind=np.zeros(n, np.int8))
    for j, fam in enumerate(families):
        row = int(first_row[j])
        try:
            _price_family(j, fam, SEEN.instruments[inst_rows[row]], market, terms)
        except InputError as exc:
            errors.append((row, 0, str(exc)))
    return terms, errors


def _price_family(j: int, fam: Family, inst: Instrument, market: Market, terms: _FamilyTerms) -> None:
    spot = market.index.get(f"{fam.underlying}-USD")
    if spot is None:
        raise InputError(f"market: index has no {fam.underlying}-USD price (needed by {inst.inst_id})")
    terms.spot[j] = spot
    if fam.quote != "USD":
        fx = market.index.get(f"{fam.quote}-USD")
        if fx is None:
            raise InputError(f"market: index has no {fam.quote}-USD price (needed by {inst.inst_id})")
        terms.fx[j] = fx
    if fam.expiry is not None:
        if fam.expiry <= market.ts:
            raise InputError(f"simPos: {inst.inst_id} expired at {fam.expiry:%Y-%m-%d %H:%M} UTC, "
                             f"at or before the market time {market.ts:%Y-%m-%d %H:%M} UTC")
        terms.t[j] = (fam.expiry - market.ts).total_seconds() / SECONDS_PER_YEAR
    if fam.kind == "option":
        terms.kind[j] = OPTION
        terms.fwd[j] = _forward_usd(inst, market, spot)
    else:
        terms.kind[j] = INVERSE if fam.ct_type == "inverse" else LINEAR


def _forward_usd(inst: Instrument, market: Market, spot: float) -> float:
    """The option's forward: the same-expiry future's mark (USD family first), else the index."""
    tag = inst.expiry.strftime("%y%m%d")
    fut = market.mark_px.get(f"{inst.underlying}-USD-{tag}")
    if fut is not None:
        return fut
    for stable in ("USDT", "USDC"):
        fut = market.mark_px.get(f"{inst.underlying}-{stable}-{tag}")
        fx = market.index.get(f"{stable}-USD")
        if fut is not None and fx is not None:
            return fut * fx
    return spot


def _option_vols(ids: Sequence[str], rows: np.ndarray, market: Market,
                 underlying: Callable[[int], str]) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Mark vol of each option row (markVol, else the underlying's atmVol), and the first row without one."""
    vols = list(map(market.mark_vol.get, map(ids.__getitem__, rows.tolist())))
    if None not in vols:
        return np.array(vols, dtype=float), []
    for k, i in enumerate(rows.tolist()):
        if vols[k] is None:
            vols[k] = market.atm_vol.get(underlying(i))
            if vols[k] is None:
                return np.zeros(len(vols)), [(i, 1, f"market: markVol has no {ids[i]} and atmVol has no {underlying(i)}")]
    return np.array(vols, dtype=float), []


def _delta_one_marks(ids: Sequence[str], rows: np.ndarray, spot: np.ndarray, fx: np.ndarray,
                     market: Market) -> tuple[np.ndarray, list[str]]:
    """Mark of each futures/perpetual row; a missing mark falls back to the index (with a warning)."""
    marks = list(map(market.mark_px.get, map(ids.__getitem__, rows.tolist())))
    warnings = []
    if None in marks:
        for k, i in enumerate(rows.tolist()):
            if marks[k] is None:
                marks[k] = spot[i] / fx[i]
                warnings.append(f"{ids[i]}: no mark price in the market snapshot; valued at the index")
    return np.array(marks, dtype=float), warnings


def build_book(portfolio: Portfolio, market: Market) -> Book:
    """Price every position of ``portfolio`` on ``market``; InputError for what cannot be priced.

    Instrument ids are resolved once per id (``instrument_rows.SEEN``) and market terms once per family; the rows are numpy.
    """
    positions = portfolio.positions
    ids = list(map(_INST_ID, positions))
    specs = market.instruments
    rows = SEEN.rows([(i, specs[i]) if i in specs else i for i in ids] if specs else ids)
    fam_col, strike_col, call_col, upc_col = SEEN.columns()
    fam_ids, strike, is_call, upc = fam_col[rows], strike_col[rows], call_col[rows], upc_col[rows]
    uniq, first_row, family = np.unique(fam_ids, return_index=True, return_inverse=True)
    families = tuple(FAMILIES[f] for f in uniq.tolist())
    family = family.reshape(-1).astype(np.int64)
    pos = np.array(list(map(_POS, positions)), dtype=float)
    avg = np.array(list(map(_AVG_PX, positions)), dtype=float)       # None -> nan
    args = (pos, pos * upc, avg, strike, is_call, family, first_row, families, market)
    table = priced_instruments.table_for(market)
    fresh = table.new_rows(rows)
    n_fresh = int(np.count_nonzero(fresh))
    if 2 * n_fresh > len(ids) or not ids:   # mostly new on this market: the row path, and its terms are kept
        book = _priced(ids, rows, *args)
        if not book.warnings:
            table.keep(rows, _terms_of(book))
        return book
    if n_fresh:
        new = np.unique(rows[fresh])
        terms = _instrument_terms(new, ids, rows, market)
        if terms is None:               # an instrument that errs or warns: the row path says so
            return _priced(ids, rows, *args)
        table.keep(new, terms)
    cols = table.gather(rows)
    book = Book(inst_rows=rows, pos=pos, qty=pos * upc, kind=cols["kind"], mark=cols["mark"], avg_px=avg,
                spot=cols["spot"], quote_fx=cols["quote_fx"], fwd=cols["fwd"], strike=cols["strike"], vol=cols["vol"],
                t_years=cols["t_years"], days=cols["t_years"] * 365.0, is_call=cols["is_call"], family=family,
                families=families, warnings=())
    opt = np.flatnonzero(book.kind == OPTION)
    book.__dict__["_option_greeks"] = (opt, *(cols[k][opt] for k in priced_instruments.GREEKS))   # cached_property
    return book


def _terms_of(book: Book) -> dict[str, np.ndarray]:
    """``priced_instruments`` columns of each row of ``book`` (greeks per unit of underlying, 0 off options)."""
    out = {k: getattr(book, k) for k in priced_instruments.FIELDS}
    opt, *greeks = book._option_greeks
    for k, a in zip(priced_instruments.GREEKS, greeks):
        col = np.zeros(book.n)
        col[opt] = a
        out[k] = col
    return out


def _instrument_terms(new: np.ndarray, ids: Sequence[str], rows: np.ndarray,
                      market: Market) -> dict[str, np.ndarray] | None:
    """``priced_instruments`` columns of instrument rows ``new``: a book of one unit of each, priced by ``_priced``
    as a position of it would be; None when one of them errs or warns (not kept: the caller's path reports it)."""
    id_of = dict(zip(rows.tolist(), ids))
    new_ids = [id_of[r] for r in new.tolist()]
    fam_col, strike_col, call_col, _ = SEEN.columns()
    uniq, first_row, family = np.unique(fam_col[new], return_index=True, return_inverse=True)
    ones = np.ones(new.size)
    try:
        b = _priced(new_ids, new, ones, ones, np.full(new.size, np.nan), strike_col[new], call_col[new],
                    family.reshape(-1).astype(np.int64), first_row, tuple(FAMILIES[f] for f in uniq.tolist()), market)
    except InputError:
        return None
    return None if b.warnings else _terms_of(b)


def _priced(ids: Sequence[str], rows: np.ndarray, pos: np.ndarray, qty: np.ndarray, avg: np.ndarray,
            strike: np.ndarray, is_call: np.ndarray, family: np.ndarray, first_row: np.ndarray,
            families: tuple[Family, ...], market: Market) -> Book:
    """The book of resolved rows priced on ``market`` (``strike``/``is_call`` as the catalogue gives them): the
    market-dependent half of ``build_book``, shared with ``reprice_book`` so both give the same arrays."""
    n = len(ids)
    terms, errors = _family_terms(families, first_row, rows, market)
    kind = terms.kind[family]
    spot, fx, t = terms.spot[family], terms.fx[family], terms.t[family]
    strike = np.where(kind == OPTION, strike, 0.0)
    is_call = is_call & (kind == OPTION)
    opt_rows = np.flatnonzero(kind == OPTION)
    one_rows = np.flatnonzero(kind != OPTION)
    vol = np.zeros(n)
    vol[opt_rows], vol_errors = _option_vols(ids, opt_rows, market, lambda i: families[family[i]].underlying)
    if errors or vol_errors:
        raise InputError(min(errors + vol_errors)[2])   # what the first unpriceable position would raise
    fwd = np.where(kind == OPTION, terms.fwd[family], 0.0)
    if market.fwd_px and opt_rows.size:   # OKX's own forward per option (opt-summary fwdPx) when the snapshot has it
        okx_fwd = np.array([market.fwd_px.get(ids[i], np.nan) for i in opt_rows.tolist()], dtype=float)
        fwd[opt_rows] = np.where(np.isnan(okx_fwd), fwd[opt_rows], okx_fwd)
    mark = np.zeros(n)
    mark[one_rows], warnings = _delta_one_marks(ids, one_rows, spot, fx, market)
    fwd[one_rows] = mark[one_rows]
    if opt_rows.size:
        mark[opt_rows] = black76(fwd[opt_rows], strike[opt_rows], vol[opt_rows], t[opt_rows], is_call[opt_rows])
    return Book(inst_rows=rows, pos=pos, qty=qty, kind=kind, mark=mark,
                avg_px=avg, spot=spot, quote_fx=fx, fwd=fwd, strike=strike, vol=vol, t_years=t, days=t * 365.0,
                is_call=is_call, family=family, families=families, warnings=tuple(warnings))


def reprice_book(book: Book, market: Market, ids: Sequence[str], *, keep: np.ndarray | None = None,
                 avg_px: np.ndarray | None = None) -> Book:
    """``book`` priced on another ``market`` of the same instruments (a what-if: moved indices, marks, forwards and
    vols, a later valuation time), without walking positions or resolving instrument ids again.

    ``ids``: the positions' instrument ids in book order (market look-ups are by the id as the portfolio gives it);
    ``keep``: the rows that remain (ascending; e.g. without contracts settled by a time roll); ``avg_px``: entry
    prices replacing the book's (all rows, before ``keep``). The result equals, array for array,
    ``build_book`` of the kept positions with those entry prices on ``market`` (tests/engine/test_whatif_fast.py).
    """
    sel = slice(None) if keep is None else keep
    rows = book.inst_rows[sel]
    _, strike_col, call_col, _ = SEEN.columns()
    local = book.family[sel]
    used, first_row, family = np.unique(local, return_index=True, return_inverse=True)
    families = tuple(book.families[j] for j in used.tolist())   # families keep their order (global family id)
    ids = list(ids) if keep is None else [ids[i] for i in keep.tolist()]
    avg = (book.avg_px if avg_px is None else avg_px)[sel]
    return _priced(ids, rows, book.pos[sel], book.qty[sel], avg, strike_col[rows], call_col[rows],
                   family.reshape(-1).astype(np.int64), first_row, families, market)


def shift_book(book: Book, move: float) -> Book:
    """The book after every crypto index moved by ``move`` (relative); contracts move by the same absolute amount."""
    from dataclasses import replace

    spot, mark, fwd = shifted_prices(book, move)
    return replace(book, spot=spot, mark=mark, fwd=fwd, avg_px=filled_avg_px(book))


def shifted_prices(book: Book, move: float | np.ndarray, *,
                   option_marks: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spot, mark, fwd) of ``shift_book``; ``move`` a float, or a column (k, 1) of moves: rows (k, n), the same
    numbers as k calls (engine.pm.shock_eval prices many moves at once). ``option_marks=False`` leaves the options'
    marks unshifted, for a caller that prices them itself."""
    spot = np.maximum(book.spot * (1.0 + move), book.spot * 1e-6)
    d_usd = spot - book.spot
    opt = book.kind == OPTION
    mark = np.array(np.broadcast_to(book.mark, spot.shape))
    fwd = np.array(np.broadcast_to(book.fwd, spot.shape))
    lin = book.kind == LINEAR
    mark[..., lin] = np.maximum(book.mark[lin] + d_usd[..., lin] / book.quote_fx[lin], book.mark[lin] * 1e-6)
    inv = book.kind == INVERSE
    mark[..., inv] = np.maximum(book.mark[inv] + d_usd[..., inv], book.mark[inv] * 1e-6)
    fwd[..., ~opt] = mark[..., ~opt]
    fwd[..., opt] = np.maximum(book.fwd[opt] + d_usd[..., opt], book.fwd[opt] * 1e-6)
    if option_marks and opt.any():
        mark[..., opt] = black76(fwd[..., opt], book.strike[opt], book.vol[opt], book.t_years[opt], book.is_call[opt])
    return spot, mark, fwd


def filled_avg_px(book: Book) -> np.ndarray:
    """avgPx of a shifted book: a position without one was opened at the unshifted mark (formats.md §1), so the
    move shows as floating P&L."""
    entry = np.where(book.kind == OPTION, book.mark / book.spot, book.mark)
    return np.where(np.isnan(book.avg_px), entry, book.avg_px)
