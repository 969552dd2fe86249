"""The main window over the demo database, driven as a user would (offscreen)."""

from __future__ import annotations

import csv

import pytest

# Qt warnings fail a test; the offscreen platform plugin's own notices are not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")]
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QListWidget, QTableView

from engine.catalogue import parse_inst_id

from conftest import WAIT_MS, wait_settled


def underlyings(portfolio) -> set[str]:
    return {parse_inst_id(p.inst_id).underlying for p in portfolio.positions}


def open_portfolio(qtbot, window, name: str) -> None:
    lst = window.findChild(QListWidget, "portfolioList")
    items = lst.findItems(name, Qt.MatchFlag.MatchExactly)
    assert items, f"{name!r} not listed"
    lst.setCurrentItem(items[0])
    wait_settled(qtbot, window)
    assert window.holder.doc.name == name


def unit_value(window, unit: str, key: str):
    model = window.findChild(QTableView, "riskUnitTable").model()
    col = model.column_index(key)
    for r in range(model.rowCount()):
        if model.index(r, 0).data() == unit:
            return model.index(r, col).data(Qt.ItemDataRole.UserRole)
    raise AssertionError(f"unit {unit} not in the dashboard")


def test_named_panels_exist(window):
    for cls, name in ((QListWidget, "portfolioList"), (QTableView, "positionsTable"), (QFrame, "accountSummary"),
                      (QTableView, "riskUnitTable"), (QFrame, "spotInUseControl"),
                      (QComboBox, "accountModeSelector"), (QComboBox, "rulesSelector")):
        assert window.findChild(cls, name) is not None, name
    docks = [d.objectName() for d in window.findChildren(type(window.portfolio_dock))]
    assert len(docks) == len(set(docks)) and all(docks)


def test_lists_demo_portfolios_and_dashboard_has_one_row_per_underlying(qtbot, window, demo_db):
    from db.store import Store

    with Store(demo_db) as store:
        names = [s.name for s in store.list_portfolios()]
        book = store.load_portfolio("Directional delta-one book")
    assert window.portfolio_names() == names
    open_portfolio(qtbot, window, "Directional delta-one book")
    model = window.findChild(QTableView, "riskUnitTable").model()
    shown = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert shown == underlyings(book)
    positions = window.findChild(QTableView, "positionsTable").model()
    assert positions.rowCount() == len(book.positions)


def test_edit_position_changes_dashboard_and_undo_restores(qtbot, window, demo_db):
    from db.store import Store

    open_portfolio(qtbot, window, "BTC cash-and-carry")
    before_delta = unit_value(window, "BTC", "delta")
    before_mmr = unit_value(window, "BTC", "mmr")
    view = window.findChild(QTableView, "positionsTable")
    model = view.model()
    row = 0
    inst = model.index(row, model.column_index("instId")).data()
    old_pos = float(model.index(row, model.column_index("pos")).data(Qt.ItemDataRole.EditRole))
    with qtbot.waitSignal(window.resultShown, timeout=WAIT_MS):
        assert model.setData(model.index(row, model.column_index("pos")), str(old_pos * 2))
    wait_settled(qtbot, window)
    assert unit_value(window, "BTC", "delta") != pytest.approx(before_delta)
    assert unit_value(window, "BTC", "mmr") != pytest.approx(before_mmr)
    with Store(demo_db) as store:
        saved = {p.inst_id: p.pos for p in store.load_portfolio("BTC cash-and-carry").positions}
    assert saved[inst] == old_pos * 2

    with qtbot.waitSignal(window.resultShown, timeout=WAIT_MS):
        window.act_undo.trigger()
    wait_settled(qtbot, window)
    assert unit_value(window, "BTC", "mmr") == pytest.approx(before_mmr)
    with Store(demo_db) as store:
        saved = {p.inst_id: p.pos for p in store.load_portfolio("BTC cash-and-carry").positions}
    assert saved[inst] == old_pos


