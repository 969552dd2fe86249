"""A trade booked as a fill: the cash it moves in its settlement currency (option premium, trading fee).

Adding a position to a book changes only the positions; on OKX a fill also moves cash. A sold option's premium is
credited to the settlement coin and a bought one's paid from it, and every fill pays a fee. Without the cash, a sold
option in a what-if trade showed the option's value as a loss of equity (its market value is subtracted from the
equity, rules spec: eq = cashBal + upl + optionMarketValue) with no premium against it.

Fee rates come from ``resources/fees.json`` (taker rates of a regular user, tagged ``assumed``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .book import INVERSE, LINEAR, OPTION, build_book
from .market import Market
from .portfolio import Portfolio, Position
from .resources import load_json_resource

FEES_FILE = "fees.json"


@dataclass(frozen=True)
class FillCash:
    """Cash a fill moves, in ``ccy`` (the settlement currency): ``premium`` (+ received, - paid) and ``fee`` (>= 0,
    paid); ``price`` is the fill price used (options: coin per coin of underlying, as OKX quotes them)."""

    ccy: str
    premium: float
    fee: float
    price: float
    fee_source: str

    @property
    def cash(self) -> float:
        """The balance change: premium less fee."""
        return self.premium - self.fee


def fee_parameters() -> dict[str, float]:
    """{'option.takerRate', 'option.premiumCap', 'futures.takerRate'} from resources/fees.json."""
    doc = load_json_resource(FEES_FILE)
    return {f"{group}.{name}": float(doc[group][name]["value"]) for group in ("option", "futures")
            for name in doc[group]}


def fee_source() -> str:
    doc = load_json_resource(FEES_FILE)
    assumed = [f"{g}.{n}" for g in ("option", "futures") for n, p in doc[g].items() if p.get("provenance") == "assumed"]
    return f"{doc['id']} ({', '.join(assumed)} assumed)" if assumed else str(doc["id"])


def fill_cash(position: Position, market: Market) -> FillCash:
    """The cash of filling ``position`` at its avgPx (the mark when it has none), as a taker.

    Options: premium = -contracts x ctMult x ctVal x price (coin); fee = min(rate x the same coin amount, cap x
    |premium|). Linear contracts: fee = rate x |coin amount| x price (in the quote currency). Inverse contracts:
    fee = rate x |USD face| / price (coin). Futures and swaps move no premium."""
    book = build_book(Portfolio(positions=(position,)), market)
    fees = fee_parameters()
    kind = int(book.kind[0])
    qty = float(book.qty[0])
    ccy = book.families[int(book.family[0])].settle_ccy
    if kind == OPTION:
        price = float(book.avg_px[0]) if np.isfinite(book.avg_px[0]) else float(book.mark[0] / book.spot[0])
        premium = -qty * price
        fee = min(fees["option.takerRate"] * abs(qty), fees["option.premiumCap"] * abs(premium))
        return FillCash(ccy, premium, fee, price, fee_source())
    price = float(book.avg_px[0]) if np.isfinite(book.avg_px[0]) else float(book.mark[0])
    if kind == LINEAR:
        fee = fees["futures.takerRate"] * abs(qty) * price
    elif kind == INVERSE:
        fee = fees["futures.takerRate"] * abs(qty) / price
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(kind)
    return FillCash(ccy, 0.0, fee, price, fee_source())


def with_fill(portfolio: Portfolio, position: Position, fill: FillCash | None) -> Portfolio:
    """``portfolio`` with ``position`` added and, when ``fill`` is given, its cash (premium less fee) in the
    settlement currency's balance (a new balance when the book holds none of it)."""
    from dataclasses import replace

    from .portfolio import Asset

    out = replace(portfolio, positions=portfolio.positions + (position,))
    if fill is None or fill.cash == 0:
        return out
    held = out.asset_amounts()
    amt = held.get(fill.ccy, 0.0) + fill.cash
    assets = (tuple(replace(a, amt=amt) if a.ccy == fill.ccy else a for a in out.assets) if fill.ccy in held
              else out.assets + (Asset(fill.ccy, amt),))
    return replace(out, assets=assets)


def with_trade(portfolio: Portfolio, trade: Position, market: Market) -> tuple[Portfolio, FillCash]:
    """``portfolio`` after trading ``trade.pos`` contracts of ``trade.inst_id`` at the mark, booked as a fill.

    Not held yet: a new position, with its premium and fee (``with_fill``). Held (net mode, one position per
    instrument): the contracts are added to that position. A future's or perpetual's unrealised P&L against its
    avgPx is then settled into the settlement currency's balance and the merged position carries the mark as its
    price, so the equity moves by the fee only (the trade itself is at the mark); an option's premium is paid or
    received as for a new position and the merged position keeps the mark too. A trade that closes the position
    removes it. Returns the new portfolio and the fill's cash (premium, fee), without the settled P&L.
    """
    from dataclasses import replace

    from .portfolio import Asset

    at_mark = replace(trade, avg_px=None)
    fill = fill_cash(at_mark, market)
    held = next((p for p in portfolio.positions if p.inst_id == trade.inst_id), None)
    if held is None:
        return with_fill(portfolio, at_mark, fill), fill
    settled = float(build_book(Portfolio(positions=(held,)), market).settle_upl()[0])
    total = held.pos + trade.pos
    rest = tuple(p for p in portfolio.positions if p is not held)
    merged = rest if total == 0 else tuple(replace(held, pos=total, avg_px=None) if p is held else p
                                           for p in portfolio.positions)
    cash = fill.cash + settled
    out = replace(portfolio, positions=merged)
    if cash != 0:
        amounts = out.asset_amounts()
        amt = amounts.get(fill.ccy, 0.0) + cash
        assets = (tuple(replace(a, amt=amt) if a.ccy == fill.ccy else a for a in out.assets) if fill.ccy in amounts
                  else out.assets + (Asset(fill.ccy, amt),))
        out = replace(out, assets=assets)
    return out, fill
