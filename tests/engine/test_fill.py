"""A trade booked as a fill moves cash as on OKX: an option's premium (sold: credited, bought: paid) and the taker fee
in the settlement currency. Reference figures by hand from OKX's fee rules (FAQ example: option fee = min(0.03 % x
ctMult x ctVal x contracts, 7 % x premium x ctMult x ctVal x contracts); futures and swaps 0.05 % of the notional)."""

from __future__ import annotations

import pytest

from engine.fill import fee_parameters, fee_source, fill_cash, with_fill
from engine.portfolio import Asset, Portfolio, Position

OPTION = "BTC-USD-250228-90000-P"      # ctVal 1, ctMult 0.01 BTC


@pytest.fixture(scope="module")
def market():
    from db.demo import demo_market
    return demo_market()


def test_fee_rates_are_the_documented_lv1_taker_rates_and_say_they_are_assumed():
    assert fee_parameters() == {"option.takerRate": 0.0003, "option.premiumCap": 0.07, "futures.takerRate": 0.0005}
    assert "assumed" in fee_source()


def test_sold_option_premium_credited_fee_paid(market):
    fc = fill_cash(Position(OPTION, -100.0, 0.02), market)
    # 100 contracts x 0.01 BTC = 1 BTC of underlying at 0.02 BTC premium: +0.02 BTC; fee min(0.0003 x 1, 7 % x 0.02)
    assert (fc.ccy, fc.price) == ("BTC", 0.02)
    assert fc.premium == pytest.approx(0.02, rel=1e-12)
    assert fc.fee == pytest.approx(0.0003, rel=1e-12)
    assert fc.cash == pytest.approx(0.0197, rel=1e-12)


def test_bought_cheap_option_pays_premium_and_the_capped_fee(market):
    fc = fill_cash(Position(OPTION, 100.0, 0.001), market)
    assert fc.premium == pytest.approx(-0.001, rel=1e-12)
    assert fc.fee == pytest.approx(0.07 * 0.001, rel=1e-12)        # 7 % of the premium < 0.03 % of 1 BTC
    assert fc.cash == pytest.approx(-0.00107, rel=1e-12)


def test_linear_and_inverse_contracts_pay_only_the_fee(market):
    swap = fill_cash(Position("BTC-USDT-SWAP", 10.0, 100_000.0), market)
    assert (swap.ccy, swap.premium) == ("USDT", 0.0)
    assert swap.fee == pytest.approx(10 * 0.01 * 100_000 * 0.0005, rel=1e-12)       # 5 USDT
    future = fill_cash(Position("BTC-USD-250328", -100.0, 100_000.0), market)
    assert (future.ccy, future.premium) == ("BTC", 0.0)
    assert future.fee == pytest.approx(100 * 100 / 100_000 * 0.0005, rel=1e-12)    # 0.00005 BTC


def test_with_fill_adds_the_cash_to_the_balance_or_opens_one():
    book = Portfolio(name="b", assets=(Asset("BTC", 2.0),))
    p = Position(OPTION, -100.0, 0.02)
    fc = type("F", (), {"ccy": "BTC", "cash": 0.0197})()
    out = with_fill(book, p, fc)
    assert out.positions == (p,) and out.asset_amounts() == {"BTC": pytest.approx(2.0197)}
    usdt = type("F", (), {"ccy": "USDT", "cash": -5.0})()
    assert with_fill(book, p, usdt).asset_amounts() == {"BTC": 2.0, "USDT": -5.0}
    assert with_fill(book, p, None).assets == book.assets


def test_short_option_at_the_mark_as_a_fill_costs_the_equity_only_its_fee(market):
    """On a fill at the mark the premium received offsets the option's (negative) market value: the coin's equity
    moves by the fee alone; added without the fill it drops by the whole option value."""
    from engine import api

    book = Portfolio(name="b", assets=(Asset("BTC", 10.0), Asset("USDT", 100_000.0)))
    p = Position(OPTION, -100.0, None)
    fc = fill_cash(p, market)
    eq = {}
    for name, pf in (("before", book), ("fill", with_fill(book, p, fc)), ("bare", with_fill(book, p, None))):
        r = api.compute(pf, market)
        eq[name] = {a.ccy: a.eq for a in r.assets}["BTC"]
    assert eq["fill"] - eq["before"] == pytest.approx(-fc.fee, abs=1e-12)
    assert eq["bare"] - eq["before"] == pytest.approx(-fc.premium, rel=1e-9)        # the value, no premium
