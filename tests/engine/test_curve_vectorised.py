"""Portfolio margin at many index moves in one broadcast (``engine.pm.shock_eval``) against the plain path.

The plain path is ``evaluate_at``: ``shift_book`` + a full ``prepare`` + ``evaluate`` for each move, one at a time
(``shocked.plain_figures_at`` only spreads those over threads). The broadcast must give the same total MMR and
margin ratio to the last bit (``np.array_equal``) on books that exercise each branch: options priced once for a
call and a put (same expiry, strike, vol), scenario columns with no time left
(MR2 on an option expiring within the MR2 horizon: intrinsic value), inverse and linear futures and perpetuals,
borrowing, a user spot-in-use amount, the crypto and the pre-merge (per underlying and quote, ``legs`` MR4) rule
sets, floors at -100 %, and chunk and task sizes that cut units anywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import api, load_market, load_portfolio, shocked
from engine.curve_reference import reference_curve
from engine.book import OPTION
from engine.pm import shock_revalue
from engine.portfolio import portfolio_from_dict

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"
MOVES = np.concatenate([api.DEFAULT_SHOCKS[::7], [-1.0, -0.9999, 1.0, 0.0, 0.0137, -0.4321]])


@pytest.fixture(scope="module")
def market():
    return load_market(DEMO / "market-2025-02-06.json")


def edge_book():
    """Every branch at once: two call/put pairs expiring in exactly the MR2 horizon (1 day: dead MR2 columns),
    inverse and linear futures and perpetuals, a USDC balance, a user spot-in-use amount."""
    return portfolio_from_dict({
        "name": "edge", "acctLv": "4",
        "simAsset": [{"ccy": "BTC", "amt": "3"}, {"ccy": "USDT", "amt": "40000"}, {"ccy": "USDC", "amt": "-5000"},
                     {"ccy": "ETH", "amt": "20"}],
        "spotInUse": [{"ccy": "BTC", "amt": "1.5"}],
        "simPos": [{"instId": "BTC-USD-250207-96000-C", "pos": "-40"}, {"instId": "BTC-USD-250207-96000-P", "pos": "25"},
                   {"instId": "BTC-USD-250207-97000-P", "pos": "-30"}, {"instId": "BTC-USD-250207-97000-C", "pos": "12"},
                   {"instId": "BTC-USD-250214", "pos": "-20", "avgPx": "97000"},
                   {"instId": "BTC-USDT-SWAP", "pos": "-150", "avgPx": "95000"},
                   {"instId": "BTC-USDC-SWAP", "pos": "60"}, {"instId": "BTC-USD-SWAP", "pos": "300"},
                   {"instId": "ETH-USD-250328-2700-C", "pos": "-200"}, {"instId": "ETH-USDT-250328", "pos": "50"},
                   {"instId": "ETH-USD-SWAP", "pos": "-800", "avgPx": "2600"}]})


def demo(name: str):
    return lambda: load_portfolio(DEMO / "portfolios" / name)


BOOKS = {"edge": edge_book, **{p.stem: demo(p.name) for p in sorted((DEMO / "portfolios").glob("*.json"))}}


@pytest.mark.parametrize("rules", ["okx-2025-01", "okx-2024-06"])
@pytest.mark.parametrize("book", sorted(BOOKS))
def test_broadcast_equals_the_plain_path(book, rules, market):
    prepared = api.prepare(BOOKS[book](), market, "pm", rules)
    mmr, ratio = shocked.figures_at(prepared, MOVES)
    plain_mmr, plain_ratio = shocked.plain_figures_at(prepared, MOVES)
    assert np.array_equal(mmr, plain_mmr)
    assert np.array_equal(ratio, plain_ratio)
    # and each is what evaluate_at says
    r = api.evaluate_at(prepared, -0.4321)
    i = MOVES.tolist().index(-0.4321)
    assert mmr[i] == r.total_mmr and ratio[i] == api.ratio_of(r)


@pytest.mark.parametrize("rows,per_task", [(1, 1), (3, 2), (7, 5), (500, 3)])
def test_chunk_and_task_sizes_do_not_change_a_bit(rows, per_task, market, monkeypatch):
    monkeypatch.setattr(shock_revalue, "CHUNK_ROWS", rows)
    monkeypatch.setattr(shock_revalue, "SHOCKS_PER_TASK", per_task)
    monkeypatch.setattr(shocked, "MAX_BATCH_ELEMENTS", 40)       # several batches of moves too
    prepared = api.prepare(edge_book(), market, "pm")
    mmr, ratio = shocked.figures_at(prepared, MOVES)
    plain_mmr, plain_ratio = shocked.plain_figures_at(prepared, MOVES)
    assert np.array_equal(mmr, plain_mmr) and np.array_equal(ratio, plain_ratio)


def test_call_and_put_share_one_price(market):
    """The edge book's 4 BTC option rows are 2 distinct options (96000 C/P, 97000 C/P); ETH's call is one."""
    prepared = api.prepare(edge_book(), market, "pm")
    shocked.figures_at(prepared, [0.1, 0.2, 0.3, 0.4])
    plan = next(v for k, v in prepared.inner.memo.items() if k[0] == "shock_revalue_plan")
    assert plan.distinct.size == 3
    assert sorted(int(prepared.inner.book.strike[r]) for r in plan.distinct) == [2700, 96000, 97000]
    assert any(c.any_dead for chunks in plan.chunks for c in chunks)      # the intrinsic-value branch is covered


def test_desk_curve_is_bit_identical(monkeypatch):
    """The bench desk (1,624 positions): the whole curve and its liquidation moves, against the reference."""
    import sys
    sys.path.insert(0, str(ROOT))
    from bench import synthetic
    monkeypatch.setenv("RISKWS_THREADS", "2")
    portfolio, market = synthetic.desk()
    prepared = api.prepare(portfolio, market)
    mmr, ratio, liq = reference_curve(prepared, api.DEFAULT_SHOCKS)
    curve = api.curve_of(prepared, api.DEFAULT_SHOCKS)
    assert np.array_equal(curve.mmr, mmr) and np.array_equal(curve.margin_ratio, ratio)
    assert curve.liq_shock == liq and liq[0] is not None


def test_no_position_book_falls_back(market):
    prepared = api.prepare(portfolio_from_dict({"name": "cash", "acctLv": "4", "simAsset": [{"ccy": "BTC", "amt": "1"}],
                                                "simPos": []}), market, "pm")
    mmr, ratio = shocked.figures_at(prepared, [-0.5, 0.5])
    assert np.array_equal(mmr, np.zeros(2)) and np.all(np.isinf(ratio))


def test_zero_vol_options_take_the_intrinsic_branches(market):
    """sd = 0 at the mark itself (vol 0): the shifted marks and deltas take Black-76's intrinsic value branches."""
    from dataclasses import replace
    from types import MappingProxyType
    vols = dict(market.mark_vol)
    for inst in ("BTC-USD-250207-96000-C", "BTC-USD-250207-96000-P", "ETH-USD-250328-2700-C"):
        vols[inst] = 0.0
    prepared = api.prepare(edge_book(), replace(market, mark_vol=MappingProxyType(vols)), "pm")
    book = prepared.inner.book
    assert ((book.vol == 0.0) & (book.kind == OPTION)).sum() == 3
    mmr, ratio = shocked.figures_at(prepared, MOVES)
    plain_mmr, plain_ratio = shocked.plain_figures_at(prepared, MOVES)
    assert np.array_equal(mmr, plain_mmr) and np.array_equal(ratio, plain_ratio)
