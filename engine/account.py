"""Currency equity, discounted collateral and borrowing: shared by portfolio and multi-currency margin."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .book import OPTION, Book
from .catalogue import is_stablecoin
from .collateral import DiscountTable
from .errors import InputError
from .market import Market
from .params import RuleSet
from .portfolio import Portfolio


@dataclass(frozen=True)
class Equity:
    ccys: tuple[str, ...]
    eq: np.ndarray        # currency units
    px: np.ndarray        # USD index per currency
    eq_usd: np.ndarray
    spot_eq: np.ndarray   # equity without option market value: the coin actually held (spot in use draws on it)

    def index(self, ccy: str) -> int:
        return self.ccys.index(ccy)

    def available_spot(self, ccy: str) -> float:
        """Coin that may hedge as spot in use (rules spec 11.12): the coin held, never more than the coin's total
        equity, never below 0. A short option liability larger than the balance leaves nothing to lend."""
        if ccy not in self.ccys:
            return 0.0
        j = self.ccys.index(ccy)
        return max(0.0, min(float(self.spot_eq[j]), float(self.eq[j])))


def currency_equity(portfolio: Portfolio, book: Book, market: Market, *, long_options_as_collateral: bool = True) -> Equity:
    """eq_c = cash + unrealised P&L of contracts settled in c + market value of options settled in c (coin)."""
    opt = book.kind == OPTION
    value_usd = book.option_value_usd()
    if not long_options_as_collateral:
        value_usd = np.minimum(value_usd, 0.0)
    add = np.where(opt, value_usd / book.spot, book.settle_upl())     # settlement-currency amount per row
    names = list(dict.fromkeys([a.ccy for a in portfolio.assets] + [f.settle_ccy for f in book.families]))
    code = {c: j for j, c in enumerate(names)}
    row_code = np.array([code[f.settle_ccy] for f in book.families], dtype=np.int64)[book.family]
    # balances first, then the rows in order: bincount adds them up in the order a loop over positions would
    labels = np.concatenate([np.array([code[a.ccy] for a in portfolio.assets], dtype=np.int64), row_code])
    amounts = np.array([a.amt for a in portfolio.assets], dtype=float)
    eq = dict(zip(names, np.bincount(labels, weights=np.concatenate([amounts, add]), minlength=len(names))))
    held = dict(zip(names, np.bincount(labels, weights=np.concatenate([amounts, np.where(opt, 0.0, add)]),
                                       minlength=len(names))))
    ccys = tuple(sorted(eq, key=lambda c: (is_stablecoin(c), c)))
    px = np.empty(len(ccys))
    for j, c in enumerate(ccys):
        value = 1.0 if c == "USD" else market.index.get(f"{c}-USD")   # USD: USD_UM contracts settle in it
        if value is None:
            raise InputError(f"market: index has no {c}-USD price (needed for the {c} balance)")
        px[j] = value
    values = np.array([eq[c] for c in ccys], dtype=float)
    spot_eq = np.array([held.get(c, 0.0) for c in ccys], dtype=float)
    return Equity(ccys=ccys, eq=values, px=px, eq_usd=values * px, spot_eq=spot_eq)


def discounted(equity: Equity, table: DiscountTable) -> np.ndarray:
    """disEq per currency in USD."""
    return np.array([table.discounted_usd(c, e, p) for c, e, p in zip(equity.ccys, equity.eq, equity.px)])


def borrowing(equity: Equity, rules: RuleSet) -> tuple[np.ndarray, np.ndarray]:
    """(borrowImr, borrowMmr) per currency in USD: flat tier-1 rates on negative equity (rules spec 11.10)."""
    liab = np.maximum(-equity.eq_usd, 0.0)
    return liab * rules.get("mr8.imrRate"), liab * rules.get("mr8.mmrRate")


def liquidation_cost(equity: Equity, borrow_mmr: float, rules: RuleSet) -> float:
    """The liquidation-cost term of the margin ratio (rules spec §1.3, 11.12)."""
    liab = float(np.maximum(-equity.eq_usd, 0.0).sum())
    if rules.get("liqCost.includeBorrowMmr"):
        liab += borrow_mmr
    return rules.get("liqCost.kLiab") * liab


def margin_ratio(adj_eq: float, mmr: float, liq_cost: float) -> float | None:
    denom = mmr + liq_cost
    return adj_eq / denom if denom > 0 else None
