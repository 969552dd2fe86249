"""MMR and margin ratio against the index move (the OKX position-builder graph)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ._base import ChartBase, cosmetic_pen, finite_values, nearest_index, padded, qcolor, swatch
from .axes import CompactAxis, LogRatioAxis, PercentAxis
from .crosshair import Crosshair, SnapResult
from .format import fmt_pct, fmt_ratio, fmt_usd

RATIO_LOG_MIN = -2.0      # ratios are drawn on a log10 axis clipped to [0.01, 10 000]
RATIO_LOG_MAX = 4.0
LIQ_LABEL_POSITIONS = (0.86, 0.70)   # heights (fraction of the view, from the bottom) of the down / up labels


def ratio_to_log(ratio: np.ndarray) -> np.ndarray:
    """log10 of the margin ratio for the right axis; NaN (a gap) where the ratio is undefined, infinite or <= 0."""
    r = np.asarray(ratio, dtype=float)
    ok = np.isfinite(r) & (r > 0)
    out = np.full(r.shape, np.nan)
    out[ok] = np.log10(r[ok])
    return out


def short_pct(x: float) -> str:
    """A liquidation move in whole percent, unless rounding would name another move: -99.8 % read "-100 %" (the
    index at zero) and -0.3 % read "0 %"; those keep one decimal."""
    whole = round(abs(x) * 100)
    return fmt_pct(x, 1 if whole in (0, 100) and abs(abs(x) * 100 - whole) > 1e-9 else 0)


class MarginCurveChart(ChartBase):
    """MMR (USD, left axis) and margin ratio (right axis, log scale, dashed line at 1) against index move.

    Items (created once): MMR curve in the main view; ratio curve, ratio = 1 line and current-ratio marker in a
    second ViewBox linked on x; two liquidation lines (down / up) with labels; the current point (move 0) marker;
    legend and crosshair readout (move, MMR, ratio).
    """

    OBJECT_NAME = "marginCurveChart"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, axisItems={"bottom": PercentAxis("bottom"), "left": CompactAxis("left"),
                                            "right": LogRatioAxis("right")})
        self._ratio_hold: tuple[float, float] | None = None     # the ratio axis of live curves (show_curve)
        pi = self.getPlotItem()
        self._show_grid(x=True, y=True)
        self._set_axis_label("bottom", "Index move (all crypto)")
        self._set_axis_label("left", "MMR (USD)")
        pi.showAxis("right")
        self._set_axis_label("right", "Margin ratio (log)")

        self.ratio_view = pg.ViewBox(enableMenu=False)
        self.ratio_view.disableAutoRange()
        self.ratio_view.setMouseEnabled(x=False, y=False)
        pi.scene().addItem(self.ratio_view)
        pi.getAxis("right").linkToView(self.ratio_view)
        self.ratio_view.setXLink(pi.getViewBox())
        pi.getViewBox().sigResized.connect(self._sync_views)

        self.legend = self._add_legend(columns=3, below=True)
        self.mmr_curve = pg.PlotDataItem(name="MMR")
        pi.addItem(self.mmr_curve)
        self.ratio_curve = pg.PlotDataItem()
        self.ratio_view.addItem(self.ratio_curve)
        self.legend.addItem(self.ratio_curve, "Margin ratio (right)")
        self.ratio_one = pg.InfiniteLine(pos=0.0, angle=0, movable=False,
                                         label="ratio 1", labelOpts={"position": 0.03, "anchors": [(0, 1), (0, 1)]})
        self.ratio_view.addItem(self.ratio_one, ignoreBounds=True)

        self.liq_lines: list[pg.InfiniteLine] = []
        for position in LIQ_LABEL_POSITIONS:      # staggered; _keep_liq_labels_apart moves them apart when they touch
            line = pg.InfiniteLine(angle=90, movable=False, label="",
                                   labelOpts={"position": position, "rotateAxis": None})
            line.setZValue(4)
            pi.addItem(line, ignoreBounds=True)
            line.hide()
            self.liq_lines.append(line)
        self.current_mmr = pg.ScatterPlotItem(symbol="o", size=10, name="Now (move 0)")
        self.current_mmr.setZValue(6)
        pi.addItem(self.current_mmr)
        self.current_ratio = pg.ScatterPlotItem(symbol="o", size=10)
        self.current_ratio.setZValue(6)
        self.ratio_view.addItem(self.current_ratio)

        self.crosshair = Crosshair(self, self._snap)
        self._shocks = np.empty(0)
        self._mmr = np.empty(0)
        self._ratio = np.empty(0)
        self._liq: tuple[float | None, float | None] = (None, None)
        self.apply_theme(self._theme)
        self.clear()

    def _sync_views(self) -> None:
        vb = self.getPlotItem().getViewBox()
        self.ratio_view.setGeometry(vb.sceneBoundingRect())
        self.ratio_view.linkedViewChanged(vb, self.ratio_view.XAxis)
        self._place_liq_labels()

    def render_image(self, width: int = 1200, height: int = 700) -> QtGui.QImage:
        image = super().render_image(width, height)
        self._sync_views()         # the secondary view followed the temporary export geometry: put it back
        return image

    # ------------------------------------------------------------------------------------------------------------
    def _apply_theme_items(self, theme: Any) -> None:
        self.mmr_curve.setPen(cosmetic_pen(theme.accent))
        self.ratio_curve.setPen(cosmetic_pen(theme.warning))
        self.ratio_one.setPen(cosmetic_pen(theme.warning, QtCore.Qt.PenStyle.DashLine))
        self.ratio_one.label.setColor(qcolor(theme.warning))
        for line in self.liq_lines:
            line.setPen(cosmetic_pen(theme.negative, QtCore.Qt.PenStyle.DashLine))
            line.label.setColor(qcolor(theme.negative))
            line.label.fill = pg.mkBrush(qcolor(theme.surface, 215))
            line.label.update()
        self.current_mmr.setPen(cosmetic_pen(theme.surface))
        self.current_mmr.setBrush(pg.mkBrush(theme.accent))
        self.current_ratio.setPen(cosmetic_pen(theme.surface))
        self.current_ratio.setBrush(pg.mkBrush(theme.warning))
        self.crosshair.apply_theme(theme)

    # ------------------------------------------------------------------------------------------------------------
    def show_curve(self, shocks: np.ndarray, mmr: np.ndarray, margin_ratio: np.ndarray,
                   liq_shock: tuple[float | None, float | None] | None = None, live: bool = False) -> None:
        """Show MMR and margin ratio over ``shocks`` (fractions, e.g. -1..1). ``margin_ratio`` may hold NaN/inf
        where undefined (drawn as gaps); ``liq_shock`` = (down, up) index moves where the ratio reaches 1.
        ``live`` (the curve of a held what-if slider) keeps both y axes while the curves stay well inside them."""
        shocks = np.asarray(shocks, dtype=float)
        mmr = np.asarray(mmr, dtype=float)
        ratio = np.asarray(margin_ratio, dtype=float)
        if shocks.ndim != 1 or mmr.shape != shocks.shape or ratio.shape != shocks.shape or shocks.size == 0:
            raise ValueError(f"show_curve: shocks, mmr and margin_ratio must be equal-length 1-D arrays; got "
                             f"{shocks.shape}, {mmr.shape}, {ratio.shape}")
        self._shocks, self._mmr, self._ratio = shocks, mmr, ratio
        self.mmr_curve.setData(shocks, mmr, connect="finite")
        log_ratio = ratio_to_log(ratio)
        self.ratio_curve.setData(shocks, np.clip(log_ratio, RATIO_LOG_MIN - 1, RATIO_LOG_MAX + 1), connect="finite")

        i0 = nearest_index(shocks, 0.0)
        if np.isfinite(mmr[i0]):
            self.current_mmr.setData(x=[shocks[i0]], y=[mmr[i0]])
        else:
            self.current_mmr.setData(x=[], y=[])
        if np.isfinite(log_ratio[i0]):
            self.current_ratio.setData(x=[shocks[i0]], y=[float(np.clip(log_ratio[i0], RATIO_LOG_MIN, RATIO_LOG_MAX))])
        else:
            self.current_ratio.setData(x=[], y=[])

        liq = liq_shock if liq_shock is not None else (None, None)
        self._liq = (liq[0], liq[1])
        for line, value, side in zip(self.liq_lines, self._liq, ("down", "up")):
            if value is None or not np.isfinite(value):
                line.hide()
                continue
            line.setPos(float(value))
            line.show()
        xs = finite_values(shocks, [v for v in self._liq if v is not None])
        x_range = padded(float(xs.min()), float(xs.max()), 0.02)
        ys = finite_values(mmr, [0.0])
        y_range = padded(float(ys.min()), float(ys.max()), 0.02, 0.12) if ys.size else (0.0, 1.0)
        self._set_view(x_range, self._held_y(*y_range, live=live))
        self._place_liq_labels()
        lr = log_ratio[np.isfinite(log_ratio)]
        lo = float(np.clip(min(lr.min(), 0.0), RATIO_LOG_MIN, 0.0)) if lr.size else -1.0
        hi = float(np.clip(max(lr.max(), 0.0), 0.0, RATIO_LOG_MAX)) if lr.size else 1.0
        span = max(hi - lo, 1.0)
        ratio_range = (lo - 0.05 * span, hi + 0.12 * span)
        held = self._ratio_hold
        if not (live and held is not None and held[0] <= ratio_range[0] and ratio_range[1] <= held[1]
                and ratio_range[1] - ratio_range[0] >= self.HOLD_MIN_FILL * (held[1] - held[0])):
            self._ratio_hold = ratio_range        # else the held range: no axis regenerated, no re-transform
            self.ratio_view.setRange(yRange=ratio_range, padding=0)
        self._set_title("MMR and margin ratio")
        self.set_empty_reason("")
        self.crosshair.hide()

    def _place_liq_labels(self) -> None:
        """Each label on the outer side of its line (down: left, up: right); in a narrow plot it shortens to
        "liq. −22 %", and goes inside only when even that does not fit outside. Re-run on every resize."""
        if not hasattr(self, "liq_lines"):        # resize signals during __init__
            return
        vb = self.getPlotItem().getViewBox()
        (x0, x1), _ = vb.viewRange()
        px = vb.viewPixelSize()[0]
        for line, side in zip(self.liq_lines, ("down", "up")):
            if not line.isVisible():
                continue
            x = float(line.value())
            room_left, room_right = (x - x0) / px, (x1 - x) / px          # pixels
            outward_left = x < 0
            outward_room = room_left if outward_left else room_right
            left = outward_left
            # full text outside, else the short text outside, else the short text inside
            line.label.setFormat(f"Liquidation {side}\n{fmt_pct(x, 1)}")
            if line.label.boundingRect().width() + 8 > outward_room:
                line.label.setFormat(f"liq. {short_pct(x)}")
                if line.label.boundingRect().width() + 8 > outward_room:
                    left = not outward_left
            # anchor (1, .5): the label ends at the line (on its left); (0, .5): it starts there
            anchor = (1.04, 0.5) if left else (-0.04, 0.5)
            line.label.anchors = [anchor, anchor]
            line.label.setPosition(LIQ_LABEL_POSITIONS[side == "up"])
        self._keep_liq_labels_apart()

    def _keep_liq_labels_apart(self) -> None:
        """When the two labels touch (lines close together, a short chart, a label put inside), the "up" label moves
        down the line to the first height where it clears the other with a few pixels to spare, within the view;
        if no height clears it, both take the short text and the search runs again."""
        down, up = self.liq_lines
        if not (down.isVisible() and up.isVisible()):
            return
        view = self.getPlotItem().getViewBox().sceneBoundingRect()

        def clear() -> bool:
            a = down.label.sceneBoundingRect().adjusted(-3, -3, 3, 3)
            b = up.label.sceneBoundingRect()
            return not a.intersects(b) and view.top() <= b.top() and b.bottom() <= view.bottom()

        for shorten in (False, True):
            if shorten:
                for line in (down, up):
                    line.label.setFormat(f"liq. {short_pct(float(line.value()))}")
                down.label.setPosition(LIQ_LABEL_POSITIONS[0])
            for position in np.linspace(LIQ_LABEL_POSITIONS[1], 0.04, 24):
                up.label.setPosition(float(position))
                if clear():
                    return
        up.label.setPosition(LIQ_LABEL_POSITIONS[1])        # nowhere clear (a strip of a chart): as placed first

    def clear(self, reason: str = "") -> None:
        """Empty the chart; ``reason`` says why, in the middle."""
        self._shocks, self._mmr, self._ratio = np.empty(0), np.empty(0), np.empty(0)
        self._liq = (None, None)
        self.mmr_curve.setData([], [])
        self.ratio_curve.setData([], [])
        self.current_mmr.setData(x=[], y=[])
        self.current_ratio.setData(x=[], y=[])
        for line in self.liq_lines:
            line.hide()
        self.crosshair.hide()
        self._set_title("MMR and margin ratio")
        self._set_view((-1.0, 1.0), (0.0, 1.0))
        self.ratio_view.setRange(yRange=(-1.0, 1.0), padding=0)
        self.set_empty_reason(reason)

    def liquidation_positions(self) -> list[float | None]:
        return [float(line.value()) if line.isVisible() else None for line in self.liq_lines]

    def ratio_range(self) -> list[float]:
        return list(self.ratio_view.viewRange()[1])

    # ------------------------------------------------------------------------------------------------------------
    def _snap(self, x: float, y: float) -> SnapResult | None:
        i = nearest_index(self._shocks, x)
        if i < 0:
            return None
        theme = self._theme
        ratio = self._ratio[i]
        lines = [f"<b>move {fmt_pct(self._shocks[i], 1)}</b>",
                 swatch(theme.accent, f"MMR: {fmt_usd(self._mmr[i])}"),
                 swatch(theme.warning, f"margin ratio: {fmt_ratio(ratio)}")]
        if np.isfinite(ratio) and ratio <= 1.0:
            lines.append(f'<span style="color:{theme.negative}"><b>below 1: liquidation</b></span>')
        y_snap = float(self._mmr[i]) if np.isfinite(self._mmr[i]) else 0.0
        return float(self._shocks[i]), y_snap, "<br>".join(lines)
