"""Shared chart machinery: default palette, pens and ranges, the ChartBase widget (theme, title, legend, grid, view
range, PNG export). The axes are in axes.py, the crosshair in crosshair.py.

Every chart is a plain ``pg.PlotWidget`` subclass with no module-level state (finplot's globals are the contrast):
items are created once in ``__init__`` and then updated in place, view ranges are set from the data (auto-range is
off), and colours come only from a theme object passed to ``apply_theme`` (duck-typed: any object with the fields of
``workstation.theme.Theme``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .grid import GridLines
from .scales import NICE_MANTISSAS, finite_values, nice_ceil, padded  # noqa: F401 - the charts import them here


@dataclass(frozen=True)
class ChartPalette:
    """Built-in palette used until ``apply_theme`` is called; same fields as ``workstation.theme.Theme``."""

    name: str = "chart-default"
    background: str = "#ffffff"
    surface: str = "#ffffff"
    foreground: str = "#1d232b"
    muted: str = "#6b7480"
    grid: str = "#d5d9df"
    accent: str = "#2f6fd6"
    positive: str = "#1f8a4c"
    negative: str = "#c8322f"
    warning: str = "#b7791f"
    vol_down: str = "#2f6fd6"
    vol_same: str = "#4a4f57"
    vol_up: str = "#d6482f"
    heatmap: str = "CET-D1"


DEFAULT_PALETTE = ChartPalette()

TICK_FONT_PT = 9
LABEL_FONT_PT = 9
TITLE_SIZE = "10pt"
CROSSHAIR_RATE_HZ = 60


def qcolor(colour: str, alpha: int | None = None) -> QtGui.QColor:
    c = QtGui.QColor(colour)
    if alpha is not None:
        c.setAlpha(alpha)
    return c


def cosmetic_pen(colour: str, style: QtCore.Qt.PenStyle = QtCore.Qt.PenStyle.SolidLine,
                 alpha: int | None = None) -> QtGui.QPen:
    """A width-1 cosmetic pen (fast path in pyqtgraph; pyqtgraph#533)."""
    pen = QtGui.QPen(qcolor(colour, alpha))
    pen.setWidth(1)
    pen.setCosmetic(True)
    pen.setStyle(style)
    return pen


def mix(a: str, b: str, t: float) -> str:
    """Blend colour ``a`` towards ``b`` by ``t`` (0..1); returns '#rrggbb'."""
    ca, cb = QtGui.QColor(a), QtGui.QColor(b)
    return QtGui.QColor.fromRgbF(ca.redF() + (cb.redF() - ca.redF()) * t,
                                 ca.greenF() + (cb.greenF() - ca.greenF()) * t,
                                 ca.blueF() + (cb.blueF() - ca.blueF()) * t).name()


# --------------------------------------------------------------------------------------------------------------- base


class TitleLabel(pg.LabelItem):
    """Plot title that does not impose its text width as the plot's minimum width.

    pyqtgraph's LabelItem makes its text width its minimum width on every resize, and a QGraphicsWidget is never
    laid out narrower than its minimum: a long title in a narrow dock pushed the right axis / colour bar out of the
    widget. This one keeps only the height as a minimum (the text is centred and may overhang when very narrow).
    """

    ROW_PX = 30          # the title row's height in pyqtgraph's PlotItem.setTitle (one line)

    def updateMin(self) -> None:
        super().updateMin()
        height = self.minimumHeight()
        self.setMinimumWidth(0)
        self._sizeHint[QtCore.Qt.SizeHint.MinimumSize] = (0.0, height)
        self._sizeHint[QtCore.Qt.SizeHint.PreferredSize] = (0.0, height)
        self.updateGeometry()

    def natural_width(self) -> float:
        """The title's width on one line."""
        font = QtGui.QFont(self.item.font())
        font.setPointSizeF(float(str(self.opts.get("size", TITLE_SIZE)).rstrip("pt")))
        return QtGui.QFontMetricsF(font).horizontalAdvance(self.item.toPlainText()) + 2 * self.item.document().documentMargin()

    def resizeEvent(self, ev: Any) -> None:
        """A title wider than the plot wraps onto more lines (centred), and its row grows to hold them: in a
        quarter of a 1280-pixel window "MMR breakdown by risk unit" read "by risk ur"."""
        width = self.rect().width()
        wrap = 0 < width < self.natural_width()
        want = float(width) if wrap else -1.0
        if self.item.textWidth() != want:
            self.item.setTextWidth(want)
            option = self.item.document().defaultTextOption()
            option.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
            self.item.document().setDefaultTextOption(option)
        super().resizeEvent(ev)
        plot = self.parentItem()
        if isinstance(plot, pg.PlotItem) and self.isVisible():
            rows = max(self.ROW_PX, math.ceil(self.item.boundingRect().height()) + 4)
            if self.maximumHeight() != rows:
                self.setMaximumHeight(rows)
                plot.layout.setRowFixedHeight(0, rows)


LEGEND_ROW_PX = 19              # one row of a legend below the plot
LEGEND_MAX_SHARE = 0.3          # of the chart's height; beyond it the legend is folded away
QWIDGETSIZE_MAX = 16777215


class ChartBase(pg.PlotWidget):
    """Common behaviour of the four charts; subclasses implement ``_apply_theme_items`` and ``clear``."""

    OBJECT_NAME = ""

    def __init__(self, parent: Any = None, axisItems: dict[str, pg.AxisItem] | None = None) -> None:
        super().__init__(parent=parent, background=DEFAULT_PALETTE.background, axisItems=axisItems)
        # PlotWidget binds plotItem.clear (and others) as *instance* attributes, which would shadow our clear():
        # drop that binding so widget.clear() empties the data items instead of removing them from the plot.
        self.__dict__.pop("clear", None)
        self.setObjectName(self.OBJECT_NAME)
        self._theme: Any = DEFAULT_PALETTE
        self._title = ""
        self._title_shown: tuple[str, str] | None = None
        self._y_hold: tuple[float, float] | None = None      # see _held_y
        self.grid_lines: GridLines | None = None
        pi = self.getPlotItem()
        pi.hideButtons()
        pi.setMenuEnabled(False)          # no PlotItem context menu (pyqtgraph#2497: menus not destroyed)
        vb = pi.getViewBox()
        vb.setMenuEnabled(False)
        vb.disableAutoRange()              # ranges come from the data (pyqtgraph#1039, #2947)
        # the title must not set the plot's minimum width (narrow docks would clip the right axis / colour bar)
        old_title = pi.titleLabel
        pi.layout.removeItem(old_title)
        old_title.setParentItem(None)
        if old_title.scene() is not None:
            old_title.scene().removeItem(old_title)
        pi.titleLabel = TitleLabel("", size=TITLE_SIZE, parent=pi)
        pi.layout.addItem(pi.titleLabel, 0, 0, 1, 3)       # over the axes too: the whole width for the text
        pi.titleLabel.setMaximumHeight(0)
        pi.layout.setRowFixedHeight(0, 0)
        # room on the right for the last x tick label ("+50 %") when no right axis or colour bar is there
        pi.layout.setContentsMargins(2, 2, 18, 2)
        self.setMinimumSize(200, 140)
        # the view paints every exposed pixel (a solid background brush, set in apply_theme), so Qt need not paint
        # the dock and the main window underneath first: that was two extra widget paints per chart update
        self.viewport().setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        # why the chart is empty, in words (a label over the plot; hidden while there is data)
        self.reason_label = QtWidgets.QLabel("", self)
        self.reason_label.setObjectName("chartEmptyReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.reason_label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.reason_label.hide()

    def static_items(self) -> list[Any]:
        """Items a data update leaves as they are: drawn from a pixmap cache (charts/cache.py)."""
        pi = self.getPlotItem()
        return [pi.getAxis(n) for n in ("left", "bottom", "right", "top")] + [pi.legend, self.grid_lines]

    def showEvent(self, ev: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(ev)
        if not getattr(self, "_static_cached", False):
            self._static_cached = True
            from .cache import cache_static
            cache_static(self.static_items())

    # -- theme -------------------------------------------------------------------------------------------------------
    @property
    def theme(self) -> Any:
        return self._theme

    def apply_theme(self, theme: Any) -> None:
        """Recolour the background, axes, legend, crosshair and every data item from ``theme``."""
        self._theme = theme
        self.setBackground(qcolor(theme.background))
        pi = self.getPlotItem()
        for name in ("left", "bottom", "right", "top"):
            axis = pi.getAxis(name)
            axis.setPen(cosmetic_pen(theme.muted))
            axis.setTextPen(qcolor(theme.foreground))
            if axis.labelText:
                axis.setLabel(axis.labelText, units=axis.labelUnits or None, color=theme.foreground,
                              **{"font-size": f"{LABEL_FONT_PT}pt"})
        self._set_title(self._title)
        if self.grid_lines is not None:
            self.grid_lines.set_colour(theme.muted, theme.background)
        legend = pi.legend
        if legend is not None:
            below = getattr(self, "_legend_below", False)
            legend.setBrush(qcolor(theme.surface, 0 if below else 220))
            legend.setPen(cosmetic_pen(theme.grid, alpha=0 if below else None))
            legend.setLabelTextColor(qcolor(theme.foreground))
            for _sample, label in legend.items:      # setLabelTextColor only stores the colour: re-render
                label.setText(label.text, color=qcolor(theme.foreground))
        self._apply_theme_items(theme)

    def _apply_theme_items(self, theme: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _set_title(self, text: str) -> None:
        self._title = text
        shown = (text, self._theme.foreground)
        if self._title_shown == shown:
            return          # setTitle re-lays out the plot: skip it on live updates that keep the same title
        self._title_shown = shown
        pi = self.getPlotItem()
        pi.setTitle(text or None, color=self._theme.foreground, size=TITLE_SIZE)

    def _show_grid(self, x: bool, y: bool, alpha: float = 0.25) -> None:
        """Grid lines at the bottom (x) and left (y) axis ticks, drawn by a ``GridLines`` item rather than by the
        axes (see grid.py: an axis drawing the grid is repainted with every data change)."""
        pi = self.getPlotItem()
        if self.grid_lines is None:
            self.grid_lines = GridLines(pi.getViewBox(), pi.getAxis("bottom"), pi.getAxis("left"), alpha,
                                        self._theme.muted, self._theme.background)
        self.grid_lines.set_axes(x, y)

    def _set_axis_label(self, name: str, text: str) -> None:
        self.getPlotItem().setLabel(name, text, color=self._theme.foreground, **{"font-size": f"{LABEL_FONT_PT}pt"})

    def _add_legend(self, columns: int = 1, offset: tuple[int, int] = (10, 10), below: bool = False) -> pg.LegendItem:
        """The plot's legend: floating in the view (top-left), or ``below`` the bottom axis in the PlotItem layout,
        where it never covers data; a legend below re-flows to fewer columns when the plot gets narrow."""
        pi = self.getPlotItem()
        if not below:
            return pi.addLegend(offset=offset, colCount=columns, labelTextSize=f"{LABEL_FONT_PT}pt", verSpacing=-4)
        legend = pg.LegendItem(colCount=columns, labelTextSize=f"{LABEL_FONT_PT}pt", verSpacing=-6)
        # under the axes too (all three columns), and never wider than the plot: a legend's minimum width made
        # the PlotItem wider than a 215-pixel chart and pushed the right axis out of view (1280x720)
        pi.layout.addItem(legend, 4, 0, 1, 3)
        legend.setMinimumWidth(0)
        # compact and left-aligned instead of stretched over the whole width
        legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Fixed)
        pi.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        pi.legend = legend               # PlotItem.addItem(name=...) adds entries to it
        self._legend_below = True
        self._legend_max_columns = columns
        return legend

    def _fit_legend(self, total_width: float | None = None, total_height: float | None = None) -> None:
        """Re-flow a legend below the plot to as many columns (up to the initial count) as fit ``total_width``
        (default: the widget's width). Its minimum width would otherwise widen the plot beyond the widget.

        When the legend would take more than LEGEND_MAX_SHARE of the height (a small window), it is folded away
        (zero height, transparent) so the plot keeps its room; the crosshair's read-out still names each series."""
        if not getattr(self, "_legend_below", False):
            return
        pi = self.getPlotItem()
        legend = pi.legend
        if legend is None or not legend.items:
            return
        width = float(self.width() if total_width is None else total_width) - 24     # the layout's margins
        widest = max(sample.boundingRect().width() + label.item.boundingRect().width() + 8
                     for sample, label in legend.items)
        cols = int(max(1, min(self._legend_max_columns, width // max(widest, 1.0))))
        if cols != legend.columnCount:
            legend.setColumnCount(cols)
        height = float(self.height() if total_height is None else total_height)
        rows = math.ceil(len(legend.items) / cols)
        fits = rows * LEGEND_ROW_PX <= LEGEND_MAX_SHARE * height and widest <= width
        if fits != getattr(self, "_legend_fits", True):
            self._legend_fits = fits
            legend.setMaximumHeight(QWIDGETSIZE_MAX if fits else 0)
            legend.setOpacity(1.0 if fits else 0.0)

    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        self._fit_legend()
        super().resizeEvent(ev)
        self._place_reason()

    def set_empty_reason(self, text: str) -> None:
        """Say in words why the chart is empty ("" hides the text)."""
        style = f"color: {self._theme.muted}; background: transparent; font-size: 11pt;"
        if (text, style) == getattr(self, "_reason_shown", None):   # setStyleSheet re-polishes even when equal
            return
        self._reason_shown = (text, style)
        self.reason_label.setText(text)
        self.reason_label.setStyleSheet(style)
        self.reason_label.setVisible(bool(text))
        self._place_reason()

    def empty_reason(self) -> str:
        return self.reason_label.text() if self.reason_label.isVisible() else ""

    def _place_reason(self) -> None:
        label = getattr(self, "reason_label", None)        # resizeEvent also runs inside PlotWidget.__init__
        if label is not None and label.isVisible():
            margin = max(12, self.width() // 10)
            label.setGeometry(margin, 0, max(40, self.width() - 2 * margin), self.height())

    def _set_view(self, x_range: tuple[float, float], y_range: tuple[float, float],
                  viewbox: pg.ViewBox | None = None) -> None:
        vb = viewbox or self.getPlotItem().getViewBox()
        target = vb.state["targetRange"]
        if (vb.state["autoRange"] == [False, False] and list(x_range) == target[0] and list(y_range) == target[1]
                and not vb._matrixNeedsUpdate):
            return          # unchanged: setRange would still recompute the view and re-emit its signals
        vb.setRange(xRange=x_range, yRange=y_range, padding=0, update=True)
        # Apply the new transform now rather than in the paint pass: pyqtgraph defers it to the scene's
        # sigPrepareForPaint, where the view and each TextItem (which keeps a constant pixel size by following it)
        # re-transform *while painting*, dirtying the scene again and costing a second full repaint of the chart.
        vb.updateMatrix()
        for item in vb.addedItems:
            if isinstance(item, pg.TextItem):
                item.updateTransform()

    # share of the held span the data must still fill; room added on the side the data grew out of; room on both
    # sides when the range is refitted (live updates only, see _held_y)
    HOLD_MIN_FILL = 0.5
    HOLD_GROWTH_ROOM = 0.5
    HOLD_REFIT_ROOM = 0.1

    def _held_y(self, lo: float, hi: float, live: bool) -> tuple[float, float]:
        """The y range to show for data padded to ``[lo, hi]``.

        Not live: exactly ``[lo, hi]`` (what the view fits to after any committed change). Live (a drag preview):
        the range shown so far is kept while the data stay inside it and fill at least ``HOLD_MIN_FILL`` of it.
        When they grow out of it, it extends on that side by ``HOLD_GROWTH_ROOM`` of the data's span (a drag pushes
        the P&L one way: a few extensions cover a whole drag); when they shrink below the fill, it is refitted with
        ``HOLD_REFIT_ROOM`` on each side. A steady axis is easier to read while dragging, and a frame that keeps its
        range redraws neither axis nor grid (a range change made a drag step ~3 ms dearer).
        """
        held = self._y_hold
        if live and held is not None:
            h0, h1 = held
            span = hi - lo
            if h0 <= lo and hi <= h1 and span >= self.HOLD_MIN_FILL * (h1 - h0):
                return held
            grown = (min(lo - self.HOLD_GROWTH_ROOM * span, h0) if lo < h0 else h0,
                     max(hi + self.HOLD_GROWTH_ROOM * span, h1) if hi > h1 else h1)
            if (lo < h0 or hi > h1) and span >= self.HOLD_MIN_FILL * (grown[1] - grown[0]):
                lo, hi = grown
            else:
                room = self.HOLD_REFIT_ROOM * span
                lo, hi = lo - room, hi + room
        self._y_hold = (lo, hi)
        return lo, hi

    def view_range(self) -> list[list[float]]:
        return self.getPlotItem().getViewBox().viewRange()

    # -- crosshair ---------------------------------------------------------------------------------------------------
    def leaveEvent(self, ev: QtCore.QEvent) -> None:
        crosshair = getattr(self, "crosshair", None)
        if crosshair is not None:
            crosshair.hide()
        super().leaveEvent(ev)

    # -- export ------------------------------------------------------------------------------------------------------
    def render_image(self, width: int = 1200, height: int = 700) -> QtGui.QImage:
        """Render the chart at exactly ``width`` x ``height`` pixels, shown or not (offscreen-safe).

        The central PlotItem is laid out at the requested size, the scene is painted into a QImage filled with the
        theme background, and the previous geometry is restored. The widget itself is not resized.
        """
        width, height = int(width), int(height)
        if width <= 0 or height <= 0:
            raise ValueError(f"export size must be positive, got {width}x{height}")
        central = self.getPlotItem()
        old = central.geometry()
        target = QtCore.QRectF(0, 0, width, height)
        try:
            self._fit_legend(width, height)
            central.setGeometry(target)
            # deliver pending layout requests (legend, axes) so an unshown widget is laid out too
            QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
            central.layout.activate()
            image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(qcolor(self._theme.background))
            painter = QtGui.QPainter(image)
            try:
                painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
                painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
                self.scene().render(painter, target, target)
            finally:
                painter.end()
        finally:
            self._fit_legend()
            central.setGeometry(old)
            central.layout.activate()
        return image

    def export_png(self, path: Any, width: int = 1200, height: int = 700) -> str:
        """Write the chart as a ``width`` x ``height`` PNG to ``path``; returns the path as a string."""
        image = self.render_image(width, height)
        path = str(path)
        if not image.save(path, "PNG"):
            raise OSError(f"{path}: could not write PNG")
        return path


def set_text(item: pg.TextItem, text: str) -> None:
    """``item.setText(text)`` unless it already shows ``text``: setText re-lays out the text document."""
    if item.toPlainText() != text:
        item.setText(text)


def nearest_index(values: np.ndarray, x: float) -> int:
    """Index of the element of a 1-D array nearest to ``x`` (non-finite elements ignored); -1 if none."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return -1
    d = np.abs(v - x)
    d[~np.isfinite(d)] = np.inf
    i = int(np.argmin(d))
    return i if math.isfinite(d[i]) else -1


def swatch(colour: str, text: str) -> str:
    """HTML snippet: a coloured square followed by text (for readouts)."""
    return f'<span style="color:{colour}">\u25a0</span>&nbsp;{text}'