@pytest.mark.parametrize("column,text,reason", [
    ("pos", "abc", "not a number"),
    ("pos", "nan", "finite"),
    ("instId", "FOO-BAR-SWAP", "unknown instrument family"),
    ("instId", "BTC-USD-2502", "malformed"),
    ("instId", "BTC-USD-240101", "expired"),
    ("avgPx", "-5", "negative"),
])
def test_bad_cell_input_is_refused_with_reason_and_nothing_stored(qtbot, window, demo_db, column, text, reason):
    from db.store import Store

    with Store(demo_db) as store:
        before = store.load_portfolio("BTC cash-and-carry")
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    model = window.findChild(QTableView, "positionsTable").model()
    with qtbot.waitSignal(model.inputRejected, timeout=2000) as blocker:
        ok = model.setData(model.index(0, model.column_index(column)), text)
    assert not ok
    assert reason in blocker.args[0]
    assert reason in window.editor.error.text()
    assert window.undo_stack.count() == 0
    assert not window.compute.is_busy("main")
    with Store(demo_db) as store:
        assert store.load_portfolio("BTC cash-and-carry") == before
    assert window.holder.doc.portfolio == before


def test_duplicate_instrument_refused(qtbot, window):
    open_portfolio(qtbot, window, "Directional delta-one book")
    model = window.findChild(QTableView, "positionsTable").model()
    other = model.index(1, model.column_index("instId")).data()
    reason = model.validate(model.index(0, model.column_index("instId")), other)
    assert reason and "already in the book" in reason


def test_spot_in_use_drag_changes_mr1_and_one_undo_restores(qtbot, window, demo_db):
    from db.store import Store

    name = "BTC delta-neutral options book"
    open_portfolio(qtbot, window, name)
    with Store(demo_db) as store:
        original = store.load_portfolio(name).spot_in_use
    control = window.spot_control
    assert control.ccy == "BTC" and control.slider.isEnabled()
    mr1_before = unit_value(window, "BTC", "mr1")
    spot_before = unit_value(window, "BTC", "spotInUse")
    assert spot_before > 0

    with qtbot.waitSignal(window.resultShown, timeout=WAIT_MS):
        control.drag_to(spot_before * 0.5)          # live preview while the handle is down
    qtbot.waitUntil(lambda: unit_value(window, "BTC", "spotInUse") == pytest.approx(spot_before * 0.5, rel=1e-3),
                    timeout=WAIT_MS)
    control.drag_to(0.0)
    qtbot.waitUntil(lambda: unit_value(window, "BTC", "spotInUse") == pytest.approx(0.0, abs=1e-9),
                    timeout=WAIT_MS)
    assert unit_value(window, "BTC", "mr1") != pytest.approx(mr1_before)
    assert window.undo_stack.count() == 0            # nothing committed while dragging
    control.release()
    wait_settled(qtbot, window)
    assert window.undo_stack.count() == 1
    with Store(demo_db) as store:
        assert store.load_portfolio(name).spot_in_use_amounts()["BTC"] == pytest.approx(0.0)
    assert unit_value(window, "BTC", "mr1") != pytest.approx(mr1_before)

    with qtbot.waitSignal(window.resultShown, timeout=WAIT_MS):
        window.act_undo.trigger()
    wait_settled(qtbot, window)
    assert unit_value(window, "BTC", "mr1") == pytest.approx(mr1_before)
    with Store(demo_db) as store:
        assert store.load_portfolio(name).spot_in_use == original


def test_spot_in_use_keyboard_steps_merge_into_one_undo_step(qtbot, window):
    open_portfolio(qtbot, window, "BTC delta-neutral options book")
    control = window.spot_control
    control.slider.setFocus()
    control.slider.triggerAction(control.slider.SliderAction.SliderPageStepSub)
    control.slider.triggerAction(control.slider.SliderAction.SliderPageStepSub)
    wait_settled(qtbot, window)
    assert window.undo_stack.count() == 1
    control.auto_button.click()
    wait_settled(qtbot, window)
    assert window.undo_stack.count() == 2


