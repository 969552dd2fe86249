"""Input that never lies: typed values outside their range are refused with the reason in view, never clamped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QTableView

from conftest import wait_settled
from test_main_window import open_portfolio, unit_value

from workstation.widgets.spot_in_use import parse_amount, zero_max_reason


@pytest.mark.parametrize("text,value,reason", [
    ("30", None, "above the maximum 25 BTC"),      # the case: a spin box showed "3" and applied 3
    ("25", 25.0, None),
    ("12.5 BTC", 12.5, None),
    ("1,000", None, "above the maximum"),
    ("-1", None, "cannot be negative"),
    ("abc", None, "not a number"),
    ("", None, "enter an amount"),
    ("nan", None, "not a finite number"),
])
def test_parse_amount(text, value, reason) -> None:
    got, why = parse_amount(text, "BTC", 25.0)
    assert got == value
    assert (why is None) if reason is None else (reason in why)


def test_zero_max_reasons() -> None:
    assert "not net short" in zero_max_reason("BTC", 5_000.0, 3.0)
    assert "no BTC balance" in zero_max_reason("BTC", -5_000.0, None)
    assert "no BTC balance" in zero_max_reason("BTC", -5_000.0, 0.0)


def _status(window) -> str:
    return window.statusBar().currentMessage()


def test_typed_spot_in_use_above_max_is_refused_with_reason_in_view(qtbot, window, demo_db):
    from db.store import Store

    name = "BTC cash-and-carry"
    open_portfolio(qtbot, window, name)
    with Store(demo_db) as store:
        stored = store.load_portfolio(name).spot_in_use
    control = window.spot_control
    entry = control.findChild(QLineEdit, "spotInUseEntry")
    error = control.findChild(QLabel, "spotInUseError")
    before = unit_value(window, "BTC", "spotInUse")
    maximum = control._max
    assert maximum > 0 and before > 0
    typed = f"{maximum * 3:.0f}"                       # e.g. "30" against a max of 9.87: the case
    entry.setFocus()
    entry.selectAll()
    qtbot.keyClicks(entry, typed)
    assert entry.text() == typed                       # every keystroke kept: nothing truncated while typing
    qtbot.keyClick(entry, Qt.Key.Key_Return)
    assert error.isVisible() and "above the maximum" in error.text() and typed in error.text()
    assert "above the maximum" in _status(window)
    assert window.undo_stack.count() == 0              # nothing applied...
    assert window.compute.is_busy() is False
    assert unit_value(window, "BTC", "spotInUse") == pytest.approx(before)
    assert float(entry.text().replace(",", "")) == pytest.approx(before, abs=1e-6)   # ...and the field says so
    with Store(demo_db) as store:
        assert store.load_portfolio(name).spot_in_use == stored

    half = round(maximum / 2, 4)
    entry.selectAll()
    qtbot.keyClicks(entry, str(half))
    qtbot.keyClick(entry, Qt.Key.Key_Return)
    wait_settled(qtbot, window)
    qtbot.waitUntil(lambda: unit_value(window, "BTC", "spotInUse") == pytest.approx(half, abs=1e-9))
    assert error.text() == ""
    assert window.undo_stack.count() == 1


def test_refused_cell_edit_says_why_beside_the_cell_and_in_the_status_bar(qtbot, window):
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    view = window.findChild(QTableView, "positionsTable")
    model = view.model()
    index = model.index(0, model.column_index("pos"))
    view.setFocus()
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QLineEdit)
    editor.setText("twelve")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    label = view.viewport().findChild(QLabel, "cellRefusal")
    assert label is not None and label.isVisible() and "not a number" in label.text()
    cell = view.visualRect(index)
    assert abs(label.geometry().top() - cell.bottom()) < 40 or abs(label.geometry().bottom() - cell.top()) < 40
    assert "not a number" in _status(window)
    editor.setText("5")                                # typing again takes the reason away
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not label.isVisible())


def test_add_position_dialog_opens_without_an_error(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from engine.catalogue import parse_inst_id
    from workstation.widgets.dialogs import BalanceDialog, PositionDialog

    dlg = PositionDialog(["BTC-USDT-SWAP"], lambda s: parse_inst_id(s).inst_id)
    qtbot.addWidget(dlg)
    assert dlg.error.text() == ""
    assert not dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dlg.inst.setText("BTC-USDT-SWAP")
    assert "contracts" in dlg.error.text()             # once typing started, the missing field is named
    bal = BalanceDialog(["BTC", "USDT"], [])
    qtbot.addWidget(bal)
    assert bal.error.text() == ""
    full = BalanceDialog(["BTC"], ["BTC"])               # nothing left to add: that is said at once
    qtbot.addWidget(full)
    assert "already has a balance" in full.error.text()


def test_mr8_is_shown_once_at_account_level(qtbot, window):
    from PySide6.QtWidgets import QLabel
    open_portfolio(qtbot, window, "Multi-currency borrow book")
    model = window.findChild(QTableView, "riskUnitTable").model()
    assert "mr8" not in [c.key for c in model.columns]          # not repeated on every unit row
    label = window.findChild(QLabel, "summary_borrowMmr")
    assert label is not None
    shown = float(label.text().replace(",", ""))
    assert shown == pytest.approx(window.result.borrow_mmr, abs=0.01 if abs(window.result.borrow_mmr) < 100 else 0.5)
