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

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..account import Equity, borrowing, currency_equity, discounted, liquidation_cost, margin_ratio
from ..book import INST_TYPE, OPTION, Book, build_book
from ..collateral import DiscountTable, load_discount_table
from ..market import Market
from ..params import RuleSet
from ..portfolio import Portfolio
from ..result import AssetResult, MarginResult, PositionResult, _num
from .tiers import TierRow, TierTable, load_tier_table


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
    return PreparedMC(portfolio=portfolio, market=market, rules=rules, book=book, tiers=table,
                      discounts=discounts or load_discount_table(),
                      equity=currency_equity(portfolio, book, market, long_options_as_collateral=False))


@dataclass(frozen=True)
class PositionMargin:
    """The margin figures of one position (arrays would not make this clearer: a book has tens of positions)."""

    inst_type: str
    family: str
    imr: float
    mmr: float
    lever: float | None
    tier: int | None
    total: float                     # the family's contracts that chose the tier
    beyond_last_tier: bool
    isolated: bool
    assumed_params: dict[str, list[str]]
    warnings: list[str]


def family_totals(book: Book, tiers: TierTable) -> dict[tuple[str, str], float]:
    """(family, inst type) -> contracts that choose the tier: sum of |pos| (options: shorts only unless 'gross')."""
    basis = tiers.get("optionMargin.tierBasis")
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for i, inst in enumerate(book.instruments):
        t = INST_TYPE[inst.kind]
        if t == "OPTION" and basis == "short" and book.pos[i] >= 0:
            continue
        totals[(inst.family, t)] += abs(float(book.pos[i]))
    return dict(totals)


def _row_path(tiers: TierTable, family: str, inst_type: str, row: TierRow) -> str:
    return f"{tiers.id}: families.{family}.{inst_type} tier {row.tier}"


def position_margins(prep: PreparedMC) -> list[PositionMargin]:
    """IMR / MMR (USD), leverage and tier of every position (rules spec 4.1-4.4, 11.13)."""
    book, tiers = prep.book, prep.tiers
    notional = book.notional_usd()
    totals = family_totals(book, tiers)
    levers = prep.portfolio.lever_map()
    default_lever = float(tiers.get("defaults.lever"))
    out: list[PositionMargin] = []
    for i, inst in enumerate(book.instruments):
        t = INST_TYPE[inst.kind]
        fam = inst.family
        assumed: dict[str, list[str]] = {}
        warnings: list[str] = []
        if book.kind[i] == OPTION:
            if book.pos[i] >= 0:
                out.append(PositionMargin(t, fam, 0.0, 0.0, None, None, 0.0, False, True, {},
                                          ["long option: isolated in multi-currency mode; premium paid, no margin, "
                                           "value not counted as collateral"]))
                continue
            out.append(_short_option(prep, i, notional[i], totals.get((fam, t), 0.0)))
            continue
        total = totals.get((fam, t), 0.0)
        row, beyond = tiers.tier_for(fam, t, total)
        if beyond:
            warnings.append(f"{fam} {t}: {total:,.10g} contracts exceed the largest tier (maxSz {row.max_sz:,.10g}); "
                            f"tier {row.tier} applies")
        user = levers.get(fam)
        if user is None:
            user = default_lever
            if tiers.is_assumed("defaults.lever"):
                assumed.setdefault("imr", []).append(f"{tiers.id}: defaults.lever (no lever for {fam})")
        lever = min(user, row.max_lever)
        if lever < user:
            warnings.append(f"{fam} {t}: leverage {user:g} capped at tier {row.tier} maxLever {row.max_lever:g}")
            if row.assumed:
                assumed.setdefault("imr", []).append(_row_path(tiers, fam, t, row) + " (maxLever)")
        if row.assumed:
            assumed.setdefault("mmr", []).append(_row_path(tiers, fam, t, row) + " (mmr)")
        out.append(PositionMargin(t, fam, float(notional[i] / lever), float(notional[i] * row.mmr), float(lever),
                                  row.tier, total, beyond, False, assumed, warnings))
    return out


def _short_option(prep: PreparedMC, i: int, notional: float, total: float) -> PositionMargin:
    """§4.4 (S19) in coin per unit of underlying, converted to USD at the index."""
    book, tiers = prep.book, prep.tiers
    inst = book.instruments[i]
    fam, ccy = inst.family, inst.underlying
    row, beyond = tiers.tier_for(fam, "OPTION", total)
    a = tiers.get("optionMargin.a", ccy)
    b = tiers.get("optionMargin.b", ccy)
    c = tiers.get("optionMargin.c", ccy)
    s, f, k = float(book.spot[i]), float(book.fwd[i]), float(book.strike[i])
    ref = f if tiers.get("optionMargin.otmReference") == "forward" else s
    mark = float(book.mark[i]) / s                     # option price in coin per unit of underlying (spec 3.4)
    otm = max(0.0, k - ref) if book.is_call[i] else max(0.0, ref - k)
    mf = row.opt_mgn_factor
    imr_coin = max(a, b - otm / ref) * mf + mark
    mmr_coin = (c if book.is_call[i] else max(c, c * mark)) * mf + mark
    units = abs(float(book.qty[i]))
    assumed: dict[str, list[str]] = {}
    warnings: list[str] = []
    if beyond:
        warnings.append(f"{fam} OPTION: {total:,.10g} short contracts exceed the largest tier "
                        f"(maxSz {row.max_sz:,.10g}); tier {row.tier} applies")
    if row.assumed:
        for fig in ("imr", "mmr"):
            assumed.setdefault(fig, []).append(_row_path(tiers, fam, "OPTION", row) + " (optMgnFactor)")
    for path, used_by in (("optionMargin.a", ("imr",)), ("optionMargin.b", ("imr",)), ("optionMargin.c", ("mmr",))):
        if tiers.is_assumed(path):
            for fig in used_by:
                assumed.setdefault(fig, []).append(f"{tiers.id}: {path}")
    if otm > 0 and b - otm / ref > a and tiers.is_assumed("optionMargin.otmReference"):
        assumed.setdefault("imr", []).append(f"{tiers.id}: optionMargin.otmReference")
    if tiers.is_assumed("optionMargin.tierBasis"):
        gross = float(np.abs(book.pos[[j for j, x in enumerate(book.instruments)
                                        if x.family == fam and x.kind == "option"]]).sum())
        other = "gross" if tiers.get("optionMargin.tierBasis") == "short" else "short"
        alt_total = gross if other == "gross" else total
        if tiers.tier_for(fam, "OPTION", alt_total)[0].tier != row.tier:
            for fig in ("imr", "mmr"):
                assumed.setdefault(fig, []).append(f"{tiers.id}: optionMargin.tierBasis")
    return PositionMargin("OPTION", fam, units * imr_coin * s, units * mmr_coin * s, None, row.tier, total, beyond,
                          False, assumed, warnings)


