"""Multi-currency margin mode (acctLv 3): position tiers, user leverage, §4.4 option margin, discounted collateral.

Rules spec 4.1-4.4 and 11.13:
* SWAP / FUTURES: the tier is chosen by the family's total contracts of that type (sum of |pos|, long and short add);
  lever = min(user lever of the family (portfolio ``lever``, default from the tier table), tier maxLever);
  IMR = |notional USD| / lever; MMR = |notional USD| x tier mmr (the tier of the total applies to the whole position).
* Short options (cross), per unit of underlying in coin, then USD at the index:
  IMR = max(a, b - OTM/F) x MarginFactor + mark;  MMR call = c x MF + mark;  MMR put = max(c, c x mark) x MF + mark.
* Long options are isolated: premium paid, no margin, and their value is not collateral.
* adjEq = sum of discounted equity; borrowing IMR/MMR as MR8; totals, margin ratio and availEq as in 11.12.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..account import Equity, borrowing, currency_equity, discounted, liquidation_cost, margin_ratio
from ..book import INST_TYPE, OPTION, Book, build_book
from ..collateral import DiscountTable, discount_table_for, load_discount_table  # noqa: F401
from ..market import Market
from ..params import RuleSet
from ..portfolio import Portfolio
from ..result import AssetResult, MarginResult, PositionResult, _num
from .tiers import TierRow, TierTable, load_tier_table, with_snapshot_tiers


@dataclass(frozen=True)
class MCPositionResult(PositionResult):
    """A multi-currency position with the figures that rest on assumed parameters (formats.md allows added fields).

    ``assumed`` lists figures ("imr", "mmr"); ``assumed_params`` maps each to the tier rows / parameters behind it.
    """

    assumed: tuple[str, ...] = ()
    assumed_params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    family: str = ""
    margin_mode: str = "cross"           # "isolated" for long options

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(instFamily=self.family, mgnMode=self.margin_mode, assumed=list(self.assumed),
                 assumedParams={k: list(v) for k, v in self.assumed_params.items()}, warnings=list(self.warnings))
        return d


@dataclass(frozen=True)
class PreparedMC:
    """A book valued for multi-currency margin (everything is cheap here; ``evaluate_mc`` does the arithmetic)."""

    portfolio: Portfolio
    market: Market
    rules: RuleSet
    book: Book
    tiers: TierTable
    discounts: DiscountTable
    equity: Equity                      # long options excluded (isolated, not collateral)


def prepare_mc(portfolio: Portfolio, market: Market, rules: RuleSet, book: Book | None = None,
               tiers: TierTable | str | Mapping | None = None, discounts: DiscountTable | None = None) -> PreparedMC:
    """Price the book for acctLv 3; ``tiers`` defaults to the shipped table in force at the market time."""
    book = book if book is not None else build_book(portfolio, market)
    table = load_tier_table(tiers, at=market.ts)
    if tiers is None:            # a snapshot's own tiers (OKX position-tiers) replace the shipped rows they cover
        table = with_snapshot_tiers(table, market, {f.name for f in book.families})
    return PreparedMC(portfolio=portfolio, market=market, rules=rules, book=book, tiers=table,
                      discounts=discounts or discount_table_for(market),
                      equity=currency_equity(portfolio, book, market, long_options_as_collateral=False))


@dataclass(frozen=True)
class Groups:
    """Positions grouped by (instrument family, instrument type): the unit a tier is chosen for."""

    keys: tuple[tuple[str, str], ...]
    of_position: np.ndarray          # (n_pos,) group index

    @property
    def n(self) -> int:
        return len(self.keys)


def group_positions(book: Book) -> Groups:
    # the instrument family (BTC-USD_UM apart from BTC-USD: its own tiers) and the instrument type
    pairs = list(zip(map(attrgetter("family"), book.instruments), map(attrgetter("kind"), book.instruments)))
    lookup = {t: j for j, t in enumerate(dict.fromkeys(pairs))}
    idx = np.fromiter(map(lookup.__getitem__, pairs), dtype=np.int64, count=len(pairs))
    keys = tuple((fam, INST_TYPE[k]) for fam, k in lookup)
    return Groups(keys=keys, of_position=idx)


def _tier_weights(book: Book, basis: str) -> np.ndarray:
    """Contracts each position adds to its group's total: |pos|; options only when short, unless basis 'gross'."""
    w = np.abs(book.pos)
    if basis == "short":
        w = np.where((book.kind == OPTION) & (book.pos >= 0), 0.0, w)
    return w


