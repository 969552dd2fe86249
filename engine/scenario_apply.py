"""Applying a ``Scenario`` to a (portfolio, market) pair: the shocked pair that ``engine.compute`` margins.

Order of the shocks (docs/ENGINE.md, "Scenarios"):
1. positions without ``avgPx`` are given the current mark as entry price, so the scenario's moves show as P&L;
2. crypto USD indices move (``Market.shifted``: marks and forwards of futures and perpetuals move by the same
   absolute amount); stablecoin indices are set to the scenario's levels (marks stay in their quote currency);
3. the valuation time moves forward by ``days``; futures and options expiring at or before the new time settle at
   the scenario's index, the P&L credited to the settlement currency balance and the position removed;
4. option vols shift (absolute), by tenor at each option's days to expiry after the time roll.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Iterator

import numpy as np

from .book import INVERSE, LINEAR, OPTION, Book, build_book
from .catalogue import is_stablecoin, parse_inst_id
from .errors import InputError
from .market import MAX_VOL, Market
from .portfolio import Asset, Portfolio, Position

if TYPE_CHECKING:
    from .scenario import Scenario

ATM_TENOR_DAYS = 30.0   # atmVol has no tenor: a by-tenor shift moves it by the shift at 30 days


@dataclass(frozen=True)
class Applied:
    """The shocked portfolio and market (unpacks as ``portfolio, market``) and what was settled."""

    portfolio: Portfolio
    market: Market
    warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator:
        return iter((self.portfolio, self.market))


def _days_to(expiries: list, ts) -> np.ndarray:
    return np.array([(e - ts).total_seconds() / 86400.0 for e in expiries], dtype=float)


def _shift_vols(market: Market, scenario: "Scenario", extra: dict[str, float]) -> Market:
    """Vols after the scenario's shift at the (already rolled) market time; options expired by then are dropped."""
    vols = {**market.mark_vol, **extra}
    insts = [parse_inst_id(k) for k in vols]
    keep = [i for i, inst in enumerate(insts) if inst.expiry > market.ts]
    keys = [list(vols)[i] for i in keep]
    old = np.array([vols[k] for k in keys], dtype=float)
    new = old.copy()
    unds = np.array([insts[i].underlying for i in keep], dtype=object)
    days = _days_to([insts[i].expiry for i in keep], market.ts)
    for und in set(unds.tolist()):
        shift = scenario.vol_shift(und)
        if shift is not None:
            rows = unds == und
            new[rows] = old[rows] + shift.at(days[rows])
    atm = {}
    for und, v in market.atm_vol.items():
        shift = scenario.vol_shift(und)
        atm[und] = v + (float(shift.at(ATM_TENOR_DAYS)) if shift is not None else 0.0)
    _check_vols(scenario, dict(zip(keys, new.tolist())), dict(zip(keys, old.tolist())), "markVol")
    _check_vols(scenario, atm, dict(market.atm_vol), "atmVol")
    return replace(market, mark_vol=MappingProxyType(dict(zip(keys, new.tolist()))), atm_vol=MappingProxyType(atm))


def _check_vols(scenario: "Scenario", new: dict[str, float], old: dict[str, float], what: str) -> None:
    for key, v in new.items():
        if not v > 0.0:
            raise InputError(f"scenario {scenario.name!r}: vol: the shift takes {what}.{key} from {old[key]:g} "
                             f"to {v:g} (a vol must stay above 0)")
        if v > MAX_VOL:
            raise InputError(f"scenario {scenario.name!r}: vol: the shift takes {what}.{key} to {v:g}, "
                             f"above {MAX_VOL:g}")


def _shock_prices(market: Market, scenario: "Scenario") -> Market:
    """Index moves, stablecoin levels and the time roll (vols not yet shifted)."""
    cryptos = [k[:-4] for k in market.index if k.endswith("-USD") and not is_stablecoin(k[:-4])]
    moves = {c: scenario.index_move(c) for c in cryptos}
    shocked = market.shifted({c: m for c, m in moves.items() if m != 0.0})
    index = dict(shocked.index)
    for ccy, level in scenario.stable:
        index[f"{ccy}-USD"] = level
    ts = market.ts + timedelta(days=scenario.days)
    marks = shocked.mark_px
    if scenario.days:
        marks = {k: v for k, v in marks.items() if parse_inst_id(k).expiry is None or parse_inst_id(k).expiry > ts}
    return replace(shocked, ts=ts, index=MappingProxyType(index), mark_px=MappingProxyType(dict(marks)))


