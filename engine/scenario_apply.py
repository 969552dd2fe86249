"""Applying a ``Scenario`` to a (portfolio, market) pair: the shocked pair that ``engine.compute`` margins.

Order of the shocks (docs/ENGINE.md, "Scenarios"):
1. positions without ``avgPx`` are given the current mark as entry price, so the scenario's moves show as P&L;
2. crypto USD indices move (``Market.shifted``: marks and forwards of futures and perpetuals, and OKX's per-option
   forwards ``fwdPx``, move by the same absolute amount; OKX's option marks, kept for display only, are dropped);
   stablecoin indices are set to the scenario's levels (marks stay in their quote currency);
3. the valuation time moves forward by ``days``; futures and options expiring at or before the new time settle at
   the scenario's index, the P&L credited to the settlement currency balance and the position removed;
4. option vols shift (absolute), by tenor at each option's days to expiry after the time roll.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Iterator, Mapping

import numpy as np

from .book import INVERSE, LINEAR, OPTION, Book, build_book, reprice_book
from .catalogue import is_stablecoin, resolve
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


@dataclass(frozen=True)
class _VolTable:
    """Per-option values of a snapshot (mark vols, or fwdPx) as arrays, built once per mapping: a batch applies many
    scenarios to one market."""

    keys: tuple[str, ...]
    vol: np.ndarray            # the values
    underlying: np.ndarray     # object array of underlying codes
    expiry_s: np.ndarray       # POSIX seconds of each option's expiry


_VOL_TABLES: dict[int, tuple[Mapping, _VolTable]] = {}


def _vol_table(vols: Mapping[str, float], instruments: Mapping | None = None, *, cache: bool = True) -> _VolTable:
    """Per-option values (vols, or forwards) with their underlying and expiry, as arrays."""
    hit = _VOL_TABLES.get(id(vols))
    if cache and hit is not None and hit[0] is vols:
        return hit[1]
    keys = tuple(vols)
    insts = [resolve(k, instruments) for k in keys]
    table = _VolTable(keys=keys, vol=np.array([vols[k] for k in keys], dtype=float),
                      underlying=np.array([i.underlying for i in insts], dtype=object),
                      expiry_s=np.array([i.expiry.timestamp() for i in insts], dtype=float))
    if cache:
        if len(_VOL_TABLES) >= 16:
            _VOL_TABLES.clear()
        _VOL_TABLES[id(vols)] = (vols, table)
    return table


def _shifted(table: _VolTable, ts: datetime, scenario: "Scenario") -> tuple[dict[str, float], dict[str, float]]:
    """(new, old) vols of the options still alive at ``ts``, shifted by the scenario at their days to expiry."""
    days = (table.expiry_s - ts.timestamp()) / 86400.0
    alive = np.flatnonzero(days > 0.0)
    old = table.vol[alive]
    new = old.copy()
    unds = table.underlying[alive]
    for und in set(unds.tolist()):        # a handful of underlyings; the shift itself is one array op each
        shift = scenario.vol_shift(und)
        if shift is not None:
            rows = unds == und
            new[rows] = old[rows] + shift.at(days[alive][rows])
    keys = [table.keys[i] for i in alive.tolist()]
    return dict(zip(keys, new.tolist())), dict(zip(keys, old.tolist()))


def _shift_vols(market: Market, scenario: "Scenario") -> Market:
    """Vols after the scenario's shift at the (already rolled) market time; options expired by then are dropped."""
    new, old = _shifted(_vol_table(market.mark_vol, market.instruments), market.ts, scenario)
    atm = {}
    for und, v in market.atm_vol.items():
        shift = scenario.vol_shift(und)
        atm[und] = v + (float(shift.at(ATM_TENOR_DAYS)) if shift is not None else 0.0)
    _check_vols(scenario, new, old, "markVol")
    _check_vols(scenario, atm, dict(market.atm_vol), "atmVol")
    return replace(market, mark_vol=MappingProxyType(new), atm_vol=MappingProxyType(atm))


def _check_vols(scenario: "Scenario", new: dict[str, float], old: dict[str, float], what: str) -> None:
    bad = [k for k, v in new.items() if not 0.0 < v <= MAX_VOL]
    if not bad:
        return
    key, v = bad[0], new[bad[0]]
    if not v > 0.0:
        raise InputError(f"scenario {scenario.name!r}: vol: the shift takes {what}.{key} from {old[key]:g} "
                         f"to {v:g} (a vol must stay above 0)")
    raise InputError(f"scenario {scenario.name!r}: vol: the shift takes {what}.{key} to {v:g}, above {MAX_VOL:g}")


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
        expiry = {k: resolve(k, market.instruments).expiry for k in marks}
        marks = {k: v for k, v in marks.items() if expiry[k] is None or expiry[k] > ts}
    return replace(shocked, ts=ts, index=MappingProxyType(index), mark_px=MappingProxyType(dict(marks)),
                   fwd_px=MappingProxyType(_shifted_forwards(market, shocked.index, ts)),
                   option_mark_px=MappingProxyType({}))


