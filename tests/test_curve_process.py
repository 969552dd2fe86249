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
