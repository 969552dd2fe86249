"""A what-if trade from Add position is booked as on a fill: a sold option's premium is credited to the settlement
coin and the taker fee paid, in the same undo step as the position (issue 15: the premium was not credited)."""

from __future__ import annotations

import pytest

from conftest import wait_settled
from test_main_window import open_portfolio

OPTION = "BTC-USD-250228-90000-P"


def test_add_position_dialog_books_the_sale_of_an_option_as_a_fill(qtbot, window):
    from engine.fill import fill_cash
    from engine.catalogue import parse_inst_id
    from workstation.widgets.dialogs import PositionDialog

    open_portfolio(qtbot, window, "BTC cash-and-carry")
    doc = window.holder.doc
    btc_before = doc.portfolio.asset_amounts()["BTC"]
    n_before = len(doc.portfolio.positions)
    dlg = PositionDialog([OPTION], lambda s: parse_inst_id(s).inst_id, window,
                         fill=lambda p: fill_cash(p, doc.market))
    qtbot.addWidget(dlg)
    assert dlg.error.text() == "" and dlg.fill_label.text() == ""         # a fresh dialog: no error, no figures
    assert dlg.as_fill.isChecked()
    dlg.inst.setText(OPTION)
    dlg.pos.setText("-100")
    dlg.avg.setText("0.02")
    # 100 contracts x 0.01 BTC at 0.02 BTC: +0.02 BTC premium; fee min(0.03 % x 1 BTC, 7 % x 0.02) = 0.0003 BTC
    assert "premium +0.02 BTC" in dlg.fill_label.text() and "fee 0.0003 BTC" in dlg.fill_label.text()
    assert "BTC balance +0.0197" in dlg.fill_label.text()
    window.add_position_as(dlg.value, dlg.fill_cash)
    wait_settled(qtbot, window)
    doc = window.holder.doc
    assert len(doc.portfolio.positions) == n_before + 1
    assert doc.portfolio.asset_amounts()["BTC"] == pytest.approx(btc_before + 0.0197, abs=1e-12)
    window.undo_stack.undo()                                               # one step: position and cash together
    wait_settled(qtbot, window)
    doc = window.holder.doc
    assert len(doc.portfolio.positions) == n_before and doc.portfolio.asset_amounts()["BTC"] == btc_before


def test_unticked_fill_adds_only_the_position(qtbot, window):
    from engine.fill import fill_cash
    from engine.catalogue import parse_inst_id
    from workstation.widgets.dialogs import PositionDialog

    open_portfolio(qtbot, window, "BTC cash-and-carry")
    doc = window.holder.doc
    dlg = PositionDialog([OPTION], lambda s: parse_inst_id(s).inst_id, window,
                         fill=lambda p: fill_cash(p, doc.market))
    qtbot.addWidget(dlg)
    dlg.inst.setText("BTC-USDT-SWAP")
    dlg.pos.setText("10")
    assert "fee" in dlg.fill_label.text() and "premium" not in dlg.fill_label.text()     # a swap: fee only
    dlg.as_fill.setChecked(False)
    assert dlg.fill_cash is None and dlg.fill_label.text() == ""
    before = doc.portfolio.asset_amounts()
    window.add_position_as(dlg.value, dlg.fill_cash)
    wait_settled(qtbot, window)
    assert window.holder.doc.portfolio.asset_amounts() == before
