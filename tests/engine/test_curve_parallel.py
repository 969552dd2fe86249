"""The margin curve and the liquidation search, parallel and on the curve's own ratios, against the plain path.

The reference is the implementation before the speed work (``engine.curve_reference``): every shock revalued one at
a time with ``evaluate_at`` and the one-point-at-a-time liquidation scan + bisection (``liquidation_search``),
reusing the curve's ratios only at exactly equal shocks. The fast path (portfolio margin: all shocks in one
broadcast, ``engine.pm.shock_eval``) must agree to the last bit (np.array_equal, ==), with one worker and with
several, whatever the block and chunk sizes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import api, liquidation, load_market, load_portfolio, shocked
from engine.curve_reference import reference_curve
from engine.portfolio import portfolio_from_dict

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def straddle(usdt: str):
    """A short ETH straddle against a USDT balance: liquidated on both sides within ±100 % (found by hand: the
    margin ratio falls as the index leaves the strike either way)."""
    return portfolio_from_dict({"name": "short straddle", "acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": usdt}],
                                "simPos": [{"instId": "ETH-USD-250328-2700-C", "pos": "-300"},
                                           {"instId": "ETH-USD-250328-2700-P", "pos": "-300"}]})


@pytest.fixture(scope="module")
def market():
    return load_market(DEMO / "market-2025-02-06.json")


BOOKS = {
    "straddle-both-sides": lambda: straddle("60000"),
    "straddle-near": lambda: straddle("30000"),
    "straddle-underwater": lambda: straddle("15000"),
    "demo-6-borrow": lambda: load_portfolio(DEMO / "portfolios" / "6-multi-currency-borrow.json"),
    "demo-3-stablecoin": lambda: load_portfolio(DEMO / "portfolios" / "3-cross-stablecoin-hedge.json"),
}


@pytest.mark.parametrize("book", sorted(BOOKS))
@pytest.mark.parametrize("threads,block,scan", [("1", 4, 4), ("2", 4, 4), ("3", 1, 3), ("1", 2, 1)])
def test_curve_bit_identical_to_the_plain_path(book, threads, block, scan, market, monkeypatch):
    """``scan``: scan steps per worker per round, so crossings fall at the start, middle and end of a round."""
    monkeypatch.setenv("RISKWS_THREADS", threads)
    monkeypatch.setattr(shocked, "BLOCK", block)
    monkeypatch.setattr(liquidation, "SCAN_BLOCK_PER_WORKER", scan)
    prepared = api.prepare(BOOKS[book](), market, "pm")
    mmr, ratio, liq = reference_curve(prepared, api.DEFAULT_SHOCKS)
    curve = api.curve_of(prepared, api.DEFAULT_SHOCKS)
    assert np.array_equal(curve.mmr, mmr)
    assert np.array_equal(curve.margin_ratio, ratio)
    assert curve.liq_shock == liq
    # compute() searches without a curve: the same moves
    assert api.liquidation_shocks(prepared, api.evaluate(prepared)) == liq


def test_the_cases_cover_both_sides_and_the_edges(market):
    """The books above exercise a crossing on each side, none on one side, and a ratio already <= 1."""
    liq = {name: api.compute(make(), market).liq_shock for name, make in BOOKS.items()}
    assert all(x is not None and x < 0 for x in (liq["straddle-both-sides"][0], liq["straddle-near"][0]))
    assert all(x is not None and x > 0 for x in (liq["straddle-both-sides"][1], liq["straddle-near"][1]))
    assert liq["straddle-underwater"] == (0.0, 0.0)
    assert liq["demo-6-borrow"][1] is None


def test_mc_mode_curve_matches_too(market, monkeypatch):
    monkeypatch.setenv("RISKWS_THREADS", "2")
    prepared = api.prepare(load_portfolio(DEMO / "portfolios" / "6-multi-currency-borrow.json"), market, "mc")
    shocks = api.DEFAULT_SHOCKS[::5]
    mmr, ratio, liq = reference_curve(prepared, shocks)
    curve = api.curve_of(prepared, shocks)
    assert np.array_equal(curve.mmr, mmr) and np.array_equal(curve.margin_ratio, ratio) and curve.liq_shock == liq


def test_progress_hears_every_scan_block(market, monkeypatch):
    monkeypatch.setenv("RISKWS_THREADS", "2")
    seen: list[tuple[int, int]] = []
    api.compute(load_portfolio(DEMO / "portfolios" / "6-multi-currency-borrow.json"), market,
                progress=lambda d, t: seen.append((d, t)))
    # the up side never crosses, so the scan runs to +100 %: 100 steps in blocks of 4 x 2 workers
    assert seen[-1] == (100, 100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) == -(-100 // (liquidation.SCAN_BLOCK_PER_WORKER * 2))


def test_parallel_map_keeps_order_raises_the_first_error_and_leaves_no_thread():
    import threading
    before = threading.active_count()
    assert shocked.parallel_map(lambda x: x * x, list(range(50)), 3) == [x * x for x in range(50)]

    def boom(x):
        if x in (7, 30):
            raise ValueError(f"item {x}")
        return x
    with pytest.raises(ValueError, match="item 7"):
        shocked.parallel_map(boom, list(range(50)), 2)
    assert threading.active_count() == before


def test_interpolated_liquidation_by_hand():
    from engine.curve import interpolated_liquidation
    shocks = np.array([-0.2, -0.1, 0.1, 0.2])
    ratio = np.array([0.5, 1.5, 3.0, 0.0])
    # down: 1.5 at -0.1, 0.5 at -0.2 -> halfway: -0.15; up: 3 at 0.1, 0 at 0.2 -> two thirds: 0.1 + 0.0667
    assert interpolated_liquidation(shocks, ratio, 2.0) == (-0.15, 0.166667)
    assert interpolated_liquidation(shocks, np.array([2.0, 2.0, 2.0, 2.0]), 2.0) == (None, None)
    assert interpolated_liquidation(shocks, ratio, 0.9) == (0.0, 0.0)


def test_preview_curve_has_the_exact_figures_on_its_grid(market):
    from engine.curve import preview_curve
    prepared = api.prepare(straddle("60000"), market, "pm")
    coarse = api.DEFAULT_SHOCKS[::5]
    preview = preview_curve(prepared, coarse)
    mmr, ratio, liq = reference_curve(prepared, coarse)
    assert not preview.exact
    assert np.array_equal(preview.mmr, mmr) and np.array_equal(preview.margin_ratio, ratio)
    # each interpolated move lies within the coarse step (5 %) that brackets the exact one
    for approx, exact in zip(preview.liq_shock, liq):
        assert exact is not None and abs(approx - exact) <= 0.05
