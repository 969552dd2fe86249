"""Stacked bars of the MMR components per risk unit; in multi-currency mode, MMR per instrument family."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from workstation.numstyle import compact_style

from ._base import ChartBase, cosmetic_pen, mix, nearest_index, qcolor, set_text, swatch
from .axes import CompactAxis
from .crosshair import Crosshair, SnapResult
from .format import fmt_usd

# stacked components, bottom to top: (key, legend text)
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("core", "max(MR1, MR2, MR6)"),
    ("mr3", "MR3 vega term"),
    ("mr4", "MR4 basis"),
    ("mr5", "MR5 rate"),
    ("mr9", "MR9 depeg"),
)
CORE_KEYS = ("mr1", "mr2", "mr6")
BAR_WIDTH = 0.6
SHORT_NAME = 4                  # bar names this short are never elided (MR8, DOGE, BTC)
MIN_TICK_PT = 6.5               # the smallest bar-name font, before a short name would run into its neighbour
PM_ACCT_LV = ("4", "pm", "portfolio")      # OKX acctLv 4 = portfolio margin; anything else has no risk units


def family_rows(result: Any) -> list[tuple[str, dict[str, Any]]]:
    """Multi-currency mode: (label, components) per instrument family and type, then borrowing, largest first.

    The family's MMR is the "core" component (the others are 0), so the same stacked bars draw it."""
    sums: dict[str, list[float]] = {}
    kinds = {"SWAP": "perp", "FUTURES": "fut", "OPTION": "opt"}       # short: six bars share a narrow axis
    full: dict[str, str] = {}
    for p in result.positions:
        family = getattr(p, "family", "") or p.inst_id.rsplit("-", 1)[0]
        kind = kinds.get(str(p.inst_type), str(p.inst_type).lower())
        label = f"{family.split('-')[0]} {kind}"
        if label in full and not full[label].startswith(family):
            label = f"{family} {kind}"                                # two quote currencies of one coin
        full.setdefault(label, f"{family} {dict(perp='perpetuals', fut='futures', opt='options').get(kind, kind)}")
        acc = sums.setdefault(label, [0.0, 0.0, 0])
        acc[0] += float(getattr(p, "mmr", 0.0) or 0.0)
        acc[1] += float(getattr(p, "imr", 0.0) or 0.0)
        acc[2] += 1
    rows = [(name, v) for name, v in sorted(sums.items(), key=lambda kv: -kv[1][0])]
    if len({name.rsplit(" ", 1)[-1] for name, _ in rows}) == 1:       # one kind only: the coin names the bar
        full = {name.rsplit(" ", 1)[0]: text for name, text in full.items()}
        rows = [(name.rsplit(" ", 1)[0], v) for name, v in rows]
    borrow = float(getattr(result, "borrow_mmr", 0.0) or 0.0)
    if borrow > 0:
        rows.append(("MR8", [borrow, borrow, 0]))
        full["MR8"] = "Borrowing (MR8), account level"
    out = []
    for name, (mmr, imr, n) in rows:
        c: dict[str, Any] = {k: 0.0 for k, _ in COMPONENTS}
        c.update(core=mmr, sum=mmr, mr7=0.0, mmr=mmr, imr=imr, count=n, dominant="", full=full.get(name, name))
        out.append((name, c))
    return out


def unit_components(unit: Any) -> dict[str, float]:
    """The stacked components of one ``UnitResult`` plus ``dominant`` (which of MR1/2/6 sets the core), ``sum``,
    ``mr7`` and ``mmr`` = max(sum, MR7). Missing or non-finite MRs count as 0."""
    mr = {k: float(unit.mr.get(k, 0.0) or 0.0) for k in ("mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7", "mr9")}
    mr = {k: (v if np.isfinite(v) else 0.0) for k, v in mr.items()}
    dominant = max(CORE_KEYS, key=lambda k: mr[k])          # ties: the first of MR1, MR2, MR6
    out = {"core": max(mr[k] for k in CORE_KEYS), "mr3": mr["mr3"], "mr4": mr["mr4"], "mr5": mr["mr5"],
           "mr9": mr["mr9"]}
    total = sum(out[k] for k, _ in COMPONENTS)
    out.update(sum=total, mr7=mr["mr7"], mmr=max(total, mr["mr7"]), mr1=mr["mr1"], mr2=mr["mr2"], mr6=mr["mr6"])
    out["dominant"] = dominant  # type: ignore[assignment]
    return out