def _wait_dialog(qtbot, window):
    qtbot.waitUntil(lambda: window.compare_dialog is not None and window.compare_dialog.isVisible(), timeout=WAIT_MS)
    return window.compare_dialog


def test_rule_set_change_shows_before_and_after_and_applies_only_on_confirmation(qtbot, window, demo_db):
    from importlib.util import find_spec

    from db.store import Store

    if find_spec("engine.compare") is None:
        pytest.skip("engine.compare_rules not delivered yet")
    name = "BTC delta-neutral options book"
    open_portfolio(qtbot, window, name)
    selector = window.findChild(QComboBox, "rulesSelector")
    current = selector.currentData()
    other = next(selector.itemData(i) for i in range(selector.count()) if selector.itemData(i) != current)
    selector.setCurrentIndex(selector.findData(other))
    selector.activated.emit(selector.findData(other))
    dlg = _wait_dialog(qtbot, window)
    before = dlg.cell("compareSummary", 2, 1)
    after = dlg.cell("compareSummary", 2, 2)
    assert before not in ("", "\u2014") and after not in ("", "\u2014")
    dlg.reject()
    qtbot.waitUntil(lambda: window.compare_dialog is None)
    assert selector.currentData() == current
    with Store(demo_db) as store:
        assert (store.load_portfolio(name).rules or current) == current

    selector.activated.emit(selector.findData(other))
    dlg = _wait_dialog(qtbot, window)
    dlg.accept()
    wait_settled(qtbot, window)
    with Store(demo_db) as store:
        assert store.load_portfolio(name).rules == other
    assert window.result.rules == other
    window.act_undo.trigger()
    wait_settled(qtbot, window)
    assert window.result.rules == current


def test_mode_switch_dialog_shows_both_sides(qtbot, window, demo_db):
    from importlib.util import find_spec

    from db.store import Store

    if find_spec("engine.switch") is None or find_spec("engine.mc") is None:
        pytest.skip("engine.switch_mode not delivered yet")
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    selector = window.findChild(QComboBox, "accountModeSelector")
    i = selector.findData("3")
    selector.setCurrentIndex(i)
    selector.activated.emit(i)
    dlg = _wait_dialog(qtbot, window)
    for row in range(3):
        assert dlg.cell("compareSummary", row, 1) not in ("", "\u2014")
        assert dlg.cell("compareSummary", row, 2) not in ("", "\u2014")
    assert "sCode" in dlg.status.text()
    dlg.reject()
    qtbot.waitUntil(lambda: window.compare_dialog is None)
    assert selector.currentData() == "4"
    assert window.holder.doc.portfolio.acct_lv == "4"
    assert window.undo_stack.count() == 0

    selector.activated.emit(i)
    dlg = _wait_dialog(qtbot, window)
    after_mmr = dlg.cell("compareSummary", 2, 2)
    dlg.accept()
    wait_settled(qtbot, window)
    assert window.result.acct_lv == "3" and window.result.units == ()
    assert window.summary.values["totalMmr"].text() == after_mmr      # the dialog promised what is applied
    with Store(demo_db) as store:
        assert store.load_portfolio("BTC cash-and-carry").acct_lv == "3"
    window.act_undo.trigger()
    wait_settled(qtbot, window)
    assert window.result.acct_lv == "4" and selector.currentData() == "4"
    with Store(demo_db) as store:
        assert store.load_portfolio("BTC cash-and-carry").acct_lv == "4"


