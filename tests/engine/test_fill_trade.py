"""A what-if trade into a book (a best hedge applied from the explain panel) is booked as a fill at the mark:
``engine.fill.with_trade``. Expected figures written out by hand from the demo snapshot (resources/demo), the
contract specs (resources/instruments.json: BTC-USD inverse, 100 USD a contract, settled in BTC; BTC-USDT linear,
0.01 BTC a contract, settled in USDT) and the taker rate of resources/fees.json (futures 0.05 %, assumed)."""

from __future__ import annotations

import pytest

from db.demo import demo_market, demo_portfolios
from engine import compute
from engine.fill import fee_parameters, with_trade
from engine.portfolio import Position

MARK_FUT = 98115.0          # BTC-USD-250328 mark in the demo snapshot
MARK_PERP = 96906.4         # BTC-USDT-SWAP
AVG = 99120.4               # the cash-and-carry book's avgPx of its -9,685 BTC-USD-250328
BTC_USD = 96850.2           # BTC-USD index


@pytest.fixture
def book():
    return next(p for p in demo_portfolios() if p.name == "BTC cash-and-carry")


def test_fee_rate_is_the_resource_value():
    assert fee_parameters()["futures.takerRate"] == 0.0005


def test_adding_to_a_held_future_settles_its_pnl_and_charges_the_fee(book):
    out, fill = with_trade(book, Position("BTC-USD-250328", 1000.0), demo_market())
    upl = -9685 * 100 * (1 / AVG - 1 / MARK_FUT)          # inverse: USD face x (1/avg - 1/mark), in BTC
    fee = 0.0005 * 1000 * 100 / MARK_FUT                  # taker rate x USD face / price, in BTC
    assert fill.ccy == "BTC" and fill.fee == pytest.approx(fee, rel=1e-12) and fill.premium == 0
    (pos,) = out.positions
    assert pos.inst_id == "BTC-USD-250328" and pos.pos == -8685 and pos.avg_px is None   # at the mark now
    assert out.asset_amounts()["BTC"] == pytest.approx(10 + upl - fee, rel=1e-12)
    assert out.asset_amounts()["USDT"] == 25000
    # the trade is at the mark: the account's equity moves by the fee only
    before, after = compute(book, demo_market(), mode="pm"), compute(out, demo_market(), mode="pm")
    assert after.eq - before.eq == pytest.approx(-fee * BTC_USD, rel=1e-6)


def test_a_new_instrument_is_a_new_position_with_its_fee(book):
    out, fill = with_trade(book, Position("BTC-USDT-SWAP", -3.0), demo_market())
    fee = 0.0005 * 3 * 0.01 * MARK_PERP                   # linear: rate x coin amount x price, in USDT
    assert fill.ccy == "USDT" and fill.fee == pytest.approx(fee, rel=1e-12)
    assert [(p.inst_id, p.pos) for p in out.positions] == [("BTC-USD-250328", -9685), ("BTC-USDT-SWAP", -3)]
    assert out.asset_amounts() == pytest.approx({"BTC": 10.0, "USDT": 25000 - fee})


def test_a_trade_that_closes_the_position_removes_it(book):
    out, fill = with_trade(book, Position("BTC-USD-250328", 9685.0), demo_market())
    upl = -9685 * 100 * (1 / AVG - 1 / MARK_FUT)
    fee = 0.0005 * 9685 * 100 / MARK_FUT
    assert out.positions == ()
    assert out.asset_amounts()["BTC"] == pytest.approx(10 + upl - fee, rel=1e-12)
