"""engine.live_charts: the unit charts of a held what-if slider, a call and a put of a strike priced once.

References: QuantLib's Black calculator and hand-written P&L for a small book (a call and a put of one strike, a
perpetual), and ``engine.charts.stress_curve`` / ``pnl_grid`` (one price per row, every row summed) on the desk book
and every demo book, to a relative 1e-9 of the chart's P&L scale (the sums are taken in another order).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import api
from engine.live_charts import live_unit_charts
from engine.market import load_market
from engine.params import load_rule_set
from engine.portfolio import portfolio_from_dict
from engine.scenario import Scenario, VolShift
from engine.shocked import run_parallel
from engine.whatif_fast import prepare_whatif

ROOT = Path(__file__).resolve().parents[2]
MARKET = "resources/demo/market-2025-02-06.json"
BTC_INDEX = 96_850.2                      # resources/demo/market-2025-02-06.json, index BTC-USD
MOVES = np.array([-0.3, -0.1, 0.0, 0.05, 0.25])
VOLS = np.array([-0.1, 0.0, 0.05])


def _prepared(positions, assets=(("USDT", "100000"),)):
    doc = {"name": "t", "acctLv": "4", "rules": "okx-2025-01",
           "simAsset": [{"ccy": c, "amt": a} for c, a in assets],
           "simPos": [{"instId": i, "pos": p} for i, p in positions]}
    return api.prepare(portfolio_from_dict(doc), load_market(MARKET), "pm")


def test_a_call_and_a_put_of_one_strike_against_quantlib_by_hand():
    ql = pytest.importorskip("QuantLib")
    call, put = "BTC-USD-250328-100000-C", "BTC-USD-250328-100000-P"
    prepared = _prepared([(call, "100"), (put, "-60"), ("BTC-USDT-SWAP", "30")])
    b = prepared.inner.book
    opt = np.flatnonzero(b.kind == 2)
    assert opt.size == 2
    f0, s, k, vol, t, days = (float(x[opt[0]]) for x in (b.fwd, b.spot, b.strike, b.vol, b.t_years, b.days))
    marks = {bool(b.is_call[r]): float(b.mark[r]) for r in opt}

    def price(kind, f, v):
        payoff = ql.PlainVanillaPayoff(kind, k)
        return ql.BlackCalculator(payoff, f, max(v, 1e-4) * np.sqrt(t), 1.0).value()

    rules = load_rule_set("okx-2025-01")            # the MR1 vol shock, interpolated in days as rules §MR1 says
    d = np.asarray(rules.get("mr1.volShockDays"), dtype=float)
    shock = max(np.interp(days, d, rules.get("mr1.volShockPoints")) / 100.0,
                np.interp(days, d, rules.get("mr1.volShockPct")) * vol)
    states = (max(vol - shock, rules.get("mr1.volFloor")), vol, vol + shock)

    def pnl(m, v):
        f = f0 + s * m                                # the forward moves by the index's absolute move
        options = (1.0 * (price(ql.Option.Call, f, v) - marks[True])       # 100 contracts x 0.01 BTC
                   - 0.6 * (price(ql.Option.Put, f, v) - marks[False]))     # -60 contracts x 0.01 BTC
        swap = 0.3 * BTC_INDEX * m                    # 30 contracts x 0.01 BTC, linear
        spot = 0.25 * BTC_INDEX * m                   # 0.25 BTC of spot in use joins the unit
        return options + swap + spot

    stress, grid = live_unit_charts(prepared, "BTC", MOVES, MOVES[:3], VOLS, 0.25)
    assert stress.shape == (3, MOVES.size) and grid.shape == (VOLS.size, 3)
    for j, m in enumerate(MOVES):
        for state, v in enumerate(states):
            assert stress[state, j] == pytest.approx(pnl(m, v), rel=1e-7, abs=1e-6)
    for i, dv in enumerate(VOLS):
        for j, m in enumerate(MOVES[:3]):
            assert grid[i, j] == pytest.approx(pnl(m, vol + dv), rel=1e-7, abs=1e-6)


def _books():
    sys.path.insert(0, str(ROOT))          # bench/ is not an installed package
    try:
        from bench.synthetic import desk
    finally:
        sys.path.remove(str(ROOT))
    yield "desk", *desk()
    market = load_market(MARKET)
    for path in sorted((ROOT / "resources/demo/portfolios").glob("*.json")):
        yield path.stem, portfolio_from_dict(json.loads(path.read_text())), market


SCENARIOS = [None, Scenario("index", index={"BTC": -0.13}), Scenario("vol", vol={"*": VolShift((0.06,))}),
             Scenario("roll", days=3.5)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: "none" if s is None else s.name)
def test_every_unit_of_the_desk_and_demo_books_matches_the_per_row_charts(scenario):
    moves = np.round(np.linspace(-0.5, 0.5, 51), 10)
    grid_moves = np.round(np.linspace(-0.5, 0.5, 21), 10)
    vols = np.round(np.linspace(-0.3, 0.3, 9), 10)
    checked = 0
    for name, portfolio, market in _books():
        prepared = prepare_whatif(portfolio, market, scenario, "pm", portfolio.rules).prepared
        result = api.evaluate(prepared)
        for unit in result.units:
            ref_stress = api.stress_curve(prepared, unit.risk_unit, moves)
            ref_grid = api.pnl_grid(prepared, unit.risk_unit, grid_moves, vols)
            stress, grid = live_unit_charts(prepared, unit.risk_unit, moves, grid_moves, vols, unit.spot_in_use,
                                            run_parallel)
            scale = max(np.abs(ref_stress).max(), np.abs(ref_grid).max(), 1.0)
            np.testing.assert_allclose(stress, ref_stress, rtol=0, atol=1e-9 * scale, err_msg=f"{name} {unit.risk_unit}")
            np.testing.assert_allclose(grid, ref_grid, rtol=0, atol=1e-9 * scale, err_msg=f"{name} {unit.risk_unit}")
            checked += 1
    assert checked >= 8
