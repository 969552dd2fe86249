"""A portfolio priced on a market: one row per position as numpy arrays, shared by every margin mode.

Building the book is the only place that walks positions in Python; everything after it is array work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .catalogue import Instrument, is_stablecoin, parse_inst_id
from .errors import InputError
from .market import Market
from .portfolio import Portfolio
from .pricing import black76, black76_greeks

LINEAR, INVERSE, OPTION = 0, 1, 2
SECONDS_PER_YEAR = 365.0 * 86400.0
INST_TYPE = {"swap": "SWAP", "future": "FUTURES", "option": "OPTION"}


@dataclass(frozen=True)
class Book:
    """Positions as arrays. Prices: ``mark`` in the quote currency (options: USD per underlying unit)."""

    instruments: tuple[Instrument, ...]
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
    ccy: tuple[str, ...]     # underlying per row
    denom: tuple[str, ...]   # USDT / USDC / USD (coin-margined)
    warnings: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.instruments)

    def cash_delta_usd(self) -> np.ndarray:
        """USD cash delta per position (rules spec §3.2-3.4)."""
        out = np.empty(self.n)
        lin = self.kind == LINEAR
        out[lin] = self.qty[lin] * self.mark[lin] * self.quote_fx[lin]
        inv = self.kind == INVERSE
        out[inv] = self.qty[inv] * self.spot[inv] / self.mark[inv]
        opt = self.kind == OPTION
        d, _, _, _ = black76_greeks(self.fwd[opt], self.strike[opt], self.vol[opt], self.t_years[opt], self.is_call[opt])
        out[opt] = self.qty[opt] * d * self.spot[opt]
        return out

    def coin_delta(self) -> np.ndarray:
        """Delta in underlying coin units per position (the unit's derivative delta for spot in use)."""
        return self.cash_delta_usd() / self.spot

    def greeks_usd(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(gamma per 1 % move, vega per vol point, theta per day) in USD; zero for delta-one rows."""
        gamma = np.zeros(self.n)
        vega = np.zeros(self.n)
        theta = np.zeros(self.n)
        opt = self.kind == OPTION
        if opt.any():
            _, g, v, th = black76_greeks(self.fwd[opt], self.strike[opt], self.vol[opt], self.t_years[opt], self.is_call[opt])
            s = self.spot[opt]
            gamma[opt] = self.qty[opt] * g * s * s * 0.01
            vega[opt] = self.qty[opt] * v * 0.01
            theta[opt] = self.qty[opt] * th / 365.0
        inv = self.kind == INVERSE
        # USD value of an inverse contract, q(1/P - 1/(P+x))(S+x), has second derivative 2q(P-S)/P^3 at x = 0
        q, s, p = self.qty[inv], self.spot[inv], self.mark[inv]
        gamma[inv] = 2.0 * q * (p - s) / p**3 * s * s * 0.01
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


def _vol_for(inst: Instrument, market: Market) -> float:
    vol = market.mark_vol.get(inst.inst_id)
    if vol is None:
        vol = market.atm_vol.get(inst.underlying)
    if vol is None:
        raise InputError(f"market: markVol has no {inst.inst_id} and atmVol has no {inst.underlying}")
    return vol


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


def build_book(portfolio: Portfolio, market: Market) -> Book:
    """Price every position of ``portfolio`` on ``market``; InputError for what cannot be priced."""
    n = len(portfolio.positions)
    arrays = {k: np.zeros(n) for k in ("pos", "qty", "mark", "avg", "spot", "fx", "fwd", "strike", "vol", "t")}
    kind = np.zeros(n, dtype=np.int8)
    is_call = np.zeros(n, dtype=bool)
    insts: list[Instrument] = []
    ccys: list[str] = []
    denoms: list[str] = []
    warnings: list[str] = []
    ts: datetime = market.ts
    for i, p in enumerate(portfolio.positions):
        inst = parse_inst_id(p.inst_id)
        insts.append(inst)
        ccys.append(inst.underlying)
        spot = market.index.get(f"{inst.underlying}-USD")
        if spot is None:
            raise InputError(f"market: index has no {inst.underlying}-USD price (needed by {inst.inst_id})")
        fx = 1.0
        if inst.quote != "USD":
            fx_val = market.index.get(f"{inst.quote}-USD")
            if fx_val is None:
                raise InputError(f"market: index has no {inst.quote}-USD price (needed by {inst.inst_id})")
            fx = fx_val
        denoms.append(inst.quote if is_stablecoin(inst.quote) else "USD")
        t = 0.0
        if inst.expiry is not None:
            if inst.expiry <= ts:
                raise InputError(f"simPos: {inst.inst_id} expired at {inst.expiry:%Y-%m-%d %H:%M} UTC, "
                                 f"at or before the market time {ts:%Y-%m-%d %H:%M} UTC")
            t = (inst.expiry - ts).total_seconds() / SECONDS_PER_YEAR
        arrays["pos"][i] = p.pos
        arrays["qty"][i] = p.pos * inst.units_per_contract
        arrays["avg"][i] = np.nan if p.avg_px is None else p.avg_px
        arrays["spot"][i] = spot
        arrays["fx"][i] = fx
        arrays["t"][i] = t
        if inst.kind == "option":
            kind[i] = OPTION
            vol = _vol_for(inst, market)
            fwd = _forward_usd(inst, market, spot)
            arrays["fwd"][i] = fwd
            arrays["strike"][i] = inst.strike
            arrays["vol"][i] = vol
            is_call[i] = bool(inst.is_call)
        else:
            kind[i] = INVERSE if inst.ct_type == "inverse" else LINEAR
            mark = market.mark_px.get(inst.inst_id)
            if mark is None:
                mark = spot / fx
                warnings.append(f"{inst.inst_id}: no mark price in the market snapshot; valued at the index")
            arrays["mark"][i] = mark
            arrays["fwd"][i] = mark
    opt = kind == OPTION
    if opt.any():
        arrays["mark"][opt] = black76(arrays["fwd"][opt], arrays["strike"][opt], arrays["vol"][opt],
                                      arrays["t"][opt], is_call[opt])
    return Book(instruments=tuple(insts), pos=arrays["pos"], qty=arrays["qty"], kind=kind, mark=arrays["mark"],
                avg_px=arrays["avg"], spot=arrays["spot"], quote_fx=arrays["fx"], fwd=arrays["fwd"],
                strike=arrays["strike"], vol=arrays["vol"], t_years=arrays["t"], days=arrays["t"] * 365.0,
                is_call=is_call, ccy=tuple(ccys), denom=tuple(denoms), warnings=tuple(warnings))


def shift_book(book: Book, move: float) -> Book:
    """The book after every crypto index moved by ``move`` (relative); contracts move by the same absolute amount."""
    from dataclasses import replace

    spot = np.maximum(book.spot * (1.0 + move), book.spot * 1e-6)
    d_usd = spot - book.spot
    opt = book.kind == OPTION
    mark = book.mark.copy()
    fwd = book.fwd.copy()
    lin = book.kind == LINEAR
    mark[lin] = np.maximum(book.mark[lin] + d_usd[lin] / book.quote_fx[lin], book.mark[lin] * 1e-6)
    inv = book.kind == INVERSE
    mark[inv] = np.maximum(book.mark[inv] + d_usd[inv], book.mark[inv] * 1e-6)
    fwd[~opt] = mark[~opt]
    fwd[opt] = np.maximum(book.fwd[opt] + d_usd[opt], book.fwd[opt] * 1e-6)
    if opt.any():
        mark[opt] = black76(fwd[opt], book.strike[opt], book.vol[opt], book.t_years[opt], book.is_call[opt])
    # a position without avgPx was opened at the unshifted mark (formats.md §1), so the move shows as floating P&L
    entry = np.where(opt, book.mark / book.spot, book.mark)
    avg_px = np.where(np.isnan(book.avg_px), entry, book.avg_px)
    return replace(book, spot=spot, mark=mark, fwd=fwd, avg_px=avg_px)
