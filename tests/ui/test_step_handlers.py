"""What the window's handlers redo per drag step (issue 16, the window's thread): the margin ratio's tooltip
arithmetic is written for a result the user can hover, not for each step of a held handle; after the release the
tooltip tells the committed result's arithmetic. Counted calls, no timing."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QListWidget  # noqa: E402

from conftest import WAIT_MS, wait_settled  # noqa: E402


def test_a_spot_in_use_preview_step_writes_no_tooltip_and_the_release_writes_the_committed_one(qtbot, window,
                                                                                                monkeypatch):
    from workstation.widgets import summary

    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems("BTC delta-neutral options book", Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)
    control = window.spot_control
    assert control.ccy == "BTC" and control.slider.isEnabled()
    calls: list = []
    real = summary.ratio_tooltip
    monkeypatch.setattr(summary, "ratio_tooltip", lambda r: calls.append(r) or real(r))
    spot = window.spot_control._committed_value
    shown: list = []
    window.resultShown.connect(shown.append)
    for k, amount in enumerate((spot * 0.75, spot * 0.5, spot * 0.25)):
        before = len(shown)
        control.drag_to(amount)                     # the handle held: a preview step each
        qtbot.waitUntil(lambda: len(shown) > before, timeout=WAIT_MS)
        qtbot.wait(80)                               # past the preview throttle
    assert len(shown) >= 3
    assert calls == []                               # no step wrote the margin ratio's arithmetic
    control.release()
    wait_settled(qtbot, window)
    assert window.undo_stack.count() == 1
    assert calls, "the committed result writes its tooltip"
    tip = window.summary.values["marginRatio"].toolTip()
    assert tip == real(window.result)
    assert f"{window.result.margin_ratio:,.2f}" in window.summary.values["marginRatio"].text()


def test_a_what_if_step_keeps_the_unit_row_selected_without_selecting_it_again(qtbot, window):
    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems("BTC delta-neutral options book", Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)
    view, model = window.unit_view, window.unit_model
    row = model.row_of_unit(window.selected_unit)
    assert row >= 0 and [i.row() for i in view.selectionModel().selectedRows()] == [row]
    selects: list = []
    real = view.selectRow
    view.selectRow = lambda r: (selects.append(r), real(r))
    slider = window.market_panel.whatif._slider["index:BTC"]
    shown: list = []
    window.resultShown.connect(shown.append)
    slider.setSliderDown(True)
    try:
        for position in (-100, -220, -340):
            qtbot.wait(80)                               # past the panel's throttle: each move is a step
            before = len(shown)
            slider.setValue(position)
            qtbot.waitUntil(lambda: len(shown) > before, timeout=WAIT_MS)
            assert [i.row() for i in view.selectionModel().selectedRows()] == [row]
    finally:
        slider.setSliderDown(False)
    wait_settled(qtbot, window)
    assert selects == []                                 # the row stayed selected: never selected again
    # a selection of another shape (two rows, or none) is put right by the next result
    view.selectionModel().clearSelection()
    window._select_unit_row(request_charts=False)
    assert [i.row() for i in view.selectionModel().selectedRows()] == [row] and selects == [row]
