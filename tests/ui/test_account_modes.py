"""The workstation's account-mode selector with OKX's four modes: a switch to spot and futures shows per-currency
figures, is applied only on confirmation, and the way back to portfolio margin works; spot is refused by name."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from conftest import WAIT_MS, wait_settled
from test_main_window import open_portfolio


def _wait_dialog(qtbot, window):
    qtbot.waitUntil(lambda: window.compare_dialog is not None and window.compare_dialog.isVisible(), timeout=WAIT_MS)
    return window.compare_dialog


def _select(qtbot, window, code: str):
    selector = window.findChild(QComboBox, "accountModeSelector")
    i = selector.findData(code)
    assert i >= 0, f"mode {code} not offered"
    selector.setCurrentIndex(i)
    selector.activated.emit(i)
    return _wait_dialog(qtbot, window)


def test_selector_offers_the_four_okx_modes(window):
    selector = window.findChild(QComboBox, "accountModeSelector")
    assert sorted(selector.itemData(i) for i in range(selector.count())) == ["1", "2", "3", "4"]


def test_pm_to_futures_and_back(qtbot, window, demo_db):
    from db.store import Store

    open_portfolio(qtbot, window, "BTC cash-and-carry")
    dlg = _select(qtbot, window, "2")
    # the book has a BTC-USD future and no preset leverage: OKX's sCode 3, the family named
    assert "sCode 3" in dlg.status.text() and "BTC-USD" in dlg.status.text()
    assert "spot and futures" in dlg.windowTitle()
    assert dlg.tabs.currentWidget() is dlg.currencies
    rows = {dlg.cell("compareCurrencies", r, 0): r for r in range(dlg.currencies.rowCount())}
    assert set(rows) >= {"BTC", "USDT"}
    # BTC margins the coin-margined future in futures mode: an after-switch ratio exists; before (PM) has none
    assert dlg.cell("compareCurrencies", rows["BTC"], 6) not in ("", "\u2014")
    assert dlg.cell("compareCurrencies", rows["BTC"], 5) == "\u2014"
    dlg.accept()
    wait_settled(qtbot, window)
    assert window.result.acct_lv == "2" and window.holder.doc.portfolio.acct_lv == "2"
    with Store(demo_db) as store:
        assert store.load_portfolio("BTC cash-and-carry").acct_lv == "2"

    dlg = _select(qtbot, window, "4")
    assert "sCode 0" in dlg.status.text()
    dlg.accept()
    wait_settled(qtbot, window)
    assert window.result.acct_lv == "4"


def test_spot_refused_naming_the_positions(qtbot, window):
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    dlg = _select(qtbot, window, "1")
    text = dlg.status.text()
    assert "sCode 1" in text and "all positions" in text
    for p in window.holder.doc.portfolio.positions:
        assert p.inst_id in text
    assert "OKX would refuse" in dlg.apply_button.text()
    dlg.reject()
    qtbot.waitUntil(lambda: window.compare_dialog is None, timeout=WAIT_MS)
    assert window.holder.doc.portfolio.acct_lv == "4"
