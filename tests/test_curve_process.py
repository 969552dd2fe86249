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


def test_the_child_shares_the_shocks_between_threads_and_gives_the_same_curve_with_one(demo_portfolios, demo_market,
                                                                                     monkeypatch) -> None:
    """The child gets ``RISKWS_THREADS`` of every core the process may use (``RISKWS_CURVE_THREADS`` overrides), at
    nice 5; one thread or several, its curve is the in-process one bit for bit."""
    import os
    import sys

    import pytest
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the child's /proc entries")
    from workstation.services.curve_process import child_threads
    book = demo_portfolios["BTC delta-neutral options book"]
    scenario = Scenario("down", index={"BTC": -0.2}, days=2.0)
    expected = jobs.compute_curve(book, demo_market, True, scenario)
    for wanted in ("", "1", "2", "3"):
        monkeypatch.setenv("RISKWS_CURVE_THREADS", wanted)
        child = CurveProcess()
        try:
            _same(child.curve(book, demo_market, scenario, True), expected)
            pid = child._proc.pid
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
            threads = int(wanted) if wanted else len(os.sched_getaffinity(0))
            assert child_threads() == threads and env[b"RISKWS_THREADS"] == str(threads).encode()
            with open(f"/proc/{pid}/stat", "rb") as f:
                nice = int(f.read().rsplit(b")", 1)[1].split()[16])     # field 19 of proc(5): nice
            assert nice == min(19, os.nice(0) + 5)
            assert child.fallbacks == 0
        finally:
            child.shutdown()


def test_the_next_curve_gets_the_cores_the_machine_left_idle() -> None:
    """``ThreadChooser``: idle cores (from /proc/stat's idle + iowait share) plus the cores the child used itself,
    since its previous curve; at least one thread, at most ``most``. Readings written out by hand."""
    from workstation.services.curve_threads import ThreadChooser
    stats, clocks = [], []
    chooser = ThreadChooser(2, cores=2, stat=lambda: stats.pop(0), clock=lambda: clocks.pop(0))

    def step(idle, total, own_cpu, wall):
        stats.append((idle, total))
        clocks.append((own_cpu, wall))
        return chooser.threads()
    assert step(0, 0, 0.0, 0.0) == 2             # nothing known yet: the most
    # 100 jiffies over 2 cores in 0.5 s; 50 idle = 1 core idle; the child used 0.5 s of CPU = 1 core: 2 threads
    assert step(50, 100, 0.5, 0.5) == 2
    # nothing idle, the child had 0.25 core (the rest went to other processes): 1 thread
    assert step(50, 200, 0.625, 1.0) == 1
    # 0.5 core idle, the child 0.5 core: 1 core in all: 1 thread
    assert step(75, 300, 0.875, 1.5) == 1
    # 1.5 cores idle, the child 0.3: 2 threads (never more than most)
    assert step(150, 400, 1.025, 2.0) == 2
    # 0.3 core idle (15 of 100 jiffies x 2 cores) and the child 0.9 core (0.45 s in 0.5 s): 1.2 cores, more than
    # the 1.17 a split curve costs: 2 threads finish sooner (1.2 / 1.17 = 1.03 curves' worth against 1.0)
    assert step(165, 500, 1.475, 2.5) == 2
    # 0.2 core idle and the child 0.9: 1.1 cores, less than a split curve's 1.17: 1 thread
    assert step(175, 600, 1.925, 3.0) == 1
    assert ThreadChooser(1, cores=2, stat=lambda: (0.0, 0.0)).threads() == 1
    assert ThreadChooser(2, cores=2, stat=lambda: None).threads() == 2      # no /proc/stat: the most


def test_a_curve_is_split_once_the_cores_it_could_have_pay_for_the_split() -> None:
    """``split_threads``: one thread up to SPLIT_CPU (1.17) available cores, then about one thread per core."""
    from workstation.services.curve_threads import SPLIT_CPU, split_threads
    assert SPLIT_CPU == 1.17
    assert [split_threads(a, 2) for a in (0.3, 1.0, 1.17, 1.18, 1.6, 2.0, 3.5)] == [1, 1, 1, 2, 2, 2, 2]
    assert [split_threads(a, 4) for a in (1.1, 1.3, 2.4, 2.6, 3.4, 9.0)] == [1, 2, 2, 3, 3, 4]
    assert split_threads(2.0, 1) == 1