def test_dashboard_csv_export_uses_the_column_spec(qtbot, window, tmp_path):
    open_portfolio(qtbot, window, "Directional delta-one book")
    out = tmp_path / "units.csv"
    window.export_dashboard_csv(str(out))
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[0] == "Unit" and "MR1 (USD)" in header and "MMR (USD)" in header
    expected = {u["riskUnit"]: u for u in window.result.to_dict()["riskUnitData"]}
    assert {r[0] for r in body} == set(expected)
    i_mmr = header.index("MMR (USD)")
    for r in body:
        assert float(r[i_mmr]) == pytest.approx(expected[r[0]]["mmr"])


def test_whatif_index_move_changes_margin_and_is_not_saved(qtbot, window, demo_db):
    from db.store import Store

    open_portfolio(qtbot, window, "BTC cash-and-carry")
    ratio_before = window.result.margin_ratio
    with qtbot.waitSignal(window.resultShown, timeout=WAIT_MS):
        window.market_panel.set_move("BTC", -0.2)
    wait_settled(qtbot, window)
    assert window.result.margin_ratio != pytest.approx(ratio_before)
    assert "What-if" in window.summary.note.text()
    assert window.undo_stack.count() == 0
    window.market_panel.reset_whatif()
    wait_settled(qtbot, window)
    assert window.result.margin_ratio == pytest.approx(ratio_before)


def test_market_index_edit_is_undoable(qtbot, window):
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    model = window.market_panel.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "BTC-USD")
    old = model.index(row, 1).data(Qt.ItemDataRole.UserRole)
    assert not model.setData(model.index(row, 1), "-1")      # refused
    assert window.undo_stack.count() == 0
    assert model.setData(model.index(row, 1), str(old * 1.1))
    wait_settled(qtbot, window)
    assert window.holder.doc.market.index["BTC-USD"] == pytest.approx(old * 1.1)
    window.act_undo.trigger()
    wait_settled(qtbot, window)
    assert window.holder.doc.market.index["BTC-USD"] == pytest.approx(old)


def test_import_bad_file_changes_nothing(qtbot, window, demo_db, tmp_path):
    from db.store import Store

    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "X", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "lots"}]}', encoding="utf-8")
    with Store(demo_db) as store:
        names = [s.name for s in store.list_portfolios()]
    window.import_file(str(bad))
    assert window.errors and "pos" in window.errors[-1] and "not a number" in window.errors[-1]
    with Store(demo_db) as store:
        assert [s.name for s in store.list_portfolios()] == names
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    window.import_file(str(broken))
    assert "malformed JSON" in window.errors[-1]


def test_import_good_file_then_delete_with_confirmation(qtbot, window, demo_db, tmp_path):
    from db.store import Store

    good = tmp_path / "mine.json"
    good.write_text('{"name": "Mine", "simAsset": [{"ccy": "USDT", "amt": "100000"}], '
                    '"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10"}]}', encoding="utf-8")
    window.import_file(str(good))
    wait_settled(qtbot, window)
    assert window.holder.doc.name == "Mine"
    window.confirm = lambda *a: False
    window.delete_portfolio()
    with Store(demo_db) as store:
        assert store.has_portfolio("Mine")
    window.confirm = lambda *a: True
    window.delete_portfolio()
    with Store(demo_db) as store:
        assert not store.has_portfolio("Mine")
    assert "Mine" not in window.portfolio_names()


def test_theme_switch_changes_most_pixels(qtbot, window):
    before = window.grab().toImage()
    window.toggle_theme()
    qtbot.waitUntil(lambda: window.themes.theme.name == "dark")
    after = window.grab().toImage()
    assert before.size() == after.size()
    import numpy as np

    def arr(img):
        img = img.convertToFormat(img.Format.Format_RGB32)
        ptr = img.constBits()
        return np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 4].copy()

    a, b = arr(before), arr(after)
    changed = np.any(np.abs(a.astype(int) - b.astype(int)).reshape(a.shape[0], -1, 4) > 24, axis=2).mean()
    assert changed > 0.5, f"only {changed:.0%} of the pixels changed"
    window.toggle_theme()
    assert window.themes.theme.name == "light"