def evaluate_mc(prep: PreparedMC) -> MarginResult:
    """The account in multi-currency margin mode (formats.md §3 with acctLv "3": positions carry imr, mmr, ...)."""
    book, rules, equity = prep.book, prep.rules, prep.equity
    margins = position_margins(prep)
    cash = book.cash_delta_usd() if book.n else np.zeros(0)
    gamma, vega, theta = book.greeks_usd() if book.n else (np.zeros(0),) * 3
    pnl = book.float_pnl_usd() if book.n else np.zeros(0)
    notional = book.notional_usd() if book.n else np.zeros(0)
    positions = []
    for i, (inst, m) in enumerate(zip(book.instruments, margins)):
        mark = book.mark[i] / book.spot[i] if book.kind[i] == OPTION else book.mark[i]
        positions.append(MCPositionResult(
            inst_id=inst.inst_id, inst_type=m.inst_type, pos=float(book.pos[i]),
            avg_px=None if np.isnan(book.avg_px[i]) else float(book.avg_px[i]), mark_px=float(mark),
            notional_usd=float(notional[i]), delta=float(cash[i]), gamma=float(gamma[i]), vega=float(vega[i]),
            theta=float(theta[i]), float_pnl=float(pnl[i]), risk_unit=None, imr=m.imr, mmr=m.mmr, lever=m.lever,
            tier=m.tier, warnings=tuple(m.warnings), assumed=tuple(sorted(m.assumed_params)),
            assumed_params={k: tuple(v) for k, v in sorted(m.assumed_params.items())}, family=m.family,
            margin_mode="isolated" if m.isolated else "cross"))

    borrow_imr, borrow_mmr = borrowing(equity, rules)
    dis = discounted(equity, prep.discounts)
    adj_eq = float(dis.sum())
    deriv_mmr = float(sum(m.mmr for m in margins))
    deriv_imr = float(sum(m.imr for m in margins))
    b_mmr = float(borrow_mmr.sum())
    total_mmr = deriv_mmr + b_mmr
    total_imr = deriv_imr + float(borrow_imr.sum())
    liq = liquidation_cost(equity, b_mmr, rules)
    assets = tuple(AssetResult(ccy=c, eq=float(equity.eq[j]), eq_usd=float(equity.eq_usd[j]), dis_eq=float(dis[j]),
                               spot_in_use=0.0, max_spot_in_use=0.0, borrow_imr=float(borrow_imr[j]),
                               borrow_mmr=float(borrow_mmr[j]))
                   for j, c in enumerate(equity.ccys))
    account_assumed: dict[str, list[str]] = {}
    pos_params = sorted({p for m in margins for v in m.assumed_params.values() for p in v})
    if pos_params:
        for fig in ("derivMmr", "totalMmr", "totalImr", "marginRatio"):
            account_assumed[fig] = pos_params
    borrowed = [c for c, e in zip(equity.ccys, equity.eq) if e < 0]
    if any(c != "USDT" for c in borrowed):
        for fig in ("borrowMmr", "totalMmr", "totalImr", "marginRatio"):
            account_assumed.setdefault(fig, []).append("mr8.mmrRate (documented for USDT only)")
    if any(prep.discounts.assumed.get(c, True) for c, e in zip(equity.ccys, equity.eq) if e > 0):
        for fig in ("adjEq", "marginRatio"):
            account_assumed.setdefault(fig, []).append(f"{prep.discounts.id}: discount tiers")
    long_opt_value = float(np.where((book.kind == OPTION) & (book.pos > 0), book.option_value_usd(), 0.0).sum()) \
        if book.n else 0.0
    extra = {"tierTable": prep.tiers.id, "derivImr": _num(deriv_imr), "isolatedOptionValue": _num(long_opt_value),
             "assumed": sorted(account_assumed),
             "assumedParams": {k: sorted(set(v)) for k, v in sorted(account_assumed.items())}}
    warnings = list(book.warnings) + [w for m in margins for w in m.warnings if not w.startswith("long option")]
    return MarginResult(acct_lv="3", rules=rules.id, ts=prep.market.ts, eq=float(equity.eq_usd.sum()), adj_eq=adj_eq,
                        upl=float(pnl.sum()), total_imr=total_imr, total_mmr=total_mmr, deriv_mmr=deriv_mmr,
                        borrow_mmr=b_mmr, liq_cost=liq, margin_ratio=margin_ratio(adj_eq, total_mmr, liq),
                        assets=assets, units=(), positions=tuple(positions), warnings=tuple(warnings),
                        avail_eq=adj_eq - total_imr, extra=extra)