def family_totals(book: Book, tiers: TierTable, basis: str | None = None) -> dict[tuple[str, str], float]:
    """(family, inst type) -> contracts that choose the tier: sum of |pos| (options: shorts only unless 'gross')."""
    g = group_positions(book)
    w = _tier_weights(book, basis or tiers.get("optionMargin.tierBasis"))
    totals = np.bincount(g.of_position, weights=w, minlength=g.n) if book.n else np.zeros(0)
    return {key: float(totals[j]) for j, key in enumerate(g.keys) if totals[j] > 0 or key[1] != "OPTION"}


@dataclass(frozen=True)
class MarginFigures:
    """Per position (arrays) and per group (lists) figures of multi-currency margin."""

    groups: Groups
    imr: np.ndarray
    mmr: np.ndarray
    lever: np.ndarray                # nan for options
    tier: np.ndarray                 # 0 = none (long options)
    isolated: np.ndarray             # bool: long options
    otm_binds: np.ndarray            # bool: b - OTM/F > a (the OTM reference matters)
    group_assumed: tuple[dict[str, list[str]], ...]
    group_warnings: tuple[list[str], ...]
    otm_param: str                   # what to flag when otm_binds and the reference is assumed ("" = nothing)


LONG_OPTION_NOTE = "long option: isolated in multi-currency mode; premium paid, no margin, value not counted as collateral"


def position_margins(prep: PreparedMC) -> MarginFigures:
    """IMR / MMR (USD), leverage and tier of every position (rules spec 4.1-4.4, 11.13), vectorised."""
    book, tiers = prep.book, prep.tiers
    n = book.n
    groups = group_positions(book)
    idx = groups.of_position
    basis = tiers.get("optionMargin.tierBasis")
    totals = np.bincount(idx, weights=_tier_weights(book, basis), minlength=groups.n) if n else np.zeros(0)
    other = "gross" if basis == "short" else "short"
    alt_totals = np.bincount(idx, weights=_tier_weights(book, other), minlength=groups.n) if n else np.zeros(0)
    is_opt = book.kind == OPTION
    short_opt = is_opt & (book.pos < 0)
    needs_table = np.bincount(idx, weights=(~is_opt | short_opt).astype(float), minlength=groups.n) > 0 \
        if n else np.zeros(0, dtype=bool)
    levers = prep.portfolio.lever_map()
    default_lever = float(tiers.get("defaults.lever"))
    g_lever = np.full(groups.n, np.nan)
    g_mmr = np.zeros(groups.n)
    g_factor = np.zeros(groups.n)
    g_tier = np.zeros(groups.n, dtype=np.int64)
    g_abc = np.zeros((groups.n, 3))
    g_assumed: list[dict[str, list[str]]] = []
    g_warnings: list[list[str]] = []
    for j, (fam, typ) in enumerate(groups.keys):
        assumed: dict[str, list[str]] = {}
        warnings: list[str] = []
        g_assumed.append(assumed)
        g_warnings.append(warnings)
        if not needs_table[j]:
            continue
        total = float(totals[j])
        row, beyond = tiers.tier_for(fam, typ, total)
        g_tier[j] = row.tier
        what = "short contracts" if typ == "OPTION" and basis == "short" else "contracts"
        if beyond:
            warnings.append(f"{fam} {typ}: {total:,.10g} {what} exceed the largest tier (maxSz {row.max_sz:,.10g}); "
                            f"tier {row.tier} applies")
        if typ == "OPTION":
            ccy = fam.split("-")[0]
            g_factor[j] = row.opt_mgn_factor
            g_abc[j] = [tiers.get("optionMargin.a", ccy), tiers.get("optionMargin.b", ccy),
                        tiers.get("optionMargin.c", ccy)]
            if row.assumed:
                for fig in ("imr", "mmr"):
                    assumed.setdefault(fig, []).append(_row_path(tiers, fam, typ, row) + " (optMgnFactor)")
            for path, fig in (("optionMargin.a", "imr"), ("optionMargin.b", "imr"), ("optionMargin.c", "mmr")):
                if tiers.is_assumed(path):
                    assumed.setdefault(fig, []).append(f"{tiers.id}: {path}")
            if tiers.is_assumed("optionMargin.tierBasis") and \
                    tiers.tier_for(fam, typ, float(alt_totals[j]))[0].tier != row.tier:
                for fig in ("imr", "mmr"):      # the other tier basis would pick another tier
                    assumed.setdefault(fig, []).append(f"{tiers.id}: optionMargin.tierBasis")
            continue
        user = levers.get(fam)
        if user is None:
            user = default_lever
            if tiers.is_assumed("defaults.lever"):
                assumed.setdefault("imr", []).append(f"{tiers.id}: defaults.lever (no lever for {fam})")
        lever = min(user, row.max_lever)
        if lever < user:
            warnings.append(f"{fam} {typ}: leverage {user:g} capped at tier {row.tier} maxLever {row.max_lever:g}")
            if row.assumed:
                assumed.setdefault("imr", []).append(_row_path(tiers, fam, typ, row) + " (maxLever)")
        if row.assumed:
            assumed.setdefault("mmr", []).append(_row_path(tiers, fam, typ, row) + " (mmr)")
        g_lever[j] = lever
        g_mmr[j] = row.mmr

    notional = book.notional_usd() if n else np.zeros(0)
    lever = g_lever[idx] if n else np.zeros(0)
    imr = np.zeros(n)
    mmr = np.zeros(n)
    lin = ~is_opt
    imr[lin] = notional[lin] / lever[lin]
    mmr[lin] = notional[lin] * g_mmr[idx[lin]]
    otm_binds = np.zeros(n, dtype=bool)
    if short_opt.any():
        # §4.4 (S19) in coin per unit of underlying, converted to USD at the index
        rows = np.flatnonzero(short_opt)
        g = idx[rows]
        a, b, c = g_abc[g, 0], g_abc[g, 1], g_abc[g, 2]
        mf = g_factor[g]
        s, f, k = book.spot[rows], book.fwd[rows], book.strike[rows]
        ref = f if tiers.get("optionMargin.otmReference") == "forward" else s
        mark = book.mark[rows] / s                       # option price in coin per unit of underlying (spec 3.4)
        call = book.is_call[rows]
        otm = np.where(call, np.maximum(0.0, k - ref), np.maximum(0.0, ref - k)) / ref
        imr_coin = np.maximum(a, b - otm) * mf + mark
        mmr_coin = np.where(call, c, np.maximum(c, c * mark)) * mf + mark
        units = np.abs(book.qty[rows])
        imr[rows] = units * imr_coin * s
        mmr[rows] = units * mmr_coin * s
        otm_binds[rows] = (otm > 0) & (b - otm > a)
    tier = g_tier[idx] if n else np.zeros(0, dtype=np.int64)
    isolated = is_opt & ~short_opt
    tier = np.where(isolated, 0, tier)
    otm_param = f"{tiers.id}: optionMargin.otmReference" if tiers.is_assumed("optionMargin.otmReference") else ""
    return MarginFigures(groups=groups, imr=imr, mmr=mmr, lever=np.where(is_opt, np.nan, lever), tier=tier,
                         isolated=isolated, otm_binds=otm_binds, group_assumed=tuple(g_assumed),
                         group_warnings=tuple(g_warnings), otm_param=otm_param)


