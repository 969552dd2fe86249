"""The window's layout: the dock widgets and their default sizes, saving and restoring the layout, the icon.

``WindowLayout`` is a mixin of ``MainWindow`` (it reads the window's panels: ``portfolio_list``, ``market_panel``,
``central_split``, ``unit_view``...). Every dock keeps a unique objectName, which ``saveState`` records.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QLabel, QListWidget, QMainWindow, QVBoxLayout, QWidget

from workstation import settings
from workstation.widgets.explain_panel import ExplainPanel
from workstation.widgets.market_panel import MarketPanel

log = logging.getLogger("workstation.main_window")

MIN_ROWS = 3                 # table rows always visible (issue 15: usable at 1280x720)
MAX_UNIT_ROWS = 6            # beyond these, the extra height goes to the charts
MAX_POSITION_ROWS = 8
MIN_CHART_HEIGHT = 190
CHART_MIN_SIZE = (200, 140)  # a chart dock's widget, and the empty pane holding its place until it is built
PORTFOLIO_MAX_ROWS = 12      # the portfolio list grows to this many rows, then scrolls
REFIT_DELAY_MS = 60          # after the last resize event: the window's new height is shared out once

CHARTS = (  # (class name, objectName of the dock, dock title)
    ("StressChart", "stressDock", "Stress P&&L"),
    ("HeatmapChart", "heatmapDock", "Index x vol P&&L"),
    ("MrBreakdownChart", "mrBreakdownDock", "Margin breakdown"),
    ("MarginCurveChart", "marginCurveDock", "Margin vs index move"),
)


def app_icon() -> QIcon:
    """The window icon from resources/icons/riskws.svg (an empty icon if the file is missing)."""
    from importlib import resources as _res

    try:
        data = _res.files("resources").joinpath("icons", "riskws.svg").read_bytes()
    except (FileNotFoundError, OSError):
        return QIcon()
    pix = QPixmap()
    pix.loadFromData(data, "SVG")
    return QIcon(pix)


def pending_chart_pane(dock_name: str) -> QWidget:
    """What a chart dock holds until its chart is built: an empty pane with the chart's minimum size."""
    pane = QWidget()
    pane.setObjectName(f"{dock_name}Pending")
    pane.setMinimumSize(CHART_MIN_SIZE[0], CHART_MIN_SIZE[1])
    return pane


def make_chart(cls_name: str, title: str) -> tuple[QWidget, bool]:
    """The chart widget of ``cls_name`` (True), or a label saying it is not in this build (False)."""
    cls = find_chart_class(cls_name)
    if cls is not None:
        widget, ok = cls(), True
    else:
        widget, ok = QLabel(f"{title}\n(chart not available in this build)"), False
        widget.setObjectName("chartPlaceholder")
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    widget.setMinimumSize(CHART_MIN_SIZE[0], CHART_MIN_SIZE[1])
    return widget, ok


def find_chart_class(name: str) -> type | None:
    """A chart class of workstation.charts by name, wherever its module put it (None when not delivered)."""
    try:
        pkg = importlib.import_module("workstation.charts")
    except ImportError:
        return None
    cls = getattr(pkg, name, None)
    if cls is not None:
        return cls
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        try:
            mod = importlib.import_module(f"workstation.charts.{info.name}")
        except ImportError as exc:
            log.warning("chart module %s cannot be imported: %s", info.name, exc)
            continue
        cls = getattr(mod, name, None)
        if cls is not None:
            return cls
    return None


def layout_widgets(window: QMainWindow) -> dict[str, QWidget]:
    """The named panels a test or a screenshot looks for."""
    return {n: window.findChild(QWidget, n) for n in ("portfolioList", "positionsTable", "accountSummary",
                                                      "riskUnitTable", "spotInUseControl", "accountModeSelector",
                                                      "rulesSelector")}