class MrBreakdownChart(ChartBase):
    """Per risk unit: stacked bars of max(MR1, MR2, MR6), MR3, MR4, MR5, MR9; MR7 as a line when it is the floor.

    Items created once: one ``BarGraphItem`` with every component of every unit (updated with ``setOpts``), one
    ``BarGraphItem`` outlining MR7 where it is the floor, pools of text labels grown to the largest number of units
    seen (extra labels hidden), an empty-state text, the legend (sample bars) and the crosshair.
    """

    OBJECT_NAME = "mrBreakdownChart"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, axisItems={"left": CompactAxis("left")})
        pi = self.getPlotItem()
        self._show_grid(x=False, y=True)
        self._set_axis_label("left", "Margin (USD)")
        self.legend = self._add_legend(columns=3, below=True)
        # every component of every unit in one BarGraphItem (one brush per bar): five items cost five paints and
        # five setOpts per drag step; the legend shows one sample bar per component
        self.stack = pg.BarGraphItem(x=np.empty(0), height=np.empty(0), y0=np.empty(0), width=BAR_WIDTH)
        pi.addItem(self.stack)
        self._samples = {key: pg.BarGraphItem(x=np.empty(0), height=np.empty(0), width=BAR_WIDTH)
                         for key, _text in COMPONENTS}
        for key, text in COMPONENTS:
            self.legend.addItem(self._samples[key], text)
        self._components: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._brushes: dict[str, QtGui.QBrush] = {}
        self._tick_names: list[str] | None = None          # unit names on the axis (see _set_unit_ticks)
        self._empty_look: bool | None = None               # see _set_empty_look
        # MR7 as an outlined box over the stack, only for units where it is the floor (MMR = MR7)
        self.mr7_floor = pg.BarGraphItem(x=np.empty(0), height=np.empty(0), y0=np.empty(0),
                                         width=BAR_WIDTH + 0.12, name="MR7 floor")
        self.mr7_floor.setZValue(5)
        pi.addItem(self.mr7_floor)
        self.empty_text = pg.TextItem("", anchor=(0.5, 0.5))
        font = QtGui.QFont()
        font.setPointSize(11)
        self.empty_text.setFont(font)
        pi.addItem(self.empty_text, ignoreBounds=True)
        self._label_font = QtGui.QFont()
        self._label_font.setPointSize(9)
        self._tick_font = QtGui.QFont(self.getPlotItem().getAxis("bottom").style.get("tickFont")
                                      or self.getPlotItem().getAxis("bottom").font())
        self._dominant_labels: list[pg.TextItem] = []
        self._total_labels: list[pg.TextItem] = []
        self.crosshair = Crosshair(self, self._snap)
        self._rows: list[tuple[str, dict[str, Any]]] = []
        self._mc = False                                   # rows are instrument families (multi-currency mode)
        self._top = 1.0
        self._upright = False                              # totals stand upright (see _fit_bar_labels)
        self._total_texts: list[tuple[str, str]] = []      # per bar: the total with and without "MMR "
        self._upright_px = 0.0
        pi.getViewBox().sigResized.connect(self._on_view_resized)
        self.apply_theme(self._theme)
        self.clear()

    # ------------------------------------------------------------------------------------------------------------
    def _colours(self, theme: Any) -> dict[str, str]:
        return {"core": theme.accent, "mr3": theme.vol_up, "mr4": theme.positive,
                "mr5": theme.warning, "mr9": mix(theme.muted, theme.background, 0.25)}

    def _apply_theme_items(self, theme: Any) -> None:
        colours = self._colours(theme)
        edge = cosmetic_pen(theme.surface)
        self._brushes = {key: pg.mkBrush(colours[key]) for key, _ in COMPONENTS}
        for key, sample in self._samples.items():
            sample.setOpts(brush=self._brushes[key], pen=edge)
        self.stack.setOpts(pen=edge, brushes=self._stack_brushes())
        self.mr7_floor.setOpts(pen=cosmetic_pen(theme.negative, QtCore.Qt.PenStyle.DashLine),
                               brush=pg.mkBrush(qcolor(theme.negative, 40)))
        self.empty_text.setColor(qcolor(theme.muted))
        for label in self._dominant_labels:
            label.setColor(qcolor(theme.surface))
        for label in self._total_labels:
            label.setColor(qcolor(theme.foreground))
        self.crosshair.apply_theme(theme)
        self.getPlotItem().getAxis("bottom").setTextPen(qcolor(theme.foreground))

    def _label(self, pool: list[pg.TextItem], i: int, anchor: tuple[float, float], colour: str) -> pg.TextItem:
        while len(pool) <= i:                       # grow the pool once; later updates reuse the items
            item = pg.TextItem("", anchor=anchor)
            item.setFont(self._label_font)
            item.setColor(qcolor(colour))
            item.setZValue(8)
            self.getPlotItem().addItem(item, ignoreBounds=True)
            pool.append(item)
        return pool[i]

    # ------------------------------------------------------------------------------------------------------------
    def show_result(self, result: Any, live: bool = False) -> None:
        """Show the MMR breakdown of every risk unit of ``result`` (an ``engine.result.MarginResult``).

        ``live`` (a drag preview) keeps the margin axis while the bars stay well inside it (``ChartBase._held_y``)."""
        units = tuple(result.units)
        pm = str(getattr(result, "acct_lv", "")).lower() in PM_ACCT_LV
        if not units and not pm:
            rows = family_rows(result)
            if not rows:
                self._show_empty("No positions and no borrowing:\nnothing needs margin")
                return
            self._mc = True
            self._draw(rows, "MMR by instrument family (multi-currency)", live)
            return
        if not units:
            self._show_empty("No positions and no coin balances:\nno risk unit to break down")
            return
        self._mc = False
        self._draw([(u.risk_unit, unit_components(u)) for u in units], "MMR breakdown by risk unit", live)

    def _draw(self, rows: list[tuple[str, dict[str, Any]]], title: str, live: bool) -> None:
        self._rows = rows
        n = len(self._rows)
        x = np.arange(n, dtype=float)
        base = np.zeros(n)
        self._components = {}
        for key, _ in COMPONENTS:
            h = np.array([c[key] for _, c in self._rows])
            self._components[key] = (x, h, base.copy())
            base = base + h
        totals = base
        self._set_bars(self.stack, *(np.concatenate(parts) for parts in zip(*self._components.values())),
                       brushes=self._stack_brushes())
        mr7 = np.array([c["mr7"] for _, c in self._rows])
        floor = mr7 > totals
        self._set_bars(self.mr7_floor, x[floor], mr7[floor], np.zeros(int(floor.sum())))
        top = float(max(np.max(totals), np.max(mr7), 0.0))
        if top <= 0:
            top = 1.0
        self._top = self._held_y(0.0, top, live)[1]
        y_max = self._y_max()
        theme = self._theme
        # the totals in one number style, as a table column (issue 15 item 7): "1.5k" stood beside "772.1"
        total_style = compact_style([c["mmr"] for _, c in self._rows])
        for i, (name, c) in enumerate(self._rows):
            dom = self._label(self._dominant_labels, i, (0.5, 0.5), theme.surface)
            core = c["core"]
            if core > 0.07 * y_max and c["dominant"]:
                set_text(dom, str(c["dominant"]).upper())
                dom.setPos(float(i), core / 2)
                dom.show()
            else:
                dom.hide()
            tot = self._label(self._total_labels, i, (0.5, 1.0), theme.foreground)
            suffix = " (MR7)" if floor[i] else ""
            total = total_style(c["mmr"])
            texts = (total, total) if self._mc else (f"MMR {total}{suffix}", f"{total}{suffix}")
            self._total_texts[i:i + 1] = [texts]
            set_text(tot, texts[0])
            tot.setPos(float(i), max(c["sum"], c["mr7"]) + 0.01 * y_max)
            tot.show()
        for pool in (self._dominant_labels, self._total_labels):
            for item in pool[n:]:
                item.hide()
        self._fit_bar_labels()
        y_max = self._y_max()                            # upright totals need more room above the bars
        self.empty_text.hide()
        self._set_empty_look(False)
        self.legend.setVisible(not self._mc)             # one colour per family: the MR legend would mislead
        self._set_title(title)
        self._set_view((-0.6, n - 0.4), (-0.02 * y_max, y_max))

    @staticmethod
    def _set_bars(bar: pg.BarGraphItem, x: np.ndarray, height: np.ndarray, y0: np.ndarray, **more: Any) -> None:
        """setOpts only when the bars change (it rebuilds the item's picture; often nothing moves while the
        spot-in-use amount is dragged)."""
        o = bar.opts
        if all(isinstance(o.get(k), np.ndarray) and np.array_equal(o[k], v)
               for k, v in (("x", x), ("height", height), ("y0", y0))) and all(o.get(k) == v for k, v in more.items()):
            return
        bar.setOpts(x=x, height=height, y0=y0, **more)

    def _stack_brushes(self) -> list[QtGui.QBrush]:
        """One brush per bar of ``stack``: component by component, each over all units."""
        n = len(self._rows)
        return [self._brushes[key] for key, _ in COMPONENTS for _ in range(n)]

    def component(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, height, y0) of one stacked component over the units, as drawn."""
        return self._components.get(key, (np.empty(0), np.empty(0), np.empty(0)))

    def _y_max(self) -> float:
        """Top of the view: the tallest bar plus room for its "MMR ..." label (about 28 px at the current height;
        the label's length when the labels stand upright, see _fit_bar_labels)."""
        h = self.getPlotItem().getViewBox().height()
        room = 28.0 if not self._upright else self._upright_px + 10.0
        frac = max(0.08, room / h) if h > 60 else 0.15
        return self._top / (1.0 - min(frac, 0.5))

    def _slot_px(self) -> float:
        """Pixels per bar slot (the view spans one unit of x per bar)."""
        vb = self.getPlotItem().getViewBox()
        return vb.width() / max(len(self._rows), 1)

    def _fit_bar_labels(self) -> None:
        """Names and totals that fit their bar's slot: a name wider than the slot is elided ("DO\u2026"; the
        crosshair names it in full), totals wider than the slot stand upright above their bars. Six families in a
        quarter of a 1280-pixel window ran their names and totals into one another ("772.4651.6651.3")."""
        n = len(self._rows)
        if not n:
            return
        slot = self._slot_px() - 2.0                    # a pixel of air on each side of a name or a total
        self._set_unit_ticks(self._fitted_names(slot))
        def widths_of(which: int) -> list[float]:
            for lbl, texts in zip(self._total_labels[:n], self._total_texts[:n]):
                set_text(lbl, texts[which])
            return [lbl.textItem.boundingRect().width() - 2 * lbl.textItem.document().documentMargin()
                    for lbl in self._total_labels[:n]]                   # the text itself, without the padding
        widths = widths_of(0)
        if widths and max(widths) > slot:
            widths = widths_of(1)      # "68.7k" without "MMR ": upright "MMR 68.7k" ran out of the top of the view
        self._upright = bool(widths) and max(widths) > slot
        self._upright_px = max(widths) if widths else 0.0
        angle, anchor = (90, (0.0, 0.5)) if self._upright else (0, (0.5, 1.0))
        for lbl in self._total_labels:
            if lbl.angle != angle:
                lbl.setAngle(angle)
                lbl.setAnchor(anchor)

    def _fitted_names(self, slot: float) -> list[str]:
        """The bar names as the axis shows them in ``slot`` pixels per bar.

        Names that all fit stand on one line. Otherwise every other name drops to a second line, which gives each
        name two slots; a name still too wide is elided, except short names (SHORT_NAME characters or fewer: "MR8",
        "DOGE"), which the axis font shrinks for, down to MIN_TICK_PT: a 1280-pixel window showed "M\u2026" for MR8."""
        axis = self.getPlotItem().getAxis("bottom")
        names = [name for name, _ in self._rows]
        font = QtGui.QFont(self._tick_font)
        fm = QtGui.QFontMetricsF(font)
        if max(fm.horizontalAdvance(n) for n in names) <= slot:
            self._set_tick_font(font, lines=1)
            return names
        room = 2 * slot if len(names) > 1 else slot
        short = [n for n in names if len(n) <= SHORT_NAME]
        while short and font.pointSizeF() > MIN_TICK_PT and \
                max(QtGui.QFontMetricsF(font).horizontalAdvance(n) for n in short) > room:
            font.setPointSizeF(font.pointSizeF() - 0.5)
        self._set_tick_font(font, lines=2 if len(names) > 1 else 1)
        fm = QtGui.QFontMetricsF(axis.style.get("tickFont") or font)
        shown = [n if len(n) <= SHORT_NAME or fm.horizontalAdvance(n) <= room else
                 fm.elidedText(n, QtCore.Qt.TextElideMode.ElideRight, max(room, fm.horizontalAdvance("M\u2026")))
                 for n in names]
        return [("\n" + n) if i % 2 else n for i, n in enumerate(shown)]

    def _set_tick_font(self, font: QtGui.QFont, lines: int) -> None:
        """The bar names' font, and the axis height for ``lines`` lines of names (pyqtgraph sizes the axis for 80 %
        of the text's height, which cut the second line of staggered names)."""
        axis = self.getPlotItem().getAxis("bottom")
        current = axis.style.get("tickFont")
        if current is None or current.pointSizeF() != font.pointSizeF():
            axis.setStyle(tickFont=font)
            self._tick_names = None                      # regenerate the tick texts in the new font
        height = None
        if lines > 1:
            height = int(math.ceil(max(0, axis.style["tickLength"]) + axis.style["tickTextOffset"][1]
                                   + lines * QtGui.QFontMetricsF(font).lineSpacing() + 2))
        if axis.fixedHeight != height:
            axis.setHeight(height)

    def _on_view_resized(self) -> None:
        if self._rows:
            self._fit_bar_labels()
            y_max = self._y_max()
            self.getPlotItem().getViewBox().setYRange(-0.02 * y_max, y_max, padding=0)
        self.crosshair.hide()

    def _show_empty(self, text: str) -> None:
        self.clear()
        self.empty_text.setText(text)
        self.empty_text.show()
        self._set_empty_look(True)

    def _set_unit_ticks(self, names: list[str]) -> None:
        """Unit names under the bars; setTicks regenerates the axis, so only when the names change."""
        if names != self._tick_names:
            self._tick_names = names
            self.getPlotItem().getAxis("bottom").setTicks([[(float(i), n) for i, n in enumerate(names)], []])

    def _set_empty_look(self, empty: bool) -> None:
        """Empty state: only the message; no legend, tick values or grid that would suggest data.

        Applied only when the state changes: each call below re-lays out or regenerates the axis, which on every
        live update (a spot-in-use drag) cost a full axis redraw per frame."""
        if empty == self._empty_look:
            return
        self._empty_look = empty
        self.legend.setVisible(not empty)
        self.getPlotItem().getAxis("left").setStyle(showValues=not empty)
        self._show_grid(x=False, y=not empty)

    def is_empty(self) -> bool:
        return not self._rows

    def clear(self, reason: str = "") -> None:
        """Empty the chart; ``reason`` (shown in the middle) says why there is nothing to draw."""
        self._rows = []
        self._components = {}
        self.stack.setOpts(x=np.empty(0), height=np.empty(0), y0=np.empty(0), brushes=[])
        self.mr7_floor.setOpts(x=np.empty(0), height=np.empty(0), y0=np.empty(0))
        for item in self._dominant_labels + self._total_labels:
            item.hide()
        self._set_unit_ticks([])
        self.empty_text.setText(reason)
        self.empty_text.setPos(0.0, 0.5)
        self.empty_text.setVisible(bool(reason))
        if reason:
            self._set_empty_look(True)
        self.crosshair.hide()
        self._set_title("MMR breakdown by risk unit")
        self._set_view((-0.6, 0.6), (0.0, 1.0))

    # inspection helpers (tests, status bar) ---------------------------------------------------------------------
    def heights(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(self.component(k)[1], dtype=float) for k, _ in COMPONENTS}

    def stack_totals(self) -> np.ndarray:
        h = self.heights()
        return np.sum([h[k] for k, _ in COMPONENTS], axis=0) if self._rows else np.empty(0)

    def unit_names(self) -> list[str]:
        return [name for name, _ in self._rows]

    # ------------------------------------------------------------------------------------------------------------
    def _snap(self, x: float, y: float) -> SnapResult | None:
        if not self._rows:
            return None
        i = nearest_index(np.arange(len(self._rows), dtype=float), x)
        name, c = self._rows[i]
        colours = self._colours(self._theme)
        lines = [f"<b>{name}</b>"]
        if self._mc:
            count = f"{c['count']} position{'s' if c['count'] != 1 else ''}<br>" if c.get("count") else ""
            return (float(i), float(c["mmr"]),
                    f"<b>{c.get('full', name)}</b><br>{count}MMR: {fmt_usd(c['mmr'])}<br>IMR: {fmt_usd(c['imr'])}")
        core_text = f"max(MR1, MR2, MR6) = {str(c['dominant']).upper()}: {fmt_usd(c['core'])}"
        lines.append(swatch(colours["core"], core_text))
        for key, text in COMPONENTS[1:]:
            lines.append(swatch(colours[key], f"{key.upper()}: {fmt_usd(c[key])}"))
        lines.append(swatch(self._theme.negative, f"MR7: {fmt_usd(c['mr7'])}"))
        floor = " (MR7 floor)" if c["mr7"] > c["sum"] else ""
        lines.append(f"<b>MMR: {fmt_usd(c['mmr'])}{floor}</b>")
        return float(i), float(c["mmr"]), "<br>".join(lines)
