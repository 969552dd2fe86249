"""Axes with the charts' number formats: percent moves, compact USD, vol points, log-scaled margin ratios."""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6 import QtGui

from ._base import TICK_FONT_PT
from .format import fmt_compact, fmt_pct, fmt_ratio, fmt_vol_pts


class _FormattedAxis(pg.AxisItem):
    """AxisItem with our own tick text and no automatic SI prefix (which would rescale USD by 1e-6 for 'M')."""

    def __init__(self, orientation: str, **kw: Any) -> None:
        super().__init__(orientation, **kw)
        self.enableAutoSIPrefix(False)
        font = QtGui.QFont()
        font.setPointSize(TICK_FONT_PT)
        # major + minor ticks only: the third tick level makes the grid a dense mesh
        self.setStyle(tickFont=font, autoExpandTextSpace=True, maxTickLevel=1)
        self._tick_memo: tuple[tuple, list] | None = None     # see tickValues

    def format_value(self, v: float, spacing: float) -> str:  # pragma: no cover - overridden
        return str(v)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's tick values, remembered for the last range: the axis and its chart's ``GridLines`` both ask
        for them at each repaint after a range change."""
        lo, hi = sorted((minVal, maxVal))
        key = (lo, hi, round(size, 1), self.scale, tuple(self.logMode) if isinstance(self.logMode, list)
               else self.logMode, self._tickDensity, repr(self._tickSpacing))
        memo = self._tick_memo
        if memo is not None and memo[0] == key:
            return memo[1]
        levels = super().tickValues(minVal, maxVal, size)
        self._tick_memo = (key, levels)
        return levels

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self.format_value(v, spacing) for v in values]


class PercentAxis(_FormattedAxis):
    """Data in fractions (0.12), ticks in percent ("+12 %")."""

    MIN_MAJOR_PX = 56.0             # room for a "−20 %" label between major ticks

    def __init__(self, orientation: str, **kw: Any) -> None:
        super().__init__(orientation, **kw)
        self.setTickDensity(1.6)    # -100..+100 % gets 20 % steps rather than 50 % on a wide axis
        # end labels (e.g. "+50 %" at the right edge) may overhang the axis by up to 24 px instead of vanishing
        self.setStyle(hideOverlappingLabels=24)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's spacing, made coarser (1-2-5 steps) when major labels would be closer than MIN_MAJOR_PX."""
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or size <= 0 or span <= 0:
            return levels
        per_px = span / size
        major = levels[0][0]
        if major / per_px >= self.MIN_MAJOR_PX:
            return levels
        while major / per_px < self.MIN_MAJOR_PX:
            exp = math.floor(math.log10(major) + 1e-12)
            mant = major / 10.0 ** exp
            major = (2.0 if mant < 1.5 else 5.0 if mant < 3.5 else 10.0) * 10.0 ** exp
        exp = math.floor(math.log10(major) + 1e-12)
        minor = major / (5.0 if round(major / 10.0 ** exp) == 5 else 2.0)
        return [(major, 0.0), (minor, 0.0)]

    def format_value(self, v: float, spacing: float) -> str:
        step = spacing * 100
        decimals = 0 if step >= 1 or step <= 0 else min(3, int(math.ceil(-math.log10(step))))
        return fmt_pct(v, decimals)


COMPACT_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


class CompactAxis(_FormattedAxis):
    """USD ticks as 1.2k / 3.4M."""

    def format_value(self, v: float, spacing: float) -> str:
        if abs(v) < spacing * 1e-6:
            return "0"
        if spacing < 1 or abs(v) < 1000:
            return fmt_compact(v, 1)
        # the suffix from the value itself (600,000 is "600k", never "1M" by rounding), and enough decimals for
        # the tick spacing, so neighbouring ticks always read as distinct values
        base, suffix = next(((b, sfx) for b, sfx in COMPACT_UNITS if abs(v) >= b), (1.0, ""))
        step = spacing / base
        decimals = 0 if step >= 1 else min(3, int(math.ceil(-math.log10(step) - 1e-9)))
        body = f"{abs(v) / base:.{decimals}f}"
        return ("\u2212" if v < 0 else "") + body + suffix


class VolPointsAxis(_FormattedAxis):
    """Vol shift as the engine gives it (absolute, in vol fractions: 0.10) shown in vol points ("+10")."""

    def format_value(self, v: float, spacing: float) -> str:
        step = spacing * 100
        decimals = 0 if step >= 1 or step <= 0 else min(3, int(math.ceil(-math.log10(step))))
        return fmt_vol_pts(v * 100, decimals).replace(" pts", "")


class LogRatioAxis(_FormattedAxis):
    """Right-hand axis of log10-transformed margin ratios: ticks show the ratio itself."""

    def __init__(self, orientation: str, **kw: Any) -> None:
        super().__init__(orientation, **kw)
        self.setLogMode(True)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        # pyqtgraph's log ticks repeat each decade in the minor level (log10(1) + k), drawing its label twice
        levels = super().tickValues(minVal, maxVal, size)
        seen: set[float] = set()
        out = []
        for spacing, values in levels:
            keep = [v for v in values if round(float(v), 9) not in seen]
            seen.update(round(float(v), 9) for v in keep)
            out.append((spacing, keep))
        return out

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        # label 1, 2 and 5 times a power of ten only; the other log minor ticks stay unlabelled
        out = []
        for v in values:
            r = 10.0 ** v
            mantissa = r / 10.0 ** math.floor(math.log10(r) + 1e-9)
            keep = any(abs(mantissa - m) < 1e-6 for m in (1.0, 2.0, 5.0))
            out.append(f"{r:g}" if keep and r < 1e4 else fmt_ratio(r) if keep else "")
        return out