def _shifted_forwards(market: Market, index: Mapping[str, float], ts: datetime) -> dict[str, float]:
    """OKX's per-option forwards (``fwdPx``, USD) moved by their underlying's absolute index move, as
    ``Market.shifted`` moves futures marks; those of options expired by ``ts`` dropped."""
    if not market.fwd_px:
        return {}
    t = _vol_table(market.fwd_px, market.instruments)
    unds = t.underlying.tolist()
    move = np.array([index.get(f"{u}-USD", 0.0) - market.index.get(f"{u}-USD", 0.0) for u in unds], dtype=float)
    new = np.maximum(t.vol + move, t.vol * 1e-6)
    alive = t.expiry_s > ts.timestamp()
    return {k: v for k, v, a in zip(t.keys, new.tolist(), alive.tolist()) if a}


def check_scenario(market: Market, scenario: "Scenario") -> Market:
    """The market under the scenario (every shock but the book's settlements); InputError (one line) when a vol
    would leave (0, MAX_VOL]. Run before a batch; ``apply_scenario(..., shocked=)`` reuses it for every book."""
    if scenario.is_identity:
        return market
    return _shift_vols(_shock_prices(market, scenario), scenario)


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


def apply_scenario(portfolio: Portfolio, market: Market, scenario: "Scenario", *,
                   shocked: Market | None = None) -> Applied:
    """The portfolio and market under ``scenario`` (pure: new frozen objects; the inputs are untouched).

    ``shocked``: ``check_scenario(market, scenario)`` when the caller already has it (a batch computes it once per
    scenario for all its books); it must come from the same market and scenario.
    """
    if scenario.is_identity:
        return Applied(portfolio, market)
    return apply_to_base(ScenarioBase.of(portfolio, market), scenario, shocked=shocked)[0]


@dataclass(frozen=True, eq=False)
class ScenarioBase:
    """What applying any scenario to one (portfolio, market) pair shares: the book priced on the market, each row's
    entry price, the positions with those entries, the options valued on atmVol. Built once, it serves every step
    of a what-if drag (``engine.whatif_fast``)."""

    portfolio: Portfolio
    market: Market
    book: Book
    ids: tuple[str, ...]
    entry: np.ndarray                  # entry price per row (``_entries``)
    avg_px: np.ndarray                 # the book's avgPx with the entries filled in
    positions: tuple[Position, ...]    # the positions with those entry prices
    atm_table: _VolTable | None        # options of the book without a markVol: their atmVol, by tenor

    @staticmethod
    def of(portfolio: Portfolio, market: Market) -> "ScenarioBase":
        book = build_book(portfolio, market)
        entry = _entries(book)
        positions = tuple(p if p.avg_px is not None else replace(p, avg_px=float(entry[i]))
                          for i, p in enumerate(portfolio.positions))
        # options of the book valued on atmVol get their own markVol, so that a by-tenor shift reaches their tenor
        extra = {p.inst_id: float(book.vol[i]) for i, p in enumerate(portfolio.positions)
                 if book.kind[i] == OPTION and p.inst_id not in market.mark_vol}
        table = _vol_table(extra, market.instruments, cache=False) if extra else None
        return ScenarioBase(portfolio, market, book, tuple(p.inst_id for p in portfolio.positions), entry,
                            np.where(np.isnan(book.avg_px), entry, book.avg_px), positions, table)


def apply_to_base(base: ScenarioBase, scenario: "Scenario", *, shocked: Market | None = None,
                  with_book: bool = False) -> tuple[Applied, Book | None]:
    """``apply_scenario`` of the base's pair, and (``with_book``) the shocked pair's book: ``base.book`` repriced
    (``engine.book.reprice_book``), equal array for array to ``build_book(applied.portfolio, applied.market)``."""
    portfolio, market, book = base.portfolio, base.market, base.book
    if shocked is None:
        shocked = check_scenario(market, scenario)
    settled, credit, warnings = _settle(book, portfolio, base.entry, shocked, scenario)
    positions = base.positions
    keep = None
    if settled.size:
        alive = np.ones(book.n, dtype=bool)
        alive[settled] = False
        keep = np.flatnonzero(alive)
        positions = tuple(positions[i] for i in keep.tolist())
    if base.atm_table is not None:
        new, old = _shifted(base.atm_table, shocked.ts, scenario)   # options settled by then are left out
        _check_vols(scenario, new, old, "atmVol of")
        shocked = replace(shocked, mark_vol=MappingProxyType({**shocked.mark_vol, **new}))
    assets = [Asset(a.ccy, a.amt + credit.pop(a.ccy, 0.0)) for a in portfolio.assets]
    assets += [Asset(c, amt) for c, amt in credit.items()]
    out = replace(portfolio, positions=positions, assets=tuple(assets))
    applied = Applied(out, shocked, tuple(warnings) + tuple(book.warnings))
    if not with_book:
        return applied, None
    return applied, reprice_book(book, shocked, base.ids, keep=keep, avg_px=base.avg_px)
