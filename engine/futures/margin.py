"""Spot and futures mode (acctLv 2): every settlement currency margins its own positions (rules spec 1.1, 4.5).

Per settlement currency c (amounts in c; USD = amount x c's USD index):
* positions settled in c: perpetuals / futures with the multi-currency tier formulas (tier by the family's total
  contracts, IMR = notional / leverage, MMR = notional x tier mmr), short options with the §4.4 formulas, long options
  bought outright (premium paid, no margin, value not collateral unless ``futures.longOptionsAsCollateral``);
  the same tier table as multi-currency mode (``prepare_mc``: the snapshot's tiers when it carries them);
* crossEq_c = balance + P&L of cross contracts + market value of short options (no other currency, no borrowing,
  no discount); isoEq_c = sum over isolated positions of (margin + P&L); eq_c = crossEq_c + isoEq_c;
* imr_c, mmr_c: sums over cross positions; closeFee_c = ``futures.closeFeeRate`` x cross notional;
  mgnRatio_c = crossEq_c / (mmr_c + closeFee_c); availEq_c = crossEq_c - imr_c;
* an isolated position: IMR = its margin, MMR from the tier, mgnRatio = (margin + P&L) / (MMR + close fee).
The account's ``marginRatio`` is the lowest of these ratios (the first part of the account to be liquidated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..account import currency_equity
from ..book import INST_TYPE, OPTION, Book, build_book
from ..market import Market
from ..mc.margin import (LONG_OPTION_NOTE, MCPositionResult, MCPositionRows, PreparedMC, isolated_options,
                         position_margins, prepare_mc)
from ..params import RuleSet
from ..portfolio import Portfolio
from ..result import AssetResult, MarginResult, _num
from .params import ModeParams, load_mode_params


@dataclass(frozen=True)
class FuturesPositionResult(MCPositionResult):
    """A position in futures mode: its settlement currency and, when isolated, its own margin and ratio."""

    settle_ccy: str = ""
    imr_ccy: float = 0.0             # in the settlement currency
    mmr_ccy: float = 0.0
    iso_margin: float | None = None  # isolated: margin in the settlement currency
    iso_ratio: float | None = None   # isolated: (margin + P&L) / (MMR + close fee)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(settleCcy=self.settle_ccy, imrCcy=_num(self.imr_ccy), mmrCcy=_num(self.mmr_ccy))
        if self.iso_margin is not None:
            d.update(margin=_num(self.iso_margin), mgnRatio=_num(self.iso_ratio))
        return d


@dataclass(frozen=True)
class CurrencyDetail:
    """One settlement currency of a futures-mode account (OKX Get balance ``details[]`` for acctLv 2)."""

    ccy: str
    px: float                 # USD index
    cash_bal: float
    upl: float                # cross contracts' P&L
    opt_val: float            # options counted in equity (short: negative)
    iso_eq: float
    cross_eq: float
    imr: float
    mmr: float
    close_fee: float
    notional: float           # cross positions, in the currency
    mgn_ratio: float | None
    positions: tuple[str, ...] = ()

    @property
    def eq(self) -> float:
        return self.cross_eq + self.iso_eq

    @property
    def avail_eq(self) -> float:
        return self.cross_eq - self.imr

    def to_dict(self) -> dict[str, Any]:
        px = self.px
        return {"ccy": self.ccy, "eq": _num(self.eq), "cashBal": _num(self.cash_bal), "upl": _num(self.upl),
                "optVal": _num(self.opt_val), "isoEq": _num(self.iso_eq), "crossEq": _num(self.cross_eq),
                "availEq": _num(self.avail_eq), "imr": _num(self.imr), "mmr": _num(self.mmr),
                "closeFee": _num(self.close_fee), "mgnRatio": _num(self.mgn_ratio),
                "notionalLever": _num(self.notional / self.eq) if self.eq > 0 else None,
                "eqUsd": _num(self.eq * px), "availEqUsd": _num(self.avail_eq * px), "imrUsd": _num(self.imr * px),
                "mmrUsd": _num(self.mmr * px), "pxUsd": _num(px), "positions": list(self.positions)}


@dataclass(frozen=True)
class PreparedFutures:
    portfolio: Portfolio
    market: Market
    rules: RuleSet
    book: Book
    mc: PreparedMC                 # the tier table and the short-option formulas, shared with multi-currency mode
    params: ModeParams
    memo: dict = field(default_factory=dict)


def prepare_futures(portfolio: Portfolio, market: Market, rules: RuleSet, book: Book | None = None) -> PreparedFutures:
    book = book if book is not None else build_book(portfolio, market)
    return PreparedFutures(portfolio=portfolio, market=market, rules=rules, book=book,
                           mc=prepare_mc(portfolio, market, rules, book=book), params=load_mode_params())


def _settle(book: Book) -> tuple[list[str], np.ndarray]:
    """(settlement currencies, code per row)."""
    names = [f.settle_ccy for f in book.families]
    ccys = list(dict.fromkeys(names[f] for f in book.family.tolist()))
    code = {c: j for j, c in enumerate(ccys)}
    return ccys, np.array([code[names[f]] for f in book.family.tolist()], dtype=np.int64)


def evaluate_futures(prep: PreparedFutures) -> MarginResult:
    """The account in spot and futures mode (acctLv 2), with per-currency ``details``."""
    book, params, portfolio = prep.book, prep.params, prep.portfolio
    n = book.n
    fig = position_margins(prep.mc)
    fee_rate = float(params.get("futures.closeFeeRate"))
    long_as_coll = bool(params.get("futures.longOptionsAsCollateral"))
    equity = currency_equity(portfolio, book, prep.market, long_options_as_collateral=long_as_coll)
    px_of = dict(zip(equity.ccys, equity.px))
    is_opt = book.kind == OPTION
    iso = np.array([p.mgn_mode == "isolated" for p in portfolio.positions], dtype=bool) & ~is_opt
    iso_margin = np.array([p.margin or 0.0 for p in portfolio.positions], dtype=float)
    ccys, code = _settle(book)
    row_px = np.array([px_of[c] for c in ccys], dtype=float)[code] if n else np.zeros(0)
    imr_c, mmr_c = (fig.imr / row_px, fig.mmr / row_px) if n else (np.zeros(0), np.zeros(0))
    notional_c = book.notional_usd() / row_px if n else np.zeros(0)
    upl = book.settle_upl() if n else np.zeros(0)
    opt_val = np.where(is_opt, book.option_value_usd() / book.spot, 0.0) if n else np.zeros(0)
    if not long_as_coll and n:
        opt_val = np.minimum(opt_val, 0.0)
    cross = ~iso
    k = len(ccys)

    def by_ccy(w: np.ndarray) -> np.ndarray:
        return np.bincount(code, weights=w, minlength=k) if n else np.zeros(k)

    iso_upl = by_ccy(np.where(iso, upl, 0.0))
    iso_eq = by_ccy(np.where(iso, iso_margin + upl, 0.0))
    imr = by_ccy(np.where(cross, imr_c, 0.0))
    mmr = by_ccy(np.where(cross, mmr_c, 0.0))
    notional = by_ccy(np.where(cross & ~(is_opt & (book.pos > 0)), notional_c, 0.0))
    cross_upl = by_ccy(np.where(cross, upl, 0.0))
    opt_total = by_ccy(opt_val)
    fee = fee_rate * notional
    iso_fee = fee_rate * notional_c
    iso_ratio = np.where(iso & (mmr_c + iso_fee > 0), (iso_margin + upl) / np.where(iso, mmr_c + iso_fee, 1.0), np.nan)

    cash = portfolio.asset_amounts()
    all_ccys = list(equity.ccys) + [c for c in ccys if c not in equity.ccys]
    details = []
    for c in all_ccys:
        j = ccys.index(c) if c in ccys else None
        e = float(equity.eq[equity.index(c)])
        if j is None:
            details.append(CurrencyDetail(c, float(px_of[c]), cash.get(c, 0.0), 0.0, 0.0, 0.0, e, 0.0, 0.0, 0.0, 0.0,
                                          None))
            continue
        cross_eq = e - float(iso_upl[j])          # currency_equity counts every contract's P&L
        denom = float(mmr[j] + fee[j])
        details.append(CurrencyDetail(
            ccy=c, px=float(px_of[c]), cash_bal=cash.get(c, 0.0), upl=float(cross_upl[j]), opt_val=float(opt_total[j]),
            iso_eq=float(iso_eq[j]), cross_eq=cross_eq, imr=float(imr[j]), mmr=float(mmr[j]), close_fee=float(fee[j]),
            notional=float(notional[j]), mgn_ratio=cross_eq / denom if denom > 0 else None,
            positions=tuple(book.instruments[i].inst_id for i in np.flatnonzero(code == j))))
    return _result(prep, fig, details, code, ccys, row_px, imr_c, mmr_c, iso, iso_margin, iso_ratio, fee_rate)


def _result(prep: PreparedFutures, fig, details: list[CurrencyDetail], code, ccys, row_px, imr_c, mmr_c, iso,
            iso_margin, iso_ratio, fee_rate: float) -> MarginResult:
    book, params = prep.book, prep.params
    eq_usd = sum(d.eq * d.px for d in details)
    total_mmr = sum(d.mmr * d.px for d in details) + float(np.where(iso, fig.mmr, 0.0).sum())
    total_imr = sum(d.imr * d.px for d in details) + float(np.where(iso, iso_margin * row_px, 0.0).sum())
    ratios = [d.mgn_ratio for d in details if d.mgn_ratio is not None]
    ratios += [float(r) for r in iso_ratio[np.isfinite(iso_ratio)]]
    warnings = list(book.warnings) + [w for ws in fig.group_warnings for w in ws]
    for d in details:
        if d.cash_bal < 0:
            warnings.append(f"{d.ccy}: negative balance {d.cash_bal:,.10g} is a borrowing, which spot and futures "
                            f"mode does not allow; counted as negative {d.ccy} equity")
    assumed: dict[str, list[str]] = {}
    pos_params = sorted({p for j, a in enumerate(fig.group_assumed) for v in a.values() for p in v
                         if np.any(fig.groups.of_position[~fig.isolated] == j)})
    if fig.otm_param and fig.otm_binds.any():
        pos_params.append(fig.otm_param)
    if pos_params:
        for name in ("totalMmr", "totalImr", "marginRatio", "details"):
            assumed.setdefault(name, []).extend(pos_params)
    if fee_rate > 0 and params.is_assumed("futures.closeFeeRate"):
        assumed.setdefault("marginRatio", []).append(params.tag("futures.closeFeeRate"))
    if fig.isolated.any() and params.is_assumed("futures.longOptionsAsCollateral"):
        for name in ("eq", "details"):
            assumed.setdefault(name, []).append(params.tag("futures.longOptionsAsCollateral"))
    assets = tuple(AssetResult(ccy=d.ccy, eq=d.eq, eq_usd=d.eq * d.px, dis_eq=d.eq * d.px, spot_in_use=0.0,
                               max_spot_in_use=0.0, borrow_imr=0.0, borrow_mmr=0.0) for d in details)
    rows = _positions(prep, fig, code, ccys, row_px, imr_c, mmr_c, iso, iso_margin, iso_ratio)
    long_opt = float(np.where(fig.isolated, book.option_value_usd(), 0.0).sum()) if book.n else 0.0
    extra = {"tierTable": prep.mc.tiers.id, "modeParams": params.id, "isolatedOptionValue": _num(long_opt),
             "isolatedOptions": isolated_options(book, fig.isolated),
             "details": [d.to_dict() for d in details],
             "assumed": sorted(assumed), "assumedParams": {k: sorted(set(v)) for k, v in sorted(assumed.items())}}
    return MarginResult(acct_lv="2", rules=prep.rules.id, ts=prep.market.ts, eq=eq_usd, adj_eq=eq_usd,
                        upl=float(book.float_pnl_usd().sum()) if book.n else 0.0, total_imr=total_imr,
                        total_mmr=total_mmr, deriv_mmr=total_mmr, borrow_mmr=0.0,
                        liq_cost=sum(d.close_fee * d.px for d in details),
                        margin_ratio=min(ratios) if ratios else None, assets=assets, units=(), positions=rows,
                        warnings=tuple(warnings), avail_eq=sum(d.avail_eq * d.px for d in details), extra=extra)


def _positions(prep: PreparedFutures, fig, code, ccys, row_px, imr_c, mmr_c, iso, iso_margin, iso_ratio) -> tuple:
    b = prep.book
    if not b.n:
        return ()
    cash = b.cash_delta_usd()
    gamma, vega, theta = b.greeks_usd()
    pnl = b.float_pnl_usd()
    notional = b.notional_usd()
    mc_rows = MCPositionRows(prep.mc, fig)
    out = []
    for i, inst in enumerate(b.instruments):
        params = mc_rows._params(i)
        opt = b.kind[i] == OPTION
        g = fig.groups.of_position[i]
        long_opt = bool(fig.isolated[i])
        isolated = bool(iso[i])
        mode = "isolated" if (long_opt or isolated) else "cross"
        imr_ccy = float(iso_margin[i]) if isolated else float(imr_c[i])
        imr_usd = imr_ccy * float(row_px[i])
        out.append(FuturesPositionResult(
            inst_id=inst.inst_id, inst_type=INST_TYPE[inst.kind], pos=float(b.pos[i]),
            avg_px=None if np.isnan(b.avg_px[i]) else float(b.avg_px[i]),
            mark_px=float(b.mark[i] / b.spot[i] if opt else b.mark[i]), notional_usd=float(notional[i]),
            delta=float(cash[i]), gamma=float(gamma[i]), vega=float(vega[i]), theta=float(theta[i]),
            float_pnl=float(pnl[i]), risk_unit=None, imr=imr_usd, mmr=float(fig.mmr[i]),
            lever=None if np.isnan(fig.lever[i]) else float(fig.lever[i]), tier=int(fig.tier[i]) or None,
            warnings=(LONG_OPTION_NOTE,) if long_opt else tuple(fig.group_warnings[g]),
            assumed=tuple(sorted(params)), assumed_params={k: tuple(v) for k, v in sorted(params.items())},
            family=fig.groups.keys[g][0], margin_mode=mode, settle_ccy=ccys[code[i]], imr_ccy=imr_ccy,
            mmr_ccy=float(mmr_c[i]), iso_margin=float(iso_margin[i]) if isolated else None,
            iso_ratio=float(iso_ratio[i]) if isolated and np.isfinite(iso_ratio[i]) else None))
    return tuple(out)
