"""Every mode charted: in multi-currency mode the stress, heatmap and breakdown charts show the book, and an empty
chart says why in words."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtWidgets import QTableView

from conftest import WAIT_MS, wait_settled
from test_main_window import open_portfolio

BOOK = "BTC delta-neutral options book"


@pytest.fixture
def mc_db(demo_db):
    """The demo database with the BTC options book in multi-currency mode (acctLv 3)."""
    from db.store import Store
    with Store(demo_db) as store:
        p = store.load_portfolio(BOOK)
        store.save_portfolio(replace(p, name="Options book MC", acct_lv="3"))
    return demo_db


@pytest.fixture
def mc_window(qtbot, mc_db):
    from workstation.app import create_main_window
    w = create_main_window(mc_db, restore_layout=False)
    qtbot.addWidget(w)
    w.show_error = lambda title, message: None
    w.resize(1600, 1000)
    w.show()
    w.apply_default_sizes()
    wait_settled(qtbot, w)
    yield w
    w.shutdown() if hasattr(w, "shutdown") else None
    w.close()


def _curves(chart):
    return {s: c.getData() for s, c in chart.curves.items()}


def test_mc_options_book_has_stress_heatmap_and_breakdown(qtbot, mc_window):
    w = mc_window
    open_portfolio(qtbot, w, "Options book MC")
    assert w.result.acct_lv == "3" and not w.result.units          # no risk units in this mode
    stress, heat, breakdown = (w.charts[n] for n in ("StressChart", "HeatmapChart", "MrBreakdownChart"))
    qtbot.waitUntil(lambda: _curves(stress)["same"][0] is not None and len(_curves(stress)["same"][0]) > 0,
                    timeout=WAIT_MS)
    x, y = _curves(stress)["same"]
    assert len(x) > 10 and np.isfinite(y).all() and np.ptp(y) > 0            # a real curve, not a flat zero
    down, up = _curves(stress)["down"][1], _curves(stress)["up"][1]
    assert not np.allclose(down, up)                                          # options: vol matters
    assert "BTC" in stress.getPlotItem().titleLabel.text and stress.empty_reason() == ""
    qtbot.waitUntil(lambda: heat._grid.size > 0, timeout=WAIT_MS)
    assert np.ptp(heat._grid) > 0 and heat.empty_reason() == ""
    # the breakdown: MMR per instrument family, adding up to the positions' MMR (+ borrowing)
    names = breakdown.unit_names()
    assert names and all(n.startswith("BTC") for n in names)        # options only: "BTC" (or "BTC opt")
    positions_mmr = sum(p.mmr for p in w.result.positions) + w.result.borrow_mmr
    assert float(breakdown.stack_totals().sum()) == pytest.approx(positions_mmr, rel=1e-9)
    assert not breakdown.empty_text.isVisible()


def test_empty_portfolio_charts_say_why(qtbot, window):
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    heat = window.charts["HeatmapChart"]
    assert heat.colorbar.levels()[1] > 1.0                          # a real colour scale for a real book
    from engine.portfolio import Portfolio
    window.store.save_portfolio(Portfolio(name="Empty book", acct_lv="4", rules="okx-2025-01"))
    window.refresh_portfolio_list()
    open_portfolio(qtbot, window, "Empty book")
    for name in ("StressChart", "HeatmapChart"):
        qtbot.waitUntil(lambda n=name: window.charts[n].empty_reason() != "", timeout=WAIT_MS)
        assert "No positions" in window.charts[name].empty_reason()
    assert tuple(heat.colorbar.levels()) == (-1.0, 1.0)              # the last book's colour scale is gone
    assert window.charts["MrBreakdownChart"].empty_text.isVisible()
