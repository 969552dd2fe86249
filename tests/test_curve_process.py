"""The live-curve child process (workstation/services/curve_process.py): the same curve as in-process, bit for
bit; a dead child falls back to computing in-process; shutdown leaves no process behind."""

from __future__ import annotations

import numpy as np

from engine.scenario import Scenario, VolShift
from workstation.services import jobs
from workstation.services.curve_process import CurveProcess


def _same(a, b) -> None:
    assert np.array_equal(a.shocks, b.shocks) and np.array_equal(a.mmr, b.mmr)
    assert np.array_equal(a.margin_ratio, b.margin_ratio) and a.liq_shock == b.liq_shock and a.exact == b.exact


def test_the_child_computes_the_in_process_curve_bit_for_bit(demo_portfolios, demo_market) -> None:
    book = demo_portfolios["BTC delta-neutral options book"]
    child = CurveProcess()
    try:
        for scenario in (Scenario("down", index={"BTC": -0.1}), Scenario("vol", vol={"BTC": VolShift((0.05,))}),
                         Scenario("roll", days=3.0), None):
            _same(child.curve(book, demo_market, scenario, True), jobs.compute_curve(book, demo_market, True, scenario))
        other = demo_portfolios["ETH straddle"]              # a new pair is sent when the document changes
        _same(child.curve(other, demo_market, None, True), jobs.compute_curve(other, demo_market, True, None))
        assert child.fallbacks == 0
    finally:
        child.shutdown()


def test_a_dead_child_falls_back_and_shutdown_ends_the_process(demo_portfolios, demo_market) -> None:
    book = demo_portfolios["ETH straddle"]
    child = CurveProcess()
    scenario = Scenario("up", index={"ETH": 0.05})
    child.curve(book, demo_market, scenario, True)
    proc = child._proc
    proc.kill()
    proc.wait()
    _same(child.curve(book, demo_market, scenario, True), jobs.compute_curve(book, demo_market, True, scenario))
    assert child.fallbacks == 1
    again = child.curve(book, demo_market, scenario, True)      # a new child, sent the pair again
    _same(again, jobs.compute_curve(book, demo_market, True, scenario))
    assert child.fallbacks == 1
    second = child._proc
    child.shutdown()
    assert second.poll() is not None and child._proc is None


def test_the_pipe_codec_rebuilds_engine_objects_exactly() -> None:
    """A snapshot with its whole world (specifications, position and discount tiers, rates, fetch time) and a
    portfolio with isolated margin and leverage come back equal, floats bit for bit; other types are refused."""
    import json
    import math

    import pytest

    from engine import load_market, load_portfolio
    from workstation.services.curve_process import decode, encode
    ton = {"instType": "SWAP", "instFamily": "TON-USDT", "ctType": "linear", "ctVal": "10", "ctMult": "1",
           "ctValCcy": "TON", "settleCcy": "USDT", "expTime": "", "stk": "", "optType": ""}
    market = load_market({"ts": "2026-11-27T14:00:00.123456Z", "source": "okx", "fetchedAt": "2026-11-27T14:00:01.5Z",
                          "index": {"BTC-USD": 91000.1 + 1e-9, "USDT-USD": 0.9995, "TON-USD": 5.4321},
                          "markPx": {"BTC-USDT-SWAP": 91050.1, "TON-USDT-SWAP": 5.44},
                          "instruments": {"TON-USDT-SWAP": ton},
                          "positionTiers": {"TON-USDT": [{"instType": "SWAP", "tier": "1", "minSz": "0",
                                                          "maxSz": "2000", "mmr": "0.02", "imr": "0.05"}]},
                          "discountTiers": {"BTC": [{"tier": 1, "minAmt": 0, "maxAmt": None, "discountRate": 0.98}]},
                          "interestRates": {"USDT": "0.0001"}})
    book = load_portfolio({"acctLv": "2", "simAsset": [{"ccy": "USDT", "amt": "100000.1"}],
                           "simPos": [{"instId": "TON-USDT-SWAP", "pos": "3", "avgPx": "5.1", "mgnMode": "isolated",
                                       "margin": "7.5"}]})
    for obj in (market, book, (book, market), Scenario("s", index={"TON": -0.1}, vol={"*": VolShift((0.1, 0.0), (7.0, 90.0))}),
                (float("inf"), -0.0, 1e-310)):
        back = decode(json.loads(json.dumps(encode(obj))))
        assert back == obj
    assert math.copysign(1.0, decode(json.loads(json.dumps(encode(-0.0))))) == -1.0
    with pytest.raises(TypeError):
        encode(object())
    with pytest.raises(KeyError):
        decode({"dc": "Popen", "f": {}})


def test_the_desk_book_curve_from_the_child_is_the_in_process_curve() -> None:
    import sys
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[1])
    sys.path.insert(0, root)                   # bench/ is not an installed package
    try:
        from bench.synthetic import desk
    finally:
        sys.path.remove(root)
    portfolio, market = desk()
    child = CurveProcess()
    try:
        scenario = Scenario("drag", index={"BTC": -0.07}, days=1.5)
        _same(child.curve(portfolio, market, scenario, True), jobs.compute_curve(portfolio, market, True, scenario))
        assert child.fallbacks == 0
    finally:
        child.shutdown()
