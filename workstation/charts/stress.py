"""Stress chart: P&L of one risk unit (or, in multi-currency mode, one underlying) against the index move, for the
three MR1 vol states."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ._base import ChartBase, cosmetic_pen, finite_values, nearest_index, padded, qcolor, set_text, swatch
from .axes import CompactAxis, PercentAxis
from .boxed_text import BoxedText
from .crosshair import Crosshair, SnapResult
from .format import fmt_pct, fmt_usd
from .markers import MarkerLayer, MarkerStyle, marker_pen
from .path_curve import PathCurve

VOL_STATES = ("down", "same", "up")
GRID_SIZE, MR6_SIZE, WORST_SIZE = 7, 12, 20          # marker sizes in pixels
_STATE_ROW = {s: i for i, s in enumerate(VOL_STATES)}


class StressChart(ChartBase):
    """P&L (USD) against index move (%) for the selected risk unit.

    Items (created once): three curves (vol down / same / up), one ``MarkerLayer`` with the 3 x 7 MR1 grid points, the
    two MR6 extreme points and the MR1 worst point, the worst point's text label, a zero line, a legend and a
    crosshair.
    """

    OBJECT_NAME = "stressChart"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, axisItems={"bottom": PercentAxis("bottom"), "left": CompactAxis("left")})
        pi = self.getPlotItem()
        self._show_grid(x=True, y=True)
        self._set_axis_label("bottom", "Index move")
        self._set_axis_label("left", "P&L (USD)")

        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.zero_line.setZValue(-10)
        pi.addItem(self.zero_line, ignoreBounds=True)

        self.legend = self._add_legend(columns=3, below=True)
        # native path items (path_curve.py), not PlotCurveItem / PlotDataItem: plain lines, redrawn at every drag
        # step, whose update and paint pyqtgraph's items ran through Python (PlotDataItem about twice PlotCurveItem)
        self.curves: dict[str, PathCurve] = {}
        for state in VOL_STATES:
            curve = PathCurve(name=f"vol {state}")
            pi.addItem(curve)
            self.legend.addItem(curve, curve.name())     # PlotItem names only its own data items in the legend
            self.curves[state] = curve
        # the MR1 grid, MR6 and worst-case points: one MarkerLayer (markers.py: three ScatterPlotItems cost about a
        # tenth of a drag frame); the legend shows samples of the same symbols
        self.markers = MarkerLayer(pi.getViewBox())
        self._legend_samples = {name: pg.ScatterPlotItem(symbol=symbol, size=size)
                                for name, symbol, size in (("MR1 grid", "o", GRID_SIZE), ("MR6 extreme", "d", MR6_SIZE),
                                                           ("MR1 worst", "star", WORST_SIZE))}
        for name, sample in self._legend_samples.items():
            self.legend.addItem(sample, name)
        self._styles: dict[str, Any] = {}
        self.worst_label = BoxedText(anchor=(0, 1))          # boxed_text.py: the box without a slow polygon
        font = QtGui.QFont()
        font.setPointSize(9)
        font.setBold(True)
        self.worst_label.setFont(font)
        # QGraphicsTextItem pads its text by the document margin on each side
        self._label_margin = 2.0 * self.worst_label.textItem.document().documentMargin()
        self.worst_label.setZValue(7)
        pi.addItem(self.worst_label, ignoreBounds=True)
        self.worst_label.hide()

        self.crosshair = Crosshair(self, self._snap)
        pi.getViewBox().sigResized.connect(self._place_worst_label)
        self._moves = np.empty(0)
        self._pnl = np.empty((3, 0))
        self._unit: Any = None
        self._held_unit: str | None = None
        self.apply_theme(self._theme)
        self.clear()

    # ------------------------------------------------------------------------------------------------------------
    def _apply_theme_items(self, theme: Any) -> None:
        colours = {"down": theme.vol_down, "same": theme.vol_same, "up": theme.vol_up}
        for state, curve in self.curves.items():
            curve.setPen(cosmetic_pen(colours[state]))
        self.zero_line.setPen(cosmetic_pen(theme.muted, QtCore.Qt.PenStyle.DashLine))
        # one style per vol state, shared by the 21 grid points
        self._styles = {
            "grid": [MarkerStyle("o", GRID_SIZE, marker_pen(theme.surface), pg.mkBrush(colours[s])) for s in VOL_STATES],
            "mr6": MarkerStyle("d", MR6_SIZE, marker_pen(theme.foreground), pg.mkBrush(theme.warning)),
            "worst": MarkerStyle("star", WORST_SIZE, marker_pen(theme.foreground), pg.mkBrush(theme.negative)),
        }
        samples = self._legend_samples
        samples["MR1 grid"].setPen(cosmetic_pen(theme.surface))
        samples["MR1 grid"].setBrush(pg.mkBrush(theme.muted))        # the points themselves get per-state colours
        samples["MR6 extreme"].setPen(cosmetic_pen(theme.foreground))
        samples["MR6 extreme"].setBrush(pg.mkBrush(theme.warning))
        samples["MR1 worst"].setPen(cosmetic_pen(theme.foreground))
        samples["MR1 worst"].setBrush(pg.mkBrush(theme.negative))
        self.worst_label.setColor(qcolor(theme.negative))
        self.worst_label.fill = pg.mkBrush(qcolor(theme.surface, 215))
        self.worst_label.border = pg.mkPen(cosmetic_pen(theme.grid))
        self.worst_label.update()
        self.crosshair.apply_theme(theme)
        if self._unit is not None:
            self._update_points()
        # legend swatches repaint from the items' opts
        if self.legend is not None:
            self.legend.update()

    # ------------------------------------------------------------------------------------------------------------
    def show_unit(self, moves: np.ndarray, pnl: np.ndarray, unit: Any, live: bool = False) -> None:
        """Show the stress curves ``pnl`` (3, n) over ``moves`` (n,) and the MR1/MR6 points of ``unit``.

        ``unit`` is an ``engine.result.UnitResult`` (mr1_moves, mr1_pnl, mr1_final, mr6_moves, mr6_pnl, risk_unit).
        Moves are fractions (0.12 = +12 %); the x axis shows percent. ``live`` (a drag preview) keeps the P&L axis
        while the curves stay well inside it (``ChartBase._held_y``).
        """
        moves = np.asarray(moves, dtype=float)
        pnl = np.asarray(pnl, dtype=float)
        if moves.ndim != 1 or pnl.shape != (3, moves.size):
            raise ValueError(f"show_unit: expected moves (n,) and pnl (3, n), got {moves.shape} and {pnl.shape}")
        self._moves, self._pnl, self._unit = moves, pnl, unit
        finite = bool(np.isfinite(moves).all() and np.isfinite(pnl).all())
        for i, state in enumerate(VOL_STATES):
            self.curves[state].setData(moves, pnl[i], connect="all" if finite else "finite", skipFiniteCheck=finite)
        self._update_points()
        mr6_moves = np.asarray(unit.mr6_moves, dtype=float)
        mr6_pnl = np.asarray(unit.mr6_pnl, dtype=float)
        fin = unit.mr1_final
        self._set_title(f"Stress P&L \u2014 {unit.risk_unit}")

        xs = finite_values(moves, unit.mr1_moves, mr6_moves)
        ys = finite_values(pnl, unit.mr1_pnl, mr6_pnl, [0.0, fin.pnl])
        x_range = padded(float(xs.min()), float(xs.max()), 0.04) if xs.size else (-0.2, 0.2)
        y_range = padded(float(ys.min()), float(ys.max()), 0.08, 0.1) if ys.size else (-1.0, 1.0)
        self._set_view(x_range, self._held_y(*y_range, live=live and unit.risk_unit == self._held_unit))
        self._held_unit = unit.risk_unit
        self._place_worst_label()
        self._legend_markers(True)
        self.set_empty_reason("")
        self.crosshair.hide()

    def show_pnl(self, moves: np.ndarray, pnl: np.ndarray, title: str, live: bool = False) -> None:
        """Curves only (no MR1/MR6 points): the P&L ``pnl`` (3, n) of an underlying's positions in multi-currency
        mode, where there are no risk units and so no MR1 grid."""
        moves = np.asarray(moves, dtype=float)
        pnl = np.asarray(pnl, dtype=float)
        if moves.ndim != 1 or pnl.shape != (3, moves.size):
            raise ValueError(f"show_pnl: expected moves (n,) and pnl (3, n), got {moves.shape} and {pnl.shape}")
        self._moves, self._pnl, self._unit = moves, pnl, None
        finite = bool(np.isfinite(moves).all() and np.isfinite(pnl).all())
        for i, state in enumerate(VOL_STATES):
            self.curves[state].setData(moves, pnl[i], connect="all" if finite else "finite", skipFiniteCheck=finite)
        for name in ("grid", "mr6", "worst"):
            self.markers.set_group(name, [], [], [])
        self.worst_label.hide()
        self._set_title(title)
        xs, ys = finite_values(moves), finite_values(pnl, [0.0])
        x_range = padded(float(xs.min()), float(xs.max()), 0.04) if xs.size else (-0.2, 0.2)
        y_range = padded(float(ys.min()), float(ys.max()), 0.08, 0.1) if ys.size else (-1.0, 1.0)
        self._set_view(x_range, self._held_y(*y_range, live=live and title == self._held_unit))
        self._held_unit = title
        self._legend_markers(False)
        self.set_empty_reason("")
        self.crosshair.hide()

    def _legend_markers(self, show: bool) -> None:
        """The MR1 grid / MR6 / worst samples in the legend only when those points are drawn."""
        if self.legend is None:
            return
        present = {label.text for _sample, label in self.legend.items}
        for name, sample in self._legend_samples.items():
            if show and name not in present:
                self.legend.addItem(sample, name)
            elif not show and name in present:
                self.legend.removeItem(sample)

    def _update_points(self) -> None:
        """The 3 x 7 MR1 grid points (one colour per vol state), the MR6 extremes and the MR1 worst case."""
        unit = self._unit
        mr1_moves = np.asarray(unit.mr1_moves, dtype=float)
        mr1_pnl = np.asarray(unit.mr1_pnl, dtype=float)
        n = mr1_moves.size
        if mr1_pnl.shape != (3, n):
            raise ValueError(f"{unit.risk_unit}: mr1_pnl shape {mr1_pnl.shape}, expected (3, {n})")
        styles = self._styles
        self.markers.set_group("grid", np.tile(mr1_moves, 3), mr1_pnl.ravel(),
                               [styles["grid"][i] for i in range(3) for _ in range(n)])
        self.markers.set_group("mr6", np.asarray(unit.mr6_moves, dtype=float), np.asarray(unit.mr6_pnl, dtype=float),
                               styles["mr6"])
        fin = unit.mr1_final
        self.markers.set_group("worst", [float(fin.spot_shock)], [float(fin.pnl)], styles["worst"])

    def _place_worst_label(self) -> None:
        """Put the "MR1 worst" label next to its point, inside the view, wrapped to two lines when narrow.

        Runs after each update and whenever the view is resized (the label's size is in pixels, the view in data
        units), so it also fits in exports at another size.
        """
        unit = self._unit
        if unit is None:
            return
        fin = unit.mr1_final
        x, y = float(fin.spot_shock), float(fin.pnl)
        if not (np.isfinite(x) and np.isfinite(y)):
            self.worst_label.hide()
            return
        vb = self.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        px, py = vb.viewPixelSize()
        vol = f", vol {fin.vol_shock}" if fin.vol_shock else ""
        head, tail = f"MR1 worst: {fmt_usd(fin.pnl)}", f"at {fmt_pct(fin.spot_shock)}{vol}"
        text = f"{head} {tail}"
        # wrapped to two lines when one would take more than 55 % of the view; measured with the font instead of
        # laying the text out twice (setText re-lays out the document: the costliest call of a drag step here)
        metrics = QtGui.QFontMetricsF(self.worst_label.textItem.font())
        one_line = metrics.horizontalAdvance(text) + self._label_margin
        if vb.width() > 50 and one_line > 0.55 * vb.width():
            text = f"{head}\n{tail}"
            # still wider than the view (a quarter of a 1280-pixel window): the figure on a line of its own
            if metrics.horizontalAdvance(head) + self._label_margin > vb.width() - 4:
                text = f"MR1 worst:\n{fmt_usd(fin.pnl)}\n{tail}"
        set_text(self.worst_label, text)
        rect = self.worst_label.textItem.boundingRect()
        w, h = rect.width() * px, rect.height() * py
        gap_x, gap_y = 10 * px, 8 * py
        # above the point when the point is in the lower half, else below; then kept inside the view
        top = y + gap_y + h if y < (y0 + y1) / 2 else y - gap_y
        top = min(max(top, y0 + h + 2 * py), y1 - 2 * py)
        left = x + gap_x if x < (x0 + x1) / 2 else x - gap_x - w
        left = max(min(left, x1 - w - 2 * px), x0 + 2 * px)       # wider than the view: its start stays in view
        if tuple(self.worst_label.anchor) != (0.0, 0.0):     # setAnchor re-measures the text even when equal
            self.worst_label.setAnchor((0, 0))
        self.worst_label.setPos(left, top)
        self.worst_label.show()

    def clear(self, reason: str = "") -> None:
        """Empty every item (items are kept) and reset the view; ``reason`` says why, in the middle."""
        self._moves, self._pnl, self._unit = np.empty(0), np.empty((3, 0)), None
        for curve in self.curves.values():
            curve.setData([], [])
        for name in ("grid", "mr6", "worst"):
            self.markers.set_group(name, [], [], [])
        self.worst_label.hide()
        self.crosshair.hide()
        self._set_title("Stress P&L")
        self._set_view((-0.2, 0.2), (-1.0, 1.0))
        self.set_empty_reason(reason)

    # ------------------------------------------------------------------------------------------------------------
    def _snap(self, x: float, y: float) -> SnapResult | None:
        i = nearest_index(self._moves, x)
        if i < 0:
            return None
        values = self._pnl[:, i]
        theme = self._theme
        colours = (theme.vol_down, theme.vol_same, theme.vol_up)
        # the horizontal line follows the vol state nearest to the mouse
        d = np.abs(values - y)
        d[~np.isfinite(d)] = np.inf
        k = int(np.argmin(d))
        y_snap = float(values[k]) if np.isfinite(values[k]) else 0.0
        lines = [f"<b>move {fmt_pct(self._moves[i], 1)}</b>"]
        for j, state in enumerate(VOL_STATES):
            text = f"vol {state}: {fmt_usd(values[j])}"
            lines.append(swatch(colours[j], f"<b>{text}</b>" if j == k else text))
        return float(self._moves[i]), y_snap, "<br>".join(lines)

    # test/inspection helpers ------------------------------------------------------------------------------------
    def worst_position(self) -> tuple[float, float] | None:
        x, y = self.markers.data("worst")
        return (float(x[0]), float(y[0])) if len(x) else None