def test_layout_saved_and_restored_and_reset(qtbot, window, demo_db):
    from workstation.app import create_main_window

    window.market_dock.setVisible(False)
    window.save_layout()
    other = create_main_window(demo_db, restore_layout=True)
    qtbot.addWidget(other)
    other.show()
    assert other.restore_layout_was_applied()
    assert not other.market_dock.isVisible()
    other.reset_layout()
    assert other.market_dock.isVisible()
    wait_settled(qtbot, other)
    other.close()
    assert not other.compute.thread_running()


def test_shortcuts_are_bound(window):
    from PySide6.QtGui import QKeySequence

    keys = {a.objectName(): a.shortcut() for a in window.actions()}
    assert keys["actionUndo"] == QKeySequence(QKeySequence.StandardKey.Undo)
    assert keys["actionRedo"] == QKeySequence(QKeySequence.StandardKey.Redo)
    assert not window.act_refresh.shortcut().isEmpty()
    assert not window.act_new.shortcut().isEmpty() and not window.act_import.shortcut().isEmpty()
    assert not window.act_export.shortcut().isEmpty() and not window.act_theme.shortcut().isEmpty()
    assert not window.act_remove.shortcut().isEmpty()
    seqs = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len(seqs) == len(set(seqs)), "two actions share a shortcut"


def test_cell_editor_refuses_bad_input_in_place(qtbot, window):
    from PySide6.QtWidgets import QLineEdit

    open_portfolio(qtbot, window, "BTC cash-and-carry")
    view = window.findChild(QTableView, "positionsTable")
    model = view.model()
    index = model.index(0, model.column_index("pos"))
    old = model.index(0, model.column_index("pos")).data(Qt.ItemDataRole.EditRole)
    view.setFocus()
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.setText("twelve")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.isVisible(), "the editor closed on bad input"
    assert editor.property("invalid") is True and "not a number" in editor.toolTip()
    assert window.undo_stack.count() == 0
    editor.setText(str(float(old) + 1))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.undo_stack.count() == 1)
    wait_settled(qtbot, window)
    assert window.holder.doc.portfolio.positions[0].pos == float(old) + 1


def test_each_portfolio_keeps_its_own_undo_history(qtbot, window, demo_db):
    from db.store import Store

    open_portfolio(qtbot, window, "ETH straddle")
    model = window.findChild(QTableView, "positionsTable").model()
    old = float(model.index(0, model.column_index("pos")).data(Qt.ItemDataRole.EditRole))
    assert model.setData(model.index(0, model.column_index("pos")), str(old + 3))
    wait_settled(qtbot, window)
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    assert not window.act_undo.isEnabled()               # nothing done here yet
    open_portfolio(qtbot, window, "ETH straddle")
    assert window.act_undo.isEnabled() and window.undo_stack.count() == 1
    window.act_undo.trigger()
    wait_settled(qtbot, window)
    with Store(demo_db) as store:
        assert store.load_portfolio("ETH straddle").positions[0].pos == old


def test_edited_market_saved_as_snapshot_and_linked(qtbot, window, demo_db):
    from db.store import Store

    open_portfolio(qtbot, window, "ETH straddle")
    model = window.market_panel.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "ETH-USD")
    old = model.index(row, 1).data(Qt.ItemDataRole.UserRole)
    assert model.setData(model.index(row, 1), str(old * 0.9))
    wait_settled(qtbot, window)
    assert "not saved" in window.market_panel.header.text()
    window.save_market_snapshot("ETH -10%")
    assert "not saved" not in window.market_panel.header.text()
    with Store(demo_db) as store:
        assert store.portfolio_market_name("ETH straddle") == "ETH -10%"
        assert store.load_market("ETH -10%").index["ETH-USD"] == pytest.approx(old * 0.9)
        assert store.market_for_portfolio("BTC cash-and-carry").index["ETH-USD"] == pytest.approx(old)


