"""One delta (rules spec 11.2, 11.12; issue 13): every Greek is a derivative of the scenario valuation.

References are independent of the code under test: contract arithmetic written out here (150 x 0.01 = 1.5 BTC),
and finite differences of the stress curve (``engine.api.stress_curve``, the chart the trader reads).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import compute, load_market, load_portfolio
from engine.params import load_rule_set
from engine.api import prepare, stress_curve

FX = 0.99954
# mark above the index on purpose: a delta sized at the mark (the old convention) would not hedge 1.5 BTC exactly
MARKET = load_market({"ts": "2025-02-06T08:00:00Z",
                      "index": {"BTC-USD": 97078.9 * FX, "USDT-USD": FX},
                      "markPx": {"BTC-USDT-SWAP": 97093.7, "BTC-USDT-250328": 98200.0}})


def test_linear_short_hedged_coin_for_coin_has_mr1_zero():
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-150"}],       # 150 x ctVal 0.01 = -1.5 BTC
                        "simAsset": [{"ccy": "BTC", "amt": "2"}, {"ccy": "USDT", "amt": "1000"}]})
    u = compute(p, MARKET, mode="pm", liq_shock=False).unit("BTC")
    assert u.spot_in_use == 1.5 and u.max_spot_in_use == 1.5
    assert u.mr["mr1"] == 0.0 and u.mr["mr6"] == 0.0
    assert u.delta == pytest.approx(0.0, abs=1e-9)
    # OKX's reported cash delta stays at the mark: pos x ctVal x mark x FX, plus the spot leg at the index
    assert u.cash_delta == pytest.approx(-1.5 * 97093.7 * FX + 1.5 * 97078.9 * FX, abs=1e-9)


def test_linear_coin_delta_is_contracts_times_ctval_times_ctmult():
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-150"}, {"instId": "BTC-USDT-250328", "pos": "37"}],
                        "simAsset": [{"ccy": "USDT", "amt": "1000"}]})
    prep = prepare(p, MARKET, mode="pm").inner
    assert list(prep.book.coin_delta()) == [-1.5, 0.37]
    assert prep.unit_coin_delta[0] == pytest.approx(-1.13, rel=1e-15)


def test_coin_with_negative_total_equity_lends_no_spot():
    # short 2 BTC of deep in-the-money coin-margined calls (worth ~0.5 BTC per coin) against 0.5 BTC held:
    # BTC total equity ~ 0.5 - 1.0 < 0, so there is no BTC to put in use although the derivative delta is short
    market = load_market({"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
                          "markPx": {"BTC-USD-250328": 100000.0}, "markVol": {"BTC-USD-250328-50000-C": 0.5}})
    p = load_portfolio({"simPos": [{"instId": "BTC-USD-250328-50000-C", "pos": "-200"}],   # 200 x 0.01 = 2 BTC
                        "simAsset": [{"ccy": "BTC", "amt": "0.5"}, {"ccy": "USDT", "amt": "100000"}]})
    r = compute(p, market, mode="pm", liq_shock=False)
    btc = {a.ccy: a for a in r.assets}["BTC"]
    assert btc.eq < 0
    u = r.unit("BTC")
    assert u.delta < 0
    assert u.spot_in_use == 0.0 and u.max_spot_in_use == 0.0
    assert btc.borrow_mmr > 0


def test_spot_in_use_never_exceeds_the_coins_total_equity():
    # same calls, fewer of them: BTC total equity = 2 - 0.5 x 1 coin ~ 1.5 BTC < 2 held, delta short ~ -1 BTC
    market = load_market({"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
                          "markPx": {"BTC-USD-250328": 100000.0}, "markVol": {"BTC-USD-250328-50000-C": 0.5}})
    p = load_portfolio({"simPos": [{"instId": "BTC-USD-250328-50000-C", "pos": "-300"}],   # -3 BTC of calls
                        "simAsset": [{"ccy": "BTC", "amt": "2"}, {"ccy": "USDT", "amt": "100000"}]})
    r = compute(p, market, mode="pm", liq_shock=False)
    btc = {a.ccy: a for a in r.assets}["BTC"]
    u = r.unit("BTC")
    coin_delta = -u.delta / 100000.0 + u.spot_in_use          # derivative delta in coin (spot leg removed)
    assert 0 < btc.eq < 2 and coin_delta > btc.eq              # the equity, not the balance nor |D|, binds
    assert u.spot_in_use == pytest.approx(btc.eq, rel=1e-12)


def _slopes(prepared, unit: str, h: float = 1e-4) -> tuple[float, float]:
    """(first derivative in s, second derivative x 0.01) of the vol-unchanged stress curve at s = 0."""
    p = stress_curve(prepared, unit, np.array([-h, 0.0, h]))[1]
    return (p[2] - p[0]) / (2 * h), (p[2] - 2 * p[1] + p[0]) / h**2 * 0.01


def _demo_units(demo_portfolios, demo_market):
    for name, portfolio in demo_portfolios.items():
        if portfolio.acct_lv == "3":
            continue
        prepared = prepare(portfolio, demo_market, mode="pm")
        result = compute(portfolio, demo_market, mode="pm", liq_shock=False)
        for u in result.units:
            yield name, prepared, u


def test_every_demo_unit_delta_is_the_slope_of_its_stress_curve(demo_portfolios, demo_market):
    seen = 0
    for name, prepared, u in _demo_units(demo_portfolios, demo_market):
        slope, _ = _slopes(prepared, u.risk_unit)
        gross = sum(abs(p.delta) for p in u.positions)
        assert u.delta == pytest.approx(slope, rel=1e-3, abs=1e-3 * gross), (name, u.risk_unit)
        seen += 1
    assert seen >= 5


def test_every_demo_unit_gamma_is_the_curvature_of_its_stress_curve(demo_portfolios, demo_market):
    for name, prepared, u in _demo_units(demo_portfolios, demo_market):
        _, curvature = _slopes(prepared, u.risk_unit, h=1e-3)
        gross = sum(abs(p.gamma) for p in u.positions) + 1e-6 * sum(abs(p.delta) for p in u.positions)
        assert u.gamma == pytest.approx(curvature, rel=1e-3, abs=1e-3 * gross), (name, u.risk_unit)


def test_cash_and_carry_delta_matches_its_stress_pnl(demo_portfolios, demo_market):
    # the case: the unit delta must predict the chart's P&L at +-4 % to first order (the inverse future's
    # convexity is the only difference), not show 0 against a ~12k USD slope
    portfolio = next(p for n, p in demo_portfolios.items() if "carry" in n.lower())
    prepared = prepare(portfolio, demo_market, mode="pm")
    u = compute(portfolio, demo_market, mode="pm", liq_shock=False).unit("BTC")
    pnl = stress_curve(prepared, "BTC", np.array([-0.04, 0.04]))[1]
    assert (pnl[1] - pnl[0]) / 0.08 == pytest.approx(u.delta, abs=0.02 * 968_500 * 0.04)


def test_mr3_vol_floor_is_its_own_assumed_parameter():
    for rid in ("okx-2024-06", "okx-2024-12", "okx-2025-01"):
        rs = load_rule_set(rid)
        assert rs.is_assumed("mr3.volFloor")
        assert rs.get("mr3.volFloor") >= 0


def test_mr3_vol_floor_binds_the_twisted_down_vol():
    # a long 60-day option at 8 % vol: twist (b) lowers it by k(60) = 0.05 sqrt(30/60) = 0.0354 -> 4.46 %, under the
    # 5 % floor: raising the floor to 8 % removes the down twist, and with it this long option's MR3 loss
    market = load_market({"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
                          "markPx": {"BTC-USD-250407": 100000.0}, "markVol": {"BTC-USD-250407-100000-C": 0.08}})
    p = load_portfolio({"simPos": [{"instId": "BTC-USD-250407-100000-C", "pos": "100"}],
                        "simAsset": [{"ccy": "USDT", "amt": "100000"}]})
    base = load_rule_set("okx-2025-01")
    doc = _rule_doc(base)
    doc["mr3"]["volFloor"]["value"] = 0.08
    raised = load_rule_set(doc)
    mr3_base = compute(p, market, mode="pm", rules=base, liq_shock=False).unit("BTC").mr["mr3"]
    mr3_raised = compute(p, market, mode="pm", rules=raised, liq_shock=False).unit("BTC").mr["mr3"]
    assert mr3_base > 0 and mr3_raised == 0.0
    u = compute(p, market, mode="pm", rules=base, liq_shock=False).unit("BTC")
    assert "mr3.volFloor" in u.assumed_params.get("mr3", ())


def _rule_doc(rs) -> dict:
    import json

    from engine.resources import load_json_resource

    return json.loads(json.dumps(load_json_resource("rules", f"{rs.id}.json")))
