"""P&L by underlying (engine.underlying): hand calculations for linear positions and balances, QuantLib for options."""

from __future__ import annotations

import numpy as np
import pytest

from engine import api
from engine.market import load_market
from engine.params import load_rule_set
from engine.portfolio import portfolio_from_dict
from engine.underlying import underlying_grid, underlying_stress, underlyings

MARKET = "resources/demo/market-2025-02-06.json"
BTC_INDEX = 96_850.2                      # resources/demo/market-2025-02-06.json, index BTC-USD
MOVES = np.array([-0.3, -0.1, 0.0, 0.05, 0.25])


def book(mode: str, positions, assets=(("BTC", "2"), ("USDT", "100000"))):
    doc = {"name": "t", "acctLv": "3" if mode == "mc" else "4", "rules": "okx-2025-01",
           "simAsset": [{"ccy": c, "amt": a} for c, a in assets],
           "simPos": [{"instId": i, "pos": p} for i, p in positions]}
    return api.prepare(portfolio_from_dict(doc), load_market(MARKET), mode)


@pytest.mark.parametrize("mode", ["mc", "pm"])
def test_linear_positions_and_the_coin_balance_by_hand(mode):
    prepared = book(mode, [("BTC-USDT-SWAP", "100"), ("ETH-USDT-SWAP", "-50")])
    assert set(underlyings(prepared)) == {"BTC", "ETH"}
    # 100 contracts x 0.01 BTC = 1 BTC long, plus the 2 BTC balance: 3 BTC x index x move; ETH is not BTC's
    expected = 3 * BTC_INDEX * MOVES
    stress = underlying_stress(prepared, "BTC", MOVES)
    assert stress.shape == (3, MOVES.size)
    for state in range(3):                                    # no options: the vol states coincide
        np.testing.assert_allclose(stress[state], expected, rtol=1e-12)
    grid = underlying_grid(prepared, "BTC", MOVES, np.array([-0.1, 0.0, 0.1]))
    np.testing.assert_allclose(grid, np.tile(expected, (3, 1)), rtol=1e-12)


def test_an_option_against_quantlib_in_multi_currency_mode():
    ql = pytest.importorskip("QuantLib")
    inst = "BTC-USD-250328-100000-C"
    prepared = book("mc", [(inst, "100")], assets=(("USDT", "100000"),))
    b = prepared.inner.book
    f0, s, k, vol, t, days = (float(x[0]) for x in (b.fwd, b.spot, b.strike, b.vol, b.t_years, b.days))

    def price(f, v):
        payoff = ql.PlainVanillaPayoff(ql.Option.Call, k)
        return ql.BlackCalculator(payoff, f, v * np.sqrt(t), 1.0).value()

    rules = load_rule_set("okx-2025-01")           # the MR1 vol shock, interpolated in days as rules §MR1 says
    d = np.asarray(rules.get("mr1.volShockDays"), dtype=float)
    shock = max(np.interp(days, d, rules.get("mr1.volShockPoints")) / 100.0,
                np.interp(days, d, rules.get("mr1.volShockPct")) * vol)
    qty = 100 * 0.01                                # 100 contracts x ctMult 0.01 BTC
    stress = underlying_stress(prepared, "BTC", MOVES)
    for j, m in enumerate(MOVES):
        f = f0 + s * m                              # the forward moves by the index's absolute move
        assert stress[1, j] == pytest.approx(qty * (price(f, vol) - price(f0, vol)), rel=1e-7, abs=1e-6)
        assert stress[2, j] == pytest.approx(qty * (price(f, vol + shock) - price(f0, vol)), rel=1e-7, abs=1e-6)
    grid = underlying_grid(prepared, "BTC", MOVES, np.array([0.05]))
    for j, m in enumerate(MOVES):
        assert grid[0, j] == pytest.approx(qty * (price(f0 + s * m, vol + 0.05) - price(f0, vol)), rel=1e-7, abs=1e-6)


def test_unknown_underlying_is_input_error():
    from engine.errors import InputError
    prepared = book("mc", [("BTC-USDT-SWAP", "1")])
    with pytest.raises(InputError, match="ETH"):
        underlying_stress(prepared, "ETH", MOVES)
