"""A best hedge applied from the explain panel (double-click) is a what-if trade booked as a fill, as the Add-position
dialog books one: its taker fee is charged to the settlement currency (hand-computed here), in one undo step; a spot
hedge sets the unit's spot in use. Sizes are not rounded to a lot size (the snapshot has no lotSz)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QTableWidget

from conftest import WAIT_MS, wait_settled
from test_main_window import open_portfolio

MARK_INVERSE_PERP = 96859.9        # BTC-USD-SWAP mark in the demo snapshot (inverse, 100 USD a contract, BTC-settled)


def test_a_contract_hedge_is_booked_as_a_fill_and_undone_in_one_step(qtbot, window):
    open_portfolio(qtbot, window, "BTC delta-neutral options book")
    panel = window.explain_panel
    table = window.findChild(QTableWidget, "explainHedges")
    qtbot.waitUntil(lambda: table.rowCount() > 0 and panel.unit == "BTC", timeout=WAIT_MS)
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "BTC-USD-SWAP")
    size = round(panel._hedges[row].size, 6)
    assert size != 0
    doc = window.holder.doc
    btc_before = doc.portfolio.asset_amounts()["BTC"]
    held = {p.inst_id: p for p in doc.portfolio.positions}["BTC-USD-SWAP"]
    assert (held.pos, held.avg_px) == (-18766, 97420.5)          # the book is short the perpetual already
    table.cellDoubleClicked.emit(row, 0)
    wait_settled(qtbot, window)
    doc = window.holder.doc
    merged = {p.inst_id: p for p in doc.portfolio.positions}["BTC-USD-SWAP"]
    assert merged.pos == pytest.approx(-18766 + size, abs=1e-9) and merged.avg_px is None   # one position, at mark
    upl = -18766 * 100 * (1 / 97420.5 - 1 / MARK_INVERSE_PERP)   # the held position's P&L, settled (BTC)
    fee = 0.0005 * abs(size) * 100 / MARK_INVERSE_PERP           # taker rate x USD face / price, in BTC
    assert doc.portfolio.asset_amounts()["BTC"] == pytest.approx(btc_before + upl - fee, rel=1e-12)
    assert "as a fill" in window.undo_stack.undoText()
    window.undo_stack.undo()
    wait_settled(qtbot, window)
    doc = window.holder.doc
    assert {p.inst_id: p for p in doc.portfolio.positions}["BTC-USD-SWAP"] == held
    assert doc.portfolio.asset_amounts()["BTC"] == btc_before


def test_a_spot_hedge_sets_the_spot_in_use(qtbot, window):
    open_portfolio(qtbot, window, "BTC delta-neutral options book")
    panel = window.explain_panel
    table = window.findChild(QTableWidget, "explainHedges")
    qtbot.waitUntil(lambda: table.rowCount() > 0 and panel.unit == "BTC", timeout=WAIT_MS)
    row = next(r for r in range(table.rowCount()) if panel._hedges[r].is_spot)
    size = round(panel._hedges[row].size, 6)
    panel.apply_hedge(row)
    wait_settled(qtbot, window)
    assert window.holder.doc.portfolio.spot_in_use_amounts() == {"BTC": size}