def _row_path(tiers: TierTable, family: str, inst_type: str, row: TierRow) -> str:
    return f"{tiers.id}: families.{family}.{inst_type} tier {row.tier}"


class MCPositionRows(Sequence):
    """Per-position results, built only when someone reads them (a desk has thousands of positions)."""

    def __init__(self, prep: PreparedMC, fig: MarginFigures):
        self._prep, self._fig = prep, fig
        self._cache: list[MCPositionResult] | None = None

    def _params(self, i: int) -> dict[str, list[str]]:
        fig = self._fig
        if fig.isolated[i]:
            return {}
        params = {k: list(v) for k, v in fig.group_assumed[fig.groups.of_position[i]].items()}
        if fig.otm_binds[i] and fig.otm_param:
            params.setdefault("imr", []).append(fig.otm_param)
        return params

    def _build(self) -> list[MCPositionResult]:
        if self._cache is None:
            b, fig = self._prep.book, self._fig
            cash = b.delta_usd()          # the Greek shown: slope of the scenario value (spec 11.12)
            gamma, vega, theta = b.greeks_usd()
            pnl = b.float_pnl_usd()
            notional = b.notional_usd()
            out = []
            for i, inst in enumerate(b.instruments):
                opt = b.kind[i] == OPTION
                params = self._params(i)
                g = fig.groups.of_position[i]
                warnings = (LONG_OPTION_NOTE,) if fig.isolated[i] else tuple(fig.group_warnings[g])
                out.append(MCPositionResult(
                    inst_id=inst.inst_id, inst_type=INST_TYPE[inst.kind], pos=float(b.pos[i]),
                    avg_px=None if np.isnan(b.avg_px[i]) else float(b.avg_px[i]),
                    mark_px=float(b.mark[i] / b.spot[i] if opt else b.mark[i]), notional_usd=float(notional[i]),
                    delta=float(cash[i]), gamma=float(gamma[i]), vega=float(vega[i]), theta=float(theta[i]),
                    float_pnl=float(pnl[i]), risk_unit=None, imr=float(fig.imr[i]), mmr=float(fig.mmr[i]),
                    lever=None if np.isnan(fig.lever[i]) else float(fig.lever[i]),
                    tier=int(fig.tier[i]) or None, warnings=warnings, assumed=tuple(sorted(params)),
                    assumed_params={k: tuple(v) for k, v in sorted(params.items())},
                    family=fig.groups.keys[g][0], margin_mode="isolated" if fig.isolated[i] else "cross"))
            self._cache = out
        return self._cache

    def __getitem__(self, i):
        return self._build()[i]

    def __len__(self) -> int:
        return self._prep.book.n