class WindowLayout:
    """Docks (portfolios, market, four charts), default sizes, save/restore and reset of the layout."""

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(name)
        d.setWidget(widget)
        d.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                      | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                      | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, d)
        return d

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        browser = QWidget()
        bl = QVBoxLayout(browser)
        bl.setContentsMargins(4, 4, 4, 4)
        self.portfolio_list = QListWidget()
        self.portfolio_list.setObjectName("portfolioList")
        self.portfolio_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.portfolio_list.currentItemChanged.connect(self._on_portfolio_selected)
        self.portfolio_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        bl.addWidget(self.portfolio_list)
        self.portfolio_dock = self._dock("portfoliosDock", "Portfolios", browser, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.market_panel = MarketPanel()
        self.market_panel.model.on_edit = self._edit_market
        self.market_panel.model.inputRejected.connect(lambda m: self.status(f"Not applied: {m}", error=True))
        self.market_panel.scenarioChanged.connect(self._on_scenario)
        self.market_panel.whatif.saveRequested.connect(self._save_whatif)
        self.market_panel.whatif.deleteRequested.connect(self._delete_whatif)
        self.market_panel.whatif.compareRequested.connect(self.open_compare_view)
        self.market_dock = self._dock("marketDock", "Market", self.market_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.splitDockWidget(self.portfolio_dock, self.market_dock, Qt.Orientation.Vertical)

        # the charts themselves come after the first painted result (layout_charts.py: pyqtgraph's import and the
        # four plots were about half of a cold start); until then each dock holds an empty pane of the same size
        self.charts: dict[str, Any] = {}
        self.chart_docks: list[QDockWidget] = []
        for _cls_name, dock_name, title in CHARTS:
            self.chart_docks.append(self._dock(dock_name, title, pending_chart_pane(dock_name),
                                               Qt.DockWidgetArea.BottomDockWidgetArea))
        d0, d1, d2, d3 = self.chart_docks
        self.splitDockWidget(d0, d1, Qt.Orientation.Horizontal)
        self.splitDockWidget(d1, d2, Qt.Orientation.Horizontal)
        self.splitDockWidget(d2, d3, Qt.Orientation.Horizontal)
        # the selected unit's positions explained: a tab beside the MR breakdown (View menu / tab to show it)
        self.explain_panel = ExplainPanel()
        self.explain_panel.hedgeApplyRequested.connect(self.apply_hedge)
        self.explain_panel.setMinimumSize(200, 120)   # its contents' minimum would hold every chart dock up (1280x720)
        # a short title: tabbed with "Margin breakdown" in a quarter of a 1280-pixel window, a long one read
        # "Explain: positions of t..." and squeezed the other tab to "Ma..."; the View menu keeps the long name
        self.explain_dock = self._dock("explainDock", "Explain", self.explain_panel,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.explain_dock.toggleViewAction().setText("Explain: positions of the selected unit")
        self.tabifyDockWidget(d2, self.explain_dock)
        d2.raise_()

    def restore_layout(self) -> bool:
        """Geometry and dock state from the settings file; False when there was none (first start)."""
        geometry = settings.read("geometry")
        state = settings.read("state")
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            restored = bool(self.restoreState(state))
        self._layout_restored = restored
        return restored

    def restore_layout_was_applied(self) -> bool:
        return getattr(self, "_layout_restored", False)

    def save_layout(self) -> None:
        try:
            settings.write("geometry", self.saveGeometry())
            settings.write("state", self.saveState())
        except OSError as exc:
            log.error("layout not saved: %s", exc)

    def _table_height(self, view: Any, rows: int) -> int:
        """Pixels for the header, ``rows`` rows and (when it can show) the horizontal scroll bar."""
        bar = 0 if view.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff else \
            view.horizontalScrollBar().sizeHint().height()
        return (view.horizontalHeader().sizeHint().height() + rows * view.verticalHeader().defaultSectionSize()
                + 2 * view.frameWidth() + bar + 4)

    def central_need(self) -> int:
        """Height the central pane needs: the summary, the unit table and the positions table each with at least
        MIN_ROWS rows (more when the book has them, up to a cap), the spot-in-use control and the editor's bar."""
        units = min(max(MIN_ROWS, self.unit_model.rowCount()), MAX_UNIT_ROWS)
        positions = min(max(MIN_ROWS, self.editor.positions.rowCount()), MAX_POSITION_ROWS)
        dash = (self._table_height(self.unit_view, units) + self.unit_note.sizeHint().height()
                + self.spot_control.sizeHint().height() + 8)
        editor = (self._table_height(self.editor.positions_view, positions) + self.editor.tabs.tabBar().sizeHint().height()
                  + self.editor.add_button.sizeHint().height() + 12)
        return self.summary.sizeHint().height() + dash + editor + self.central_split.handleWidth() + 24

    def _height_for_central_and_charts(self) -> int:
        """The height shared by the central pane and the chart docks (without the tab bar of tabbed docks)."""
        central = self.centralWidget().geometry()
        bottom = self.statusBar().geometry().top() if self.statusBar().isVisible() else self.height()
        docked = [d.geometry().bottom() for d in self.chart_docks if d.isVisible() and not d.isFloating()]
        if central.height() < 100 or not docked:          # not laid out yet: estimate from the window
            return self.height() - self.menuBar().sizeHint().height() - self.statusBar().sizeHint().height() - 70
        tab_bar = max(0, bottom - max(docked) - 1)         # below docks tabbed together (e.g. Explain)
        return bottom - central.top() - tab_bar - 6        # 6: the separator between central pane and docks

    def resizeEvent(self, event: Any) -> None:
        """A window made taller or shorter re-shares its height (see refit_heights) once the resizing pauses."""
        super().resizeEvent(event)
        old = event.oldSize()
        if old.isValid() and old.height() != event.size().height() and self.isVisible():
            timer = getattr(self, "_refit_timer", None)
            if timer is None:
                timer = self._refit_timer = QTimer(self)
                timer.setObjectName("layoutRefitTimer")
                timer.setSingleShot(True)
                timer.setInterval(REFIT_DELAY_MS)
                timer.timeout.connect(self.refit_heights)
            timer.start()

    def stop_layout_timers(self) -> None:
        timer = getattr(self, "_refit_timer", None)
        if timer is not None:
            timer.stop()
        fitter = getattr(self, "unit_columns", None)
        if fitter is not None:
            fitter.stop()

    def refit_heights(self) -> None:
        """After the window's height changed: the central pane gets what its tables need (MIN_ROWS rows and more
        up to the caps), the chart docks the rest (at least MIN_CHART_HEIGHT), the portfolio list the height of
        its entries. QMainWindow alone hands a height change to the central pane: shrinking a 1600x1000 window
        to 1280x720 left the unit table half a row and the charts their old height; growing it, empty rows."""
        if not self.chart_docks or self.chart_docks[0].isFloating():
            return
        charts = max(MIN_CHART_HEIGHT, self._height_for_central_and_charts() - self.central_need())
        self.resizeDocks([self.chart_docks[0]], [charts], Qt.Orientation.Vertical)
        self._fit_portfolio_list()
        self.fit_dashboard()

    def _fit_portfolio_list(self) -> None:
        """The portfolio list as tall as its entries (between 4 rows and 30 % of the window): the market panel's
        index table and what-if controls below it need the height more than empty list rows."""
        if self.portfolio_dock.isFloating() or self.market_dock.isFloating():
            return
        lst = self.portfolio_list
        row = max(lst.sizeHintForRow(0), lst.fontMetrics().height() + 4)
        rows = min(max(4, lst.count()), PORTFOLIO_MAX_ROWS)
        want = rows * row + 2 * lst.frameWidth() + 8 + 26           # 8: the browser's margins, 26: dock title bar
        want = min(want, int(self.height() * 0.3))
        total = self.portfolio_dock.height() + self.market_dock.height()
        if total > want:
            self.resizeDocks([self.portfolio_dock, self.market_dock], [want, total - want], Qt.Orientation.Vertical)

    def apply_default_sizes(self) -> None:
        """Left docks ~17 % of the width; the chart docks get whatever height the central pane does not need
        (at least MIN_CHART_HEIGHT), so a small window keeps three table rows and a large one grows the charts."""
        w, h = self.width(), self.height()
        self.resizeDocks([self.portfolio_dock], [max(240, int(w * 0.17))], Qt.Orientation.Horizontal)
        self.resizeDocks([self.portfolio_dock, self.market_dock], [int(h * 0.32), int(h * 0.45)],
                         Qt.Orientation.Vertical)
        self.resizeDocks(self.chart_docks, [1] * len(self.chart_docks), Qt.Orientation.Horizontal)
        charts = max(MIN_CHART_HEIGHT, self._height_for_central_and_charts() - self.central_need())
        self.resizeDocks([self.chart_docks[0]], [charts], Qt.Orientation.Vertical)
        self.central_split.setSizes([int(h * 0.22), int(h * 0.28)])
        self._fit_portfolio_list()
        self.fit_dashboard()

    def fit_dashboard(self) -> None:
        """Give the risk-unit table the height of its rows (at least 3), the book editor the rest."""
        sizes = self.central_split.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        rows = min(max(MIN_ROWS, self.unit_model.rowCount()), MAX_UNIT_ROWS)
        table = self._table_height(self.unit_view, rows)
        dash = table + self.unit_note.sizeHint().height() + self.spot_control.sizeHint().height() + 6
        dash = min(dash, int(total * 0.6))
        self.central_split.setSizes([dash, total - dash])

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for d in (self.portfolio_dock, self.market_dock, *self.chart_docks, self.explain_dock):
            d.setFloating(False)
            d.show()
        self.apply_default_sizes()
        settings.clear("state")
        self.status("Layout reset")
