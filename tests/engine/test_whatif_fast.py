"""engine.whatif_fast: a what-if step repriced from a kept base gives exactly the full path's figures.

The reference is the full path, independent of the repricing under test: ``apply_scenario`` (new Position
objects) -> ``build_book`` of the shocked pair (every instrument id resolved, every row priced from the portfolio)
-> ``prepare`` -> ``evaluate``. The fast path must agree bit for bit (every Book array, every figure of the result),
on the desk book of bench/synthetic.py and every demo book, on each what-if axis and combinations of them.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import InputError
from engine.core import evaluate, prepare
from engine.book import build_book
from engine.scenario import Scenario, VolShift, apply_scenario
from engine.whatif_fast import prepare_whatif, scenario_base

ROOT = Path(__file__).resolve().parents[2]

SCENARIOS = [
    Scenario("index BTC -7%", index={"BTC": -0.07}),
    Scenario("index all +12%", index={"*": 0.12}),
    Scenario("vol BTC +5 pts", vol={"BTC": VolShift((0.05,))}),
    Scenario("vol by tenor", vol={"*": VolShift((0.08, -0.03), (7.0, 365.0))}),
    Scenario("time roll 1.3 d", days=1.3),
    Scenario("time roll 20 d (settles)", days=20.0),
    Scenario("USDT at 0.98", stable={"USDT": 0.98}),
    Scenario("everything", index={"BTC": -0.2, "ETH": 0.05}, vol={"BTC": VolShift((0.1,)), "ETH": VolShift((-0.04,))},
             days=9.5, stable={"USDC": 1.01}),
]


@pytest.fixture(scope="module")
def desk():
    sys.path.insert(0, str(ROOT))          # bench/ is not an installed package
    try:
        from bench.synthetic import desk as make
    finally:
        sys.path.remove(str(ROOT))
    return make()


def same(a, b, where="") -> None:
    """Exact equality of nested results (NaN equals NaN; floats compared bit for bit, no tolerance)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != {b!r}"


def same_book(fast, ref) -> None:
    for name in ("inst_rows", "pos", "qty", "kind", "mark", "avg_px", "spot", "quote_fx", "fwd", "strike", "vol",
                 "t_years", "days", "is_call", "family"):
        x, y = getattr(fast, name), getattr(ref, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert fast.families == ref.families
    assert fast.warnings == ref.warnings


def check(portfolio, market, scenario, mode=None) -> None:
    full = apply_scenario(portfolio, market, scenario)
    ref_book = build_book(full.portfolio, full.market)
    ref = evaluate(prepare(full.portfolio, full.market, mode)).to_dict()
    fast = prepare_whatif(portfolio, market, scenario, mode)
    assert fast.applied.portfolio == full.portfolio
    assert dict(fast.applied.market.mark_vol) == dict(full.market.mark_vol)
    assert fast.applied.warnings == full.warnings
    same_book(fast.prepared.inner.book, ref_book)
    same(evaluate(fast.prepared).to_dict(), ref, scenario.name)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_desk_book_every_axis_bit_identical(desk, scenario) -> None:
    portfolio, market = desk
    check(portfolio, market, scenario)
    base = evaluate(prepare(portfolio, market)).to_dict()
    assert base["totalMmr"] != evaluate(prepare_whatif(portfolio, market, scenario).prepared).to_dict()["totalMmr"] \
        or scenario.name.startswith("USDT"), "the scenario must move the desk's margin (else the test proves little)"


def test_desk_book_multi_currency_mode(desk) -> None:
    portfolio, market = desk
    for scenario in (SCENARIOS[0], SCENARIOS[5], SCENARIOS[7]):
        check(portfolio, market, scenario, mode="mc")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_demo_books_every_axis_bit_identical(demo_portfolios, demo_market, scenario) -> None:
    for portfolio in demo_portfolios.values():
        check(portfolio, demo_market, scenario)


def test_a_drag_of_steps_reuses_the_base_and_never_rebuilds_the_book(desk, monkeypatch) -> None:
    """After the base is built, a step resolves no instrument and builds no book from positions."""
    portfolio, market = desk
    base = scenario_base(portfolio, market)
    import engine.book
    import engine.pm.prepare
    import engine.scenario_apply

    def refuse(*_a, **_k):
        raise AssertionError("build_book called during a what-if step")
    for mod in (engine.book, engine.pm.prepare, engine.scenario_apply):
        monkeypatch.setattr(mod, "build_book", refuse)
    for move in np.linspace(-0.1, 0.1, 5):
        step = prepare_whatif(portfolio, market, Scenario("drag", index={"BTC": float(move)}, days=3.0))
        assert step.prepared.inner.book.n < portfolio.positions.__len__()      # the time roll settled some
    assert scenario_base(portfolio, market) is base


def test_entry_prices_of_positions_without_avg_px_are_the_unshocked_marks(demo_market) -> None:
    """Hand check of what the base fills in: a perpetual without avgPx enters at its mark, an option at mark/index
    (coin premium); the index move then shows as floating P&L of qty x move (linear)."""
    from engine import load_portfolio
    book = load_portfolio({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "100000"}],
                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10"}]})
    base = scenario_base(book, demo_market)
    mark = demo_market.mark_px["BTC-USDT-SWAP"]
    assert base.positions[0].avg_px == mark
    step = prepare_whatif(book, demo_market, Scenario("up", index={"BTC": 0.1}))
    s = demo_market.index["BTC-USD"]
    # 10 contracts x 0.01 BTC each, the mark moves by 10 % of the index (USDT at its index level)
    move_usdt = 0.1 * s / demo_market.index["USDT-USD"]
    expected = 10 * 0.01 * move_usdt * demo_market.index["USDT-USD"]
    assert step.prepared.inner.pos_float_pnl[0] == pytest.approx(expected, rel=1e-12)


def test_a_vol_shift_below_zero_is_refused_as_the_full_path_refuses(desk) -> None:
    portfolio, market = desk
    bad = Scenario("crash vol", vol={"BTC": VolShift((-5.0,))})
    with pytest.raises(InputError) as full:
        apply_scenario(portfolio, market, bad)
    with pytest.raises(InputError) as fast:
        prepare_whatif(portfolio, market, bad)
    assert str(fast.value) == str(full.value)


def test_isolated_positions_stay_isolated_under_a_scenario(demo_market) -> None:
    """apply_scenario keeps each position's margin mode and isolated margin (it used to drop them)."""
    from engine import load_portfolio
    book = load_portfolio({"acctLv": "2", "simAsset": [{"ccy": "USDT", "amt": "100000"}],
                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10", "mgnMode": "isolated",
                                       "margin": "2000"}]})
    applied = apply_scenario(book, demo_market, Scenario("down", index={"BTC": -0.05}))
    assert applied.portfolio.positions[0].mgn_mode == "isolated"
    assert applied.portfolio.positions[0].margin == 2000.0