def check_scenario(market: Market, scenario: "Scenario") -> Market:
    """The scenario's market alone; InputError (one line) when a vol would leave (0, MAX_VOL]. Run before a batch."""
    return _shift_vols(_shock_prices(market, scenario), scenario, {})


def _entries(book: Book) -> np.ndarray:
    """Entry price of each row: avgPx, else the current mark (options: premium in coin, mark / index)."""
    current = np.where(book.kind == OPTION, book.mark / book.spot, book.mark)
    return np.where(np.isnan(book.avg_px), current, book.avg_px)


def _settle(book: Book, portfolio: Portfolio, entry: np.ndarray, market: Market,
            scenario: "Scenario") -> tuple[np.ndarray, dict[str, float], list[str]]:
    """(rows settled, credit per settlement currency, warnings) for contracts expiring by the new market time."""
    exp = np.array([f.expiry.timestamp() if f.expiry is not None else np.inf for f in book.families])
    rows = np.flatnonzero(exp[book.family] <= market.ts.timestamp())
    if rows.size == 0:
        return rows, {}, []
    fams = [book.families[f] for f in book.family[rows].tolist()]
    s = np.array([market.index_usd(f.underlying) for f in fams])
    fx = np.array([1.0 if f.quote == "USD" else market.index_usd(f.quote) for f in fams])
    settle_fx = np.array([market.index_usd(f.settle_ccy) for f in fams])
    kind, qty, k = book.kind[rows], book.qty[rows], book.strike[rows]
    px = np.where(kind == LINEAR, s / fx, s)
    intrinsic = np.where(book.is_call[rows], np.maximum(s - k, 0.0), np.maximum(k - s, 0.0))
    credit = np.zeros(rows.size)
    lin, inv, opt = kind == LINEAR, kind == INVERSE, kind == OPTION
    credit[lin] = qty[lin] * (px[lin] - entry[rows][lin])
    credit[inv] = qty[inv] * (1.0 / entry[rows][inv] - 1.0 / px[inv])
    credit[opt] = qty[opt] * intrinsic[opt] / settle_fx[opt]
    by_ccy: dict[str, float] = {}
    warnings = []
    ids = [portfolio.positions[i].inst_id for i in rows.tolist()]
    for inst_id, f, p, c in zip(ids, fams, px.tolist(), credit.tolist()):
        by_ccy[f.settle_ccy] = by_ccy.get(f.settle_ccy, 0.0) + c
        warnings.append(f"scenario {scenario.name!r}: {inst_id} expires within {scenario.days:g} days: settled at "
                        f"{p:.6g} {'USD' if f.quote == 'USD' else f.quote}, {c:+.6g} {f.settle_ccy} credited")
    return rows, by_ccy, warnings


def apply_scenario(portfolio: Portfolio, market: Market, scenario: "Scenario") -> Applied:
    """The portfolio and market under ``scenario`` (pure: new frozen objects; the inputs are untouched)."""
    if scenario.is_identity:
        return Applied(portfolio, market)
    book = build_book(portfolio, market)
    entry = _entries(book)
    shocked = _shock_prices(market, scenario)
    settled, credit, warnings = _settle(book, portfolio, entry, shocked, scenario)
    gone = set(settled.tolist())
    positions = tuple(Position(p.inst_id, p.pos, float(entry[i]) if p.avg_px is None else p.avg_px)
                      for i, p in enumerate(portfolio.positions) if i not in gone)
    # options of the book valued on atmVol get their own markVol, so that a by-tenor shift reaches their tenor
    extra = {p.inst_id: float(book.vol[i]) for i, p in enumerate(portfolio.positions)
             if book.kind[i] == OPTION and i not in gone and p.inst_id not in market.mark_vol}
    shocked = _shift_vols(shocked, scenario, extra)
    assets = [Asset(a.ccy, a.amt + credit.pop(a.ccy, 0.0)) for a in portfolio.assets]
    assets += [Asset(c, amt) for c, amt in credit.items()]
    out = replace(portfolio, positions=positions, assets=tuple(assets))
    return Applied(out, shocked, tuple(warnings) + tuple(book.warnings))
