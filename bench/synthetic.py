"""A deterministic synthetic options desk and its market snapshot, at any size.

The desk (``desk()``, about 1,600 positions): BTC and ETH, 10 expiries x 40 strikes x calls and puts on the
coin-margined option families (BTC-USD, ETH-USD), one coin-margined future per expiry, a USDT-margined and a
coin-margined perpetual per coin, and balances in BTC, ETH and USDT. ``scaled(n)`` grows the same desk to about
``n`` positions with more expiries and finer strike grids (every strike a distinct instrument id).

Nothing here is market data: index levels follow the demo snapshot, forwards a flat carry, vols a made-up smile.
The same arguments always give the same book (numpy's PCG64 with a fixed seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

import numpy as np

from engine.market import Market
from engine.portfolio import Asset, Portfolio, Position

TS = datetime(2025, 2, 6, 8, 0, tzinfo=timezone.utc)
SEED = 20250206
CARRY = 0.09                       # annualised forward carry


@dataclass(frozen=True)
class Coin:
    name: str
    index: float
    atm0: float
    rise: float
    skew: float
    convexity: float
    balance: float
    contracts: int                 # typical option size in contracts


COINS = (
    Coin("BTC", 96850.2, 0.50, 0.09, -0.06, 0.08, balance=12.0, contracts=50),
    Coin("ETH", 2712.4, 0.62, 0.08, -0.05, 0.09, balance=250.0, contracts=60),
)
STABLE_INDEX = {"USDT-USD": 0.99954, "USDC-USD": 1.0001}
USDT_BALANCE = 300_000.0


@dataclass(frozen=True)
class Shape:
    expiries: int
    strikes: int

    @property
    def n_positions(self) -> int:
        per_coin = self.expiries * self.strikes * 2 + self.expiries + 2
        return per_coin * len(COINS)


DESK = Shape(expiries=10, strikes=40)


def shape_for(n_positions: int) -> Shape:
    """The grid of about ``n_positions`` positions: expiries grow like sqrt(n / desk), strikes take the rest."""
    scale = max(n_positions / DESK.n_positions, 1.0)
    expiries = max(DESK.expiries, int(round(DESK.expiries * np.sqrt(scale))))
    expiries = min(expiries, 120)
    per_coin = n_positions / len(COINS)
    strikes = max(DESK.strikes, int(round((per_coin - expiries - 2) / (2 * expiries))))
    return Shape(expiries=expiries, strikes=strikes)


def expiry_days(n: int) -> np.ndarray:
    """``n`` distinct whole days to expiry from 1 day to about 14 months, denser at the front."""
    days = np.round(np.geomspace(1.0, 420.0, n)).astype(int)
    for i in range(1, n):
        days[i] = max(days[i], days[i - 1] + 1)
    return days


def strike_grid(fwd: float, t: float, n: int) -> np.ndarray:
    """``n`` distinct round strikes spanning about +-3.5 standard deviations around the forward."""
    width = min(3.5 * 0.7 * np.sqrt(max(t, 1.0 / 365.0)), 2.5)
    lo, hi = fwd * np.exp(-width), fwd * np.exp(width)
    raw_step = (hi - lo) / max(n - 1, 1)
    step = _round_step(raw_step)
    first = max(step, np.floor(lo / step) * step)
    return np.round(first + step * np.arange(n), 8)


def _round_step(step: float) -> float:
    """The largest 1-2-5 x 10^k not above ``step`` (keeps strike ids short and distinct)."""
    exp = np.floor(np.log10(step))
    for m in (5.0, 2.0, 1.0):
        if m * 10**exp <= step:
            return float(m * 10**exp)
    return float(10**exp)


def _smile(coin: Coin, fwd: float, strikes: np.ndarray, t: float) -> np.ndarray:
    atm = coin.atm0 + coin.rise * (1.0 - np.exp(-t / 0.3))
    x = np.log(strikes / fwd) / np.sqrt(t)
    return np.clip(atm * (1.0 + coin.skew * x + coin.convexity * x * x), 0.15, 3.0)


def _fmt_strike(k: float) -> str:
    return f"{k:.8f}".rstrip("0").rstrip(".")


def build(shape: Shape = DESK, seed: int = SEED) -> tuple[Portfolio, Market]:
    """(portfolio, market) of a desk with ``shape``; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    positions: list[Position] = []
    marks: dict[str, float] = {}
    vols: dict[str, float] = {}
    days = expiry_days(shape.expiries)
    for coin in COINS:
        for d in days:
            expiry = TS + timedelta(days=int(d))
            tag = expiry.strftime("%y%m%d")
            t = d / 365.0
            fwd = round(coin.index * np.exp(CARRY * t), 2)
            fut = f"{coin.name}-USD-{tag}"
            marks[fut] = fwd
            strikes = strike_grid(fwd, t, shape.strikes)
            smile = _smile(coin, fwd, strikes, t)
            for k, vol in zip(strikes, smile):
                for cp in ("C", "P"):
                    inst = f"{coin.name}-USD-{tag}-{_fmt_strike(k)}-{cp}"
                    vols[inst] = round(float(vol), 6)
                    size = int(rng.integers(1, 2 * coin.contracts)) * int(rng.choice((-1, 1)))
                    avg = round(float(rng.uniform(0.001, 0.2)), 4) if rng.random() < 0.7 else None
                    positions.append(Position(inst, float(size), avg))
            hedge = int(rng.integers(-400, 400)) or 1
            positions.append(Position(fut, float(hedge), round(float(fwd * rng.uniform(0.97, 1.03)), 1)))
        swap_usdt = f"{coin.name}-USDT-SWAP"
        swap_usd = f"{coin.name}-USD-SWAP"
        marks[swap_usdt] = round(coin.index * 1.0006, 2)
        marks[swap_usd] = round(coin.index * 1.0001, 2)
        positions.append(Position(swap_usdt, float(rng.integers(-2000, 2000) or 1), round(coin.index * 0.99, 1)))
        positions.append(Position(swap_usd, float(rng.integers(-2000, 2000) or 1), round(coin.index * 1.01, 1)))
    ids = [p.inst_id for p in positions]
    if len(set(ids)) != len(ids):
        raise AssertionError("synthetic desk: duplicate instrument ids (strike grid too coarse)")
    assets = tuple(Asset(c.name, c.balance * _scale(shape)) for c in COINS) + (Asset("USDT", USDT_BALANCE * _scale(shape)),)
    portfolio = Portfolio(name=f"synthetic desk {len(positions)}", acct_lv="4", rules=None, assets=assets,
                          positions=tuple(positions))
    index = {f"{c.name}-USD": c.index for c in COINS} | STABLE_INDEX
    market = Market(ts=TS, index=MappingProxyType(index), mark_px=MappingProxyType(marks),
                    mark_vol=MappingProxyType(vols), atm_vol=MappingProxyType({c.name: c.atm0 for c in COINS}))
    return _hedged(portfolio, market), market


