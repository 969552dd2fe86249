"""``prepare_pm``'s scenario P&L per unit comes from the margin curve's kernel (``engine.pm.shock_revalue`` at one
"move": the book's own prices): each distinct option priced once, a put from its call by parity, the rows of a unit
added in portfolio order. It must equal, bit for bit, the plain revaluation of every position over the 34 columns
(``scenarios.revalue``) summed per unit row by row (``curve_reference.sum_rows_by``), which prices every option row
through ``pricing.black76_sd`` on its own.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from engine import api, load_market
from engine.pm import shock_revalue
from engine.curve_reference import sum_rows_by
from engine.pm.scenarios import revalue

from test_curve_vectorised import BOOKS, edge_book

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


@pytest.fixture(scope="module")
def market():
    return load_market(DEMO / "market-2025-02-06.json")


def plain_unit_pnl(prep) -> np.ndarray:
    units = prep.units
    pnl = revalue(prep.book, units.group[units.of_position], prep.grid, prep.rules)
    return sum_rows_by(units.of_position, pnl, len(units.names))


@pytest.mark.parametrize("rules", ["okx-2025-01", "okx-2024-06"])
@pytest.mark.parametrize("book", sorted(BOOKS))
def test_unit_pnl_equals_the_plain_revaluation(book, rules, market):
    prep = api.prepare(BOOKS[book](), market, "pm", rules).inner
    assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))


@pytest.mark.parametrize("rows", [1, 2, 5, 512])
def test_chunk_size_does_not_change_a_bit(rows, market, monkeypatch):
    """Chunks cut units anywhere (a call and its put in different chunks, a chunk without puts)."""
    monkeypatch.setattr(shock_revalue, "CHUNK_ROWS", rows)
    monkeypatch.setattr(shock_revalue, "SHOCKS_PER_TASK", 1)
    prep = api.prepare(edge_book(), market, "pm").inner
    assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))


def test_zero_vol_and_expiring_options(market):
    """sd = 0 at the mark (vol 0) on a call, a put and a lone call, besides the MR2 columns of options expiring
    within the horizon: the intrinsic-value entries of the price table."""
    vols = dict(market.mark_vol)
    for inst in ("BTC-USD-250207-96000-C", "BTC-USD-250207-97000-P", "ETH-USD-250328-2700-C"):
        vols[inst] = 0.0
    prep = api.prepare(edge_book(), replace(market, mark_vol=MappingProxyType(vols)), "pm").inner
    plan = prep.memo[("shock_revalue_plan", shock_revalue.CHUNK_ROWS * shock_revalue.SHOCKS_PER_TASK)]
    assert any(c.dead_put.any() for chunks in plan.chunks for c in chunks)
    assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))


def test_desk_book():
    import sys
    sys.path.insert(0, str(ROOT))
    from bench import synthetic
    portfolio, market = synthetic.desk()
    prep = api.prepare(portfolio, market).inner
    plan = prep.memo[("shock_revalue_plan", shock_revalue.CHUNK_ROWS * shock_revalue.SHOCKS_PER_TASK)]
    assert plan.distinct.size * 2 == int((prep.book.kind == 2).sum())     # every strike held as a call and a put
    assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))
