"""Layouts that fit: at 1280x720 the tables show three rows and the charts keep a usable height; at 1920x1080 the
extra height goes to the charts, not to empty table rows."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QTableView

from conftest import wait_settled
from test_main_window import open_portfolio

ROW = 22                                      # book_editor.make_table: verticalHeader().setDefaultSectionSize(22)


def _visible_rows(view: QTableView) -> float:
    """Rows that fit in the view's viewport (what a user sees without scrolling)."""
    return view.viewport().height() / view.verticalHeader().defaultSectionSize()


def _fit(qtbot, window, w: int, h: int) -> None:
    window.resize(w, h)
    for _ in range(3):
        QApplication.processEvents()
    window.apply_default_sizes()
    for _ in range(3):
        QApplication.processEvents()


def test_tables_show_three_rows_at_1280x720_and_charts_grow_at_1920x1080(qtbot, window):
    open_portfolio(qtbot, window, "BTC delta-neutral options book")        # 7 positions, 1 unit
    wait_settled(qtbot, window)
    _fit(qtbot, window, 1280, 720)
    assert window.width() == 1280 and window.height() == 720
    units = window.findChild(QTableView, "riskUnitTable")
    positions = window.findChild(QTableView, "positionsTable")
    assert units.verticalHeader().defaultSectionSize() == ROW
    assert _visible_rows(units) >= 3.0
    assert _visible_rows(positions) >= 3.0
    chart = window.chart_docks[0].widget()
    small_chart = chart.height()
    assert small_chart >= 160                                              # a chart, not a strip
    for dock in window.chart_docks:                                        # four charts side by side, all shown
        assert dock.isVisible() and dock.widget().width() >= 200

    _fit(qtbot, window, 1920, 1080)
    big_chart = chart.height()
    assert big_chart > small_chart + 200                                   # the extra 360 px mostly went to charts
    assert _visible_rows(positions) <= 14                                  # not to empty table rows