def isolated_options(book: Book, isolated: np.ndarray) -> list[dict[str, Any]]:
    """The long options kept out of collateral, one entry each: instId, settle ccy and market value in USD (what a
    switch to this mode takes out of the equity; the switch dialog names them)."""
    if not book.n or not isolated.any():
        return []
    values = book.option_value_usd()
    return [{"instId": book.instruments[i].inst_id, "ccy": book.instruments[i].settle_ccy,
             "valueUsd": _num(float(values[i]))} for i in np.flatnonzero(isolated).tolist()]


def evaluate_mc(prep: PreparedMC) -> MarginResult:
    """The account in multi-currency margin mode (formats.md §3 with acctLv "3": positions carry imr, mmr, ...)."""
    book, rules, equity = prep.book, prep.rules, prep.equity
    fig = position_margins(prep)
    borrow_imr, borrow_mmr = borrowing(equity, rules)
    dis = discounted(equity, prep.discounts)
    adj_eq = float(dis.sum())
    deriv_mmr = float(fig.mmr.sum())
    deriv_imr = float(fig.imr.sum())
    b_mmr = float(borrow_mmr.sum())
    total_mmr = deriv_mmr + b_mmr
    total_imr = deriv_imr + float(borrow_imr.sum())
    liq = liquidation_cost(equity, b_mmr, rules)
    assets = tuple(AssetResult(ccy=c, eq=float(equity.eq[j]), eq_usd=float(equity.eq_usd[j]), dis_eq=float(dis[j]),
                               spot_in_use=0.0, max_spot_in_use=0.0, borrow_imr=float(borrow_imr[j]),
                               borrow_mmr=float(borrow_mmr[j]))
                   for j, c in enumerate(equity.ccys))
    account_assumed: dict[str, list[str]] = {}
    pos_params = {p for j, a in enumerate(fig.group_assumed) for v in a.values() for p in v
                  if np.any(fig.groups.of_position[~fig.isolated] == j)}
    if fig.otm_param and fig.otm_binds.any():
        pos_params.add(fig.otm_param)
    if pos_params:
        for name in ("derivMmr", "totalMmr", "totalImr", "marginRatio"):
            account_assumed[name] = sorted(pos_params)
    borrowed = [c for c, e in zip(equity.ccys, equity.eq) if e < 0]
    if any(c != "USDT" for c in borrowed):
        for name in ("borrowMmr", "totalMmr", "totalImr", "marginRatio"):
            account_assumed.setdefault(name, []).append("mr8.mmrRate (documented for USDT only)")
    if any(prep.discounts.assumed.get(c, True) for c, e in zip(equity.ccys, equity.eq) if e > 0):
        for name in ("adjEq", "marginRatio"):
            account_assumed.setdefault(name, []).append(f"{prep.discounts.id}: discount tiers")
    long_opt_value = float(np.where(fig.isolated, book.option_value_usd(), 0.0).sum()) if book.n else 0.0
    pnl = float(book.float_pnl_usd().sum()) if book.n else 0.0
    extra = {"tierTable": prep.tiers.id, "derivImr": _num(deriv_imr), "isolatedOptionValue": _num(long_opt_value),
             "isolatedOptions": isolated_options(book, fig.isolated),
             "assumed": sorted(account_assumed),
             "assumedParams": {k: sorted(set(v)) for k, v in sorted(account_assumed.items())}}
    warnings = list(book.warnings) + [w for ws in fig.group_warnings for w in ws]
    return MarginResult(acct_lv="3", rules=rules.id, ts=prep.market.ts, eq=float(equity.eq_usd.sum()), adj_eq=adj_eq,
                        upl=pnl, total_imr=total_imr, total_mmr=total_mmr, deriv_mmr=deriv_mmr,
                        borrow_mmr=b_mmr, liq_cost=liq, margin_ratio=margin_ratio(adj_eq, total_mmr, liq),
                        assets=assets, units=(), positions=MCPositionRows(prep, fig), warnings=tuple(warnings),
                        avail_eq=adj_eq - total_imr, extra=extra)
