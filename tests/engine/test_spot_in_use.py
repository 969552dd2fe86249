"""Spot in use (spec §2.3, §11.12): automatic amount, user amount clamped, effect on MR1, reported per currency."""

import pytest

from engine import compute, load_market, load_portfolio
from engine.api import evaluate, prepare

MARKET = load_market({"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
                      "markPx": {"BTC-USDT-SWAP": 100000.0}})


def carry(btc="10", user=None):
    doc = {"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-800"}],          # -8 BTC
           "simAsset": [{"ccy": "BTC", "amt": btc}, {"ccy": "USDT", "amt": "50000"}]}
    if user is not None:
        doc["spotInUse"] = [{"ccy": "BTC", "amt": user}]
    return load_portfolio(doc)


def test_automatic_spot_in_use_hedges_the_derivative_delta():
    r = compute(carry(), MARKET, liq_shock=False)
    u = r.unit("BTC")
    assert u.spot_in_use == pytest.approx(8.0)          # min(balance 10, |delta| 8)
    assert u.max_spot_in_use == pytest.approx(8.0)
    assert u.mr["mr1"] == pytest.approx(0.0, abs=1e-6)
    btc = {a.ccy: a for a in r.assets}["BTC"]
    assert (btc.spot_in_use, btc.max_spot_in_use) == pytest.approx((8.0, 8.0))


def test_balance_limits_spot_in_use():
    u = compute(carry(btc="3"), MARKET, liq_shock=False).unit("BTC")
    assert u.spot_in_use == pytest.approx(3.0)
    # 5 BTC left unhedged: worst loss at +12 % = 5 x 100,000 x 0.12
    assert u.mr["mr1"] == pytest.approx(60_000.0)


def test_user_amount_is_clamped_and_changes_mr1():
    u = compute(carry(user="2"), MARKET, liq_shock=False).unit("BTC")
    assert u.spot_in_use == pytest.approx(2.0)
    assert u.mr["mr1"] == pytest.approx(6 * 100_000 * 0.12)
    over = compute(carry(user="50"), MARKET, liq_shock=False).unit("BTC")
    assert over.spot_in_use == pytest.approx(8.0)


def test_evaluate_override_is_the_cheap_path_and_pure():
    prepared = prepare(carry(), MARKET)
    a = evaluate(prepared, {"BTC": 4.0})
    b = evaluate(prepared)
    c = evaluate(prepared, {"BTC": 4.0})
    assert a.unit("BTC").spot_in_use == 4.0 and b.unit("BTC").spot_in_use == pytest.approx(8.0)
    assert a.to_dict() == c.to_dict()
    assert a.unit("BTC").mr["mr1"] == pytest.approx(4 * 100_000 * 0.12)


def test_long_derivatives_take_no_spot():
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "800"}], "simAsset": [{"ccy": "BTC", "amt": "10"}]})
    u = compute(p, MARKET, liq_shock=False).unit("BTC")
    assert u.spot_in_use == 0 and u.max_spot_in_use == 0