def test_new_duplicate_rename_portfolio(qtbot, window, demo_db):
    from db.store import Store

    answers = iter(["Scratch", "Scratch copy", "Scratch renamed"])
    window.ask_text = lambda *a, **k: next(answers)
    window.new_portfolio()
    wait_settled(qtbot, window)
    assert window.holder.doc.name == "Scratch" and window.result.units == ()
    window.duplicate_portfolio()
    wait_settled(qtbot, window)
    assert window.holder.doc.name == "Scratch copy"
    window.rename_portfolio()
    assert window.holder.doc.name == "Scratch renamed"
    with Store(demo_db) as store:
        names = {s.name for s in store.list_portfolios()}
    assert {"Scratch", "Scratch renamed"} <= names and "Scratch copy" not in names
    assert window.portfolio_names().count("Scratch renamed") == 1
    # a taken name is refused with the reason, nothing changes
    window.ask_text = lambda *a, **k: "Scratch"
    window.rename_portfolio()
    assert "already exists" in window.errors[-1]
    with Store(demo_db) as store:
        assert store.has_portfolio("Scratch renamed")


def test_a_write_the_store_refuses_changes_nothing(qtbot, window, demo_db):
    import sqlite3

    from db.store import Store

    open_portfolio(qtbot, window, "ETH straddle")
    before = window.holder.doc.state
    mmr = window.result.total_mmr

    def refuse(*a, **k):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    window.store.save_portfolio = refuse
    model = window.findChild(QTableView, "positionsTable").model()
    assert not model.setData(model.index(0, model.column_index("pos")), "1")
    assert "readonly" in window.editor.error.text()
    window.spot_control._commit(0.5) if window.spot_control.ccy else None
    assert window.holder.doc.state == before
    assert window.undo_stack.count() == 0
    assert not window.compute.is_busy("main") and window.result.total_mmr == mmr
    with Store(demo_db) as store:
        assert store.load_portfolio("ETH straddle") == before.portfolio


def test_margin_first_then_the_liquidation_moves_from_the_curve_job(qtbot, window, demo_db):
    """The summary shows the margin at once; the liquidation moves arrive with the margin curve and equal
    what the engine's own compute() finds."""
    from db.store import Store
    from engine import api

    with Store(demo_db) as store:
        book = store.load_portfolio("Cross-stablecoin hedge")
        market = store.market_for_portfolio("Cross-stablecoin hedge")
    expected = api.compute(book, market).liq_shock
    assert expected is not None and expected[0] is not None      # this demo book has a downside liquidation
    open_portfolio(qtbot, window, "Cross-stablecoin hedge")
    assert window.result.liq_shock == pytest.approx(expected)
    text = window.summary.values["liq"].text()
    assert f"{abs(expected[0]) * 100:.1f}" in text.replace("\u2212", "-"), text


def test_busy_indicator_only_for_computations_still_running_after_a_moment(qtbot, window):
    """A drag preview answers in milliseconds: flashing "Computing..." on and off would cost two repaint passes
    per step. The label appears only for a computation still running after BUSY_INDICATOR_DELAY_MS."""
    import threading

    wait_settled(qtbot, window)
    label = window.busy_label
    window.compute.submit("test-fast", lambda: None)
    assert label.text() == ""                                   # not shown at once
    qtbot.waitUntil(lambda: not window.compute.is_busy(), timeout=WAIT_MS)
    assert label.text() == "" and not window._busy_timer.isActive()

    release = threading.Event()
    window.compute.submit("test-slow", lambda: release.wait(10.0))
    assert label.text() == ""
    qtbot.waitUntil(lambda: label.text() != "", timeout=WAIT_MS)  # after the delay, while still running
    release.set()
    qtbot.waitUntil(lambda: not window.compute.is_busy(), timeout=WAIT_MS)
    assert label.text() == ""
