"""Layouts that fit, measured on the real laid-out window: shown at its default 1600x1000, then resized to 1280x720
as a user (or a small screen) would, without any call that re-applies the default sizes. The tables show three
rows, no header or figure is cut, every chart keeps its axes, title and labels inside its widget, the tabbed
docks' tab titles are whole; at 1920x1080 the extra height goes to the charts, not to empty table rows."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabBar, QTableView

from conftest import wait_settled
from test_main_window import open_portfolio

ROW = 22                                      # book_editor.make_table: verticalHeader().setDefaultSectionSize(22)


def _visible_rows(view: QTableView) -> float:
    """Rows that fit in the view's viewport (what a user sees without scrolling)."""
    return view.viewport().height() / view.verticalHeader().defaultSectionSize()


def _resize_like_a_user(qtbot, window, w: int, h: int) -> None:
    """Resize the shown window and let it settle: no apply_default_sizes() call (a user does not make one)."""
    window.resize(w, h)
    for _ in range(3):
        QApplication.processEvents()
    timer = getattr(window, "_refit_timer", None)
    if timer is not None:
        qtbot.waitUntil(lambda: not timer.isActive(), timeout=5000)
    qtbot.wait(50)
    wait_settled(qtbot, window)
    for _ in range(3):
        QApplication.processEvents()


def _cut_headers(view: QTableView) -> list[str]:
    """Columns whose header text (any line of it) is wider than the section showing it."""
    header = view.horizontalHeader()
    fm = header.fontMetrics()
    model = view.model()
    cut = []
    for c in range(model.columnCount()):
        if header.isSectionHidden(c):
            continue
        text = str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        widest = max(fm.horizontalAdvance(line) for line in text.split("\n"))
        if widest > header.sectionSize(c):
            cut.append(f"{text!r}: {widest} px of text in {header.sectionSize(c)} px")
    return cut


def _cut_cells(view: QTableView) -> list[str]:
    """Cells whose shown text is wider than their column (Qt elides it: "8,43...")."""
    header = view.horizontalHeader()
    fm = view.fontMetrics()
    model = view.model()
    cut = []
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            if header.isSectionHidden(c):
                continue
            text = str(model.index(r, c).data() or "")
            if fm.horizontalAdvance(text) + 4 > header.sectionSize(c):
                cut.append(f"row {r} column {c}: {text!r} in {header.sectionSize(c)} px")
    return cut


def test_tables_show_three_rows_at_1280x720_and_charts_grow_at_1920x1080(qtbot, window):
    open_portfolio(qtbot, window, "BTC cash-and-carry")           # the book the 1280x720 review was made with
    wait_settled(qtbot, window)
    _resize_like_a_user(qtbot, window, 1280, 720)
    assert window.width() == 1280 and window.height() == 720
    units = window.findChild(QTableView, "riskUnitTable")
    positions = window.findChild(QTableView, "positionsTable")
    index = window.findChild(QTableView, "indexTable")
    assert units.verticalHeader().defaultSectionSize() == ROW
    for view in (units, positions, index):
        assert _visible_rows(view) >= 3.0, f"{view.objectName()}: {_visible_rows(view):.2f} rows visible"
    assert _cut_headers(units) == [] and _cut_headers(positions) == []
    assert _cut_cells(units) == []

    chart = window.chart_docks[0].widget()
    small_chart = chart.height()
    assert small_chart >= 160                                              # a chart, not a strip
    for dock in window.chart_docks:                                        # four charts side by side, all shown
        widget = dock.widget()
        assert dock.isVisible() and widget.width() >= 200
        plot = widget.getPlotItem()
        # the plot (its axes: the margin curve's right axis) laid out within the widget, not pushed beyond it
        assert plot.geometry().right() <= widget.width() + 0.5, f"{dock.objectName()}: plot wider than its chart"
        title = plot.titleLabel
        assert title.item.mapRectToParent(title.item.boundingRect()).width() <= title.rect().width() + 0.5, \
            f"{dock.objectName()}: title {title.item.toPlainText()!r} cut"
    stress = window.charts["StressChart"]
    if stress.worst_label.isVisible():                                     # "MR1 worst" label inside the view
        vb = stress.getPlotItem().getViewBox()
        label = stress.worst_label.mapRectToItem(vb, stress.worst_label.boundingRect())
        assert label.left() >= -0.5 and label.right() <= vb.width() + 0.5, "MR1 worst label cut"
    for bar in window.findChildren(QTabBar):                               # tabbed docks: whole tab titles
        if not bar.isVisible():
            continue
        for i in range(bar.count()):
            text = bar.tabText(i)
            assert bar.fontMetrics().horizontalAdvance(text) <= bar.tabRect(i).width(), f"tab {text!r} cut"

    _resize_like_a_user(qtbot, window, 1920, 1080)
    big_chart = chart.height()
    assert big_chart > small_chart + 200                                   # the extra 360 px mostly went to charts
    assert _visible_rows(positions) <= 14                                  # not to empty table rows
    assert _cut_headers(units) == []


def test_layout_timer_stops_on_close(qtbot, window):
    """The refit after a resize is a timer of the window: closing the window stops it (no late layout work)."""
    window.resize(1300, 760)
    QApplication.processEvents()
    timer = window._refit_timer
    window.unit_columns._later.start()                  # a re-measure pending after new figures
    window.shutdown()
    assert not timer.isActive() and not window.unit_columns._later.isActive()


def test_axis_label_and_legend_do_not_widen_a_narrow_chart(qtbot):
    """A margin curve 215 px wide: its legend (one column needs ~165 px) must not lay the plot out wider than the
    widget (which clipped the right axis), and the long title wraps instead of running off both sides."""
    import numpy as np

    from workstation.charts.margin_curve import MarginCurveChart

    chart = MarginCurveChart()
    qtbot.addWidget(chart)
    s = np.linspace(-1, 1, 41)
    chart.show_curve(s, 1e4 * (1 + s ** 2), 50 * (1 - s), (-0.5, 0.6))
    chart.resize(215, 300)
    chart.show()
    qtbot.waitExposed(chart)
    for _ in range(3):
        QApplication.processEvents()
    plot = chart.getPlotItem()
    right = plot.getAxis("right")
    assert plot.geometry().width() <= 215.5
    assert right.mapRectToScene(right.boundingRect()).right() <= 215.5
    chart._set_title("A title much longer than the two hundred pixels of this chart")
    for _ in range(3):
        QApplication.processEvents()
    title = plot.titleLabel
    assert title.item.mapRectToParent(title.item.boundingRect()).width() <= title.rect().width() + 0.5
    assert isinstance(title, pg.LabelItem)
