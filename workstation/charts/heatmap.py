"""Heatmap of P&L over an index-move x vol-shift grid, with a colour bar centred on zero."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ._base import ChartBase, cosmetic_pen, nearest_index, nice_ceil, qcolor
from .axes import CompactAxis, PercentAxis, VolPointsAxis
from .contour import zero_contour
from .crosshair import Crosshair, SnapResult
from .format import fmt_pct, fmt_usd, fmt_vol_pts
from .markers import MarkerLayer, MarkerStyle, marker_pen
from .path_curve import PathCurve


LIVE_LEVEL_ROOM = 1.5        # a live colour scale that must grow takes this much room over max |P&L|


def _redness(c: QtGui.QColor) -> float:
    return c.redF() - max(c.greenF(), c.blueF())


def diverging_colormap(theme: Any) -> pg.ColorMap:
    """The theme's heatmap colour map, oriented so that losses (low end) are the redder end.

    ``theme.heatmap`` names a pyqtgraph colour map (e.g. "CET-D1", blue-white-red). A P&L map reads best with losses
    red, so the map is reversed when its high end is redder than its low end. If the name cannot be loaded, a
    diverging map is built from theme.negative -> theme.surface -> theme.positive.
    """
    cmap: pg.ColorMap | None = None
    name = getattr(theme, "heatmap", "") or ""
    if name:
        try:
            cmap = pg.colormap.get(name, skipCache=True)   # a private copy: reverse() is in place
        except (FileNotFoundError, KeyError, ValueError, OSError):
            cmap = None
    if cmap is None:
        return pg.ColorMap(pos=[0.0, 0.5, 1.0], color=[qcolor(theme.negative), qcolor(theme.surface),
                                                       qcolor(theme.positive)])
    lo, hi = cmap.map(0.0, mode=pg.ColorMap.QCOLOR), cmap.map(1.0, mode=pg.ColorMap.QCOLOR)
    if _redness(hi) > _redness(lo):
        cmap.reverse()
    return cmap


def _compact_ticks(values: list[float], scale: float, spacing: float) -> list[str]:
    return [CompactAxis.format_value(None, v, spacing) for v in values]  # type: ignore[arg-type]


def _cell_rect(moves: np.ndarray, vols: np.ndarray) -> QtCore.QRectF:
    """Rectangle in axis units whose pixels are centred on the grid values (uniform steps assumed)."""
    dx = (moves[-1] - moves[0]) / (moves.size - 1) if moves.size > 1 else 0.01
    dy = (vols[-1] - vols[0]) / (vols.size - 1) if vols.size > 1 else 0.01
    return QtCore.QRectF(float(moves[0] - dx / 2), float(vols[0] - dy / 2), float(dx * moves.size),
                         float(dy * vols.size))


class HeatmapChart(ChartBase):
    """P&L (colour) over index move (x, %) and absolute vol shift (y, shown in vol points).

    Items (created once): one ``ImageItem`` (row-major: rows = vol shifts), a non-interactive ``ColorBarItem`` with
    levels symmetric around 0, the zero-P&L contour (polylines from ``contour.zero_contour``), a marker at the current state (0, 0) and the
    crosshair readout of (move, vol shift, P&L).
    """

    OBJECT_NAME = "heatmapChart"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, axisItems={"bottom": PercentAxis("bottom"), "left": VolPointsAxis("left")})
        pi = self.getPlotItem()
        self._set_axis_label("bottom", "Index move")
        self._set_axis_label("left", "Vol shift (vol points)")
        self.image = pg.ImageItem(axisOrder="row-major")
        pi.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(-1.0, 1.0), width=16, interactive=False, label="P&L (USD)",
                                        colorMapMenu=False)
        self.colorbar.axis.enableAutoSIPrefix(False)
        self.colorbar.axis.tickStrings = _compact_ticks    # instance override: 1.2k / 3.4M tick text
        self.colorbar.axis.setStyle(maxTickLevel=1)          # no third tick level: never labelled, still formatted
        self.colorbar.setImageItem(self.image, insert_in=pi)
        # one native path item (path_curve.py): a PlotCurveItem's setData and paint cost ~0.5-0.8 ms a drag step
        self.zero_contour = PathCurve()
        self.zero_contour.setParentItem(self.image)      # contour in image pixel coordinates, follows setRect
        self.zero_contour.setZValue(5)
        self.zero_contour.setPos(0.5, 0.5)                 # segment ends are cell indices; pixels centre at +0.5
        self.markers = MarkerLayer(pi.getViewBox())       # the current state (0, 0); see markers.py
        self.crosshair = Crosshair(self, self._snap)
        self._moves = np.empty(0)
        self._vols = np.empty(0)
        self._grid = np.empty((0, 0))
        self._image_placed: tuple[QtCore.QRectF, tuple[int, ...]] | None = None
        self.apply_theme(self._theme)
        self.clear()

    def _apply_theme_items(self, theme: Any) -> None:
        self.colorbar.setColorMap(diverging_colormap(theme))
        for key in ("left", "right", "top", "bottom"):
            axis = self.colorbar.getAxis(key)
            axis.setPen(cosmetic_pen(theme.muted))
            axis.setTextPen(qcolor(theme.foreground))
        # ColorBarItem puts its label on the left axis of the bar
        self.colorbar.getAxis("left").setLabel("P&L (USD)", color=theme.foreground, **{"font-size": "9pt"})
        # the contour and the marker sit on the image, whose middle (P&L ~ 0) is light for diverging maps: use the
        # darker of the theme's background / foreground so they stay visible in both themes
        ink = min(theme.background, theme.foreground, key=lambda c: QtGui.QColor(c).lightnessF())
        self.zero_contour.setPen(cosmetic_pen(ink, QtCore.Qt.PenStyle.DashLine))
        self._current_style = MarkerStyle("+", 14, marker_pen(ink), pg.mkBrush(ink))
        x, y = self.markers.data("current")
        self.markers.set_group("current", x, y, self._current_style)
        self.crosshair.apply_theme(theme)

    def show_grid(self, moves: np.ndarray, vol_shifts: np.ndarray, grid: np.ndarray, live: bool = False,
                  contour: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, title: str = "") -> None:
        """Show ``grid`` (n_vol, n_moves) P&L in USD, as returned by ``engine.api.pnl_grid``.

        ``moves`` are index moves and ``vol_shifts`` absolute vol shifts, both as fractions (0.10 = +10 % /
        +10 vol points, the engine's units), ascending and evenly spaced; the axes show % and vol points. Colour
        levels are ``(-L, +L)`` with ``L = nice_ceil(max |P&L|)`` over the finite cells: a round number, which also
        keeps the colour scale (and its axis) still while a drag moves the P&L inside it. ``live`` (a drag preview)
        keeps the current scale while max |P&L| stays between half of it and all of it, and otherwise rounds up
        from ``LIVE_LEVEL_ROOM`` x max |P&L|, so that a whole drag changes the scale only a few times.
        ``contour``: ``contour.zero_contour(grid)`` when already traced (the compute worker does), else traced here."""
        moves = np.asarray(moves, dtype=float)
        vols = np.asarray(vol_shifts, dtype=float)
        grid = np.asarray(grid, dtype=float)
        if moves.ndim != 1 or vols.ndim != 1 or grid.shape != (vols.size, moves.size) or grid.size == 0:
            raise ValueError(f"show_grid: expected moves (n_m,), vol_shifts (n_v,), grid (n_v, n_m); got "
                             f"{moves.shape}, {vols.shape}, {grid.shape}")
        for name, arr in (("moves", moves), ("vol_shifts", vols)):
            if not np.isfinite(arr).all() or (arr.size > 1 and not (np.diff(arr) > 0).all()):
                raise ValueError(f"show_grid: {name} must be finite and strictly ascending")
        current = float(self.colorbar.levels()[1]) if self._grid.size else 0.0    # the scale shown now, if any
        self._moves, self._vols, self._grid = moves, vols, grid
        finite = grid[np.isfinite(grid)]
        level = float(np.max(np.abs(finite))) if finite.size else 0.0
        if live and current > 0.0 and 0.5 * current <= level <= current:
            level = current
        elif level > 0.0:
            level = nice_ceil(level * (LIVE_LEVEL_ROOM if live else 1.0))
        else:
            level = 1.0
        levels = (-level, level)
        self.image.setImage(grid, autoLevels=False, levels=levels)
        if tuple(self.colorbar.levels()) != levels:       # setLevels redraws the bar's axis even when equal
            self.colorbar.setLevels(levels)
        rect = _cell_rect(moves, vols)
        placed = (rect, grid.shape)          # setRect's transform scales the rectangle by the image's shape
        if placed != self._image_placed:     # setRect re-transforms the image and its contour: only on a change
            self._image_placed = placed
            self.image.setRect(rect)
        x, y, connect = contour if contour is not None else zero_contour(grid)   # x = move index, y = vol index
        self.zero_contour.setData(x, y, connect=connect)
        inside = moves[0] <= 0 <= moves[-1] and vols[0] <= 0 <= vols[-1]
        if inside != (len(self.markers.data("current")[0]) == 1):
            self.markers.set_group("current", [0.0] if inside else [], [0.0] if inside else [], self._current_style)
        self._set_view((rect.left(), rect.right()), (rect.top(), rect.bottom()))
        self._set_title(title or "P&L: index move \u00d7 vol")
        self.set_empty_reason("")
        self.crosshair.hide()

    def levels(self) -> tuple[float, float]:
        lv = self.image.getLevels()
        return (float(lv[0]), float(lv[1]))

    def clear(self, reason: str = "") -> None:
        """Empty the chart; ``reason`` says why, in the middle. The colour scale goes back to neutral."""
        self._moves, self._vols, self._grid = np.empty(0), np.empty(0), np.empty((0, 0))
        self.colorbar.setLevels((-1.0, 1.0))
        self.image.clear()
        self._image_placed = None
        self.zero_contour.setData([], [])
        self.markers.set_group("current", [], [], self._current_style)
        self.crosshair.hide()
        self._set_title("P&L heatmap")
        self._set_view((-0.2, 0.2), (-0.3, 0.3))
        self.set_empty_reason(reason)

    def _snap(self, x: float, y: float) -> SnapResult | None:
        i = nearest_index(self._moves, x)
        j = nearest_index(self._vols, y)
        if i < 0 or j < 0:
            return None
        value = float(self._grid[j, i])
        colour = self._theme.negative if value < 0 else self._theme.positive
        html = (f"move <b>{fmt_pct(self._moves[i], 1)}</b>, vol <b>{fmt_vol_pts(self._vols[j] * 100, 1)}</b><br>"
                f'P&amp;L <b><span style="color:{colour}">{fmt_usd(value)}</span></b>')
        return float(self._moves[i]), float(self._vols[j]), html