def _hedged(portfolio: Portfolio, market: Market) -> Portfolio:
    """Size each USDT perpetual so that the coin's derivative delta is short 80 % of its balance.

    A short derivative delta next to a coin balance is what spot in use offsets (rules spec 2.3), so the
    spot-in-use slider of the desk has room to move.
    """
    from engine.book import build_book

    book = build_book(portfolio, market)
    delta = book.cash_delta_usd() / book.spot
    balances = portfolio.asset_amounts()
    positions = list(portfolio.positions)
    for coin in COINS:
        swap = f"{coin.name}-USDT-SWAP"
        row = next(i for i, p in enumerate(positions) if p.inst_id == swap)
        others = sum(d for i, (d, c) in enumerate(zip(delta, book.ccy)) if c == coin.name and i != row)
        target = -0.8 * balances[coin.name]
        per_contract = book.qty[row] / book.pos[row] if book.pos[row] else book.instruments[row].units_per_contract
        positions[row] = Position(swap, float(round((target - others) / per_contract)), positions[row].avg_px)
    return Portfolio(name=portfolio.name, acct_lv=portfolio.acct_lv, rules=portfolio.rules, assets=portfolio.assets,
                     positions=tuple(positions))


def _scale(shape: Shape) -> float:
    """Balances grow with the book so that every size stays a solvent account (margin ratio above 1)."""
    return shape.n_positions / DESK.n_positions


def desk() -> tuple[Portfolio, Market]:
    """The ~1,600-position BTC + ETH options desk."""
    return build(DESK)


def scaled(n_positions: int) -> tuple[Portfolio, Market]:
    """The same desk grown to about ``n_positions`` positions."""
    return build(shape_for(n_positions))
