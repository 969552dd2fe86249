"""What-if on every axis (issue 15 item 1): per-crypto index moves and vol shifts (parallel, short and long tenor),
a time roll, stablecoin levels; each a slider with a numeric field. The panel edits an ``engine.scenario.Scenario``
(the project's one what-if model); named what-ifs are saved with the portfolio, library scenarios apply the same
way, and every application can be undone.

Sliders map non-linearly (value = max x sign(p) x (|p| / 1000)^2): fine steps near zero (0.05 % of index per step
near the middle), coarse at the ends. The numeric field takes exact values; both stay in step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QInputDialog, QLabel,
                               QPushButton, QScrollArea, QSizePolicy, QSlider, QVBoxLayout, QWidget)

from engine.scenario import Scenario, VolShift
from workstation.widgets.layout_barrier import LayoutBarrier

STEPS = 1000               # slider positions on each side of zero
THROTTLE_MS = 60           # at most one what-if per 60 ms while dragging (the leading edge goes at once)
SHORT_DAYS, LONG_DAYS = 7.0, 365.0     # tenor points of the short / long vol shift (linear in between, flat beyond)


@dataclass(frozen=True)
class Axis:
    """One what-if control: key ("index:BTC", "vol:BTC", "volShort:BTC", "volLong:BTC", "days", "stable:USDT")."""

    key: str
    label: str
    lo: float               # in display units
    hi: float
    unit: str               # suffix of the numeric field
    decimals: int
    scale: float            # display unit -> scenario unit (e.g. % -> fraction: 0.01)
    centre: float = 0.0     # the value at the slider's middle (a stablecoin's current level)

    def to_position(self, display: float) -> int:
        span = (self.hi - self.centre) if display >= self.centre else (self.centre - self.lo)
        if span <= 0:
            return 0
        frac = min(1.0, abs(display - self.centre) / span)
        return int(round(math.copysign(math.sqrt(frac) * STEPS, display - self.centre)))

    def to_display(self, position: int) -> float:
        frac = (abs(position) / STEPS) ** 2
        span = (self.hi - self.centre) if position >= 0 else (self.centre - self.lo)
        return round(self.centre + math.copysign(frac * span, position), self.decimals)


def axes_for(cryptos: Iterable[str], vol_underlyings: Iterable[str], stables: dict[str, float]) -> list[Axis]:
    out: list[Axis] = []
    vols = set(vol_underlyings)
    for c in cryptos:
        out.append(Axis(f"index:{c}", f"{c} index", -50.0, 50.0, " %", 3, 0.01))
        if c in vols:
            out.append(Axis(f"vol:{c}", f"{c} vol, all tenors", -30.0, 30.0, " pts", 2, 0.01))
            out.append(Axis(f"volShort:{c}", f"{c} vol, short ({SHORT_DAYS:g} d)", -30.0, 30.0, " pts", 2, 0.01))
            out.append(Axis(f"volLong:{c}", f"{c} vol, long ({LONG_DAYS:g} d)", -30.0, 30.0, " pts", 2, 0.01))
    out.append(Axis("days", "Time roll", 0.0, 30.0, " d", 3, 1.0))
    for s, level in sorted(stables.items()):
        out.append(Axis(f"stable:{s}", f"{s} level (USD)", max(0.5, level - 0.2), level + 0.2, "", 4, 1.0, level))
    return out


def scenario_from_values(name: str, values: dict[str, float], axes: list[Axis]) -> Scenario:
    """The scenario the controls show (``values`` in display units); untouched axes add nothing."""
    by_key = {a.key: a for a in axes}
    index: dict[str, float] = {}
    vol: dict[str, VolShift] = {}
    stable: dict[str, float] = {}
    days = 0.0
    cryptos = sorted({k.split(":", 1)[1] for k in by_key if k.startswith("index:")})
    for c in cryptos:
        move = values.get(f"index:{c}", 0.0) * 0.01
        if move:
            index[c] = move
        par = values.get(f"vol:{c}", 0.0) * 0.01
        short = values.get(f"volShort:{c}", 0.0) * 0.01
        long = values.get(f"volLong:{c}", 0.0) * 0.01
        if short or long:
            vol[c] = VolShift((par + short, par + long), (SHORT_DAYS, LONG_DAYS))
        elif par:
            vol[c] = VolShift((par,))
    for key, a in by_key.items():
        if key.startswith("stable:"):
            level = values.get(key, a.centre)
            if abs(level - a.centre) > 10 ** -(a.decimals + 1):
                stable[key.split(":", 1)[1]] = level
        elif key == "days":
            days = values.get(key, 0.0)
    return Scenario(name=name, index=index, vol=vol, stable=stable, days=days)


def values_from_scenario(scenario: Scenario, axes: list[Axis]) -> tuple[dict[str, float], bool]:
    """(display values, exact): the controls for a scenario; ``exact`` is False when the controls can only
    approximate it (a by-tenor vol shift on other tenors than the short/long points, a "*" entry)."""
    values: dict[str, float] = {}
    exact = True
    for a in axes:
        kind, _, ccy = a.key.partition(":")
        if kind == "index":
            values[a.key] = scenario.index_move(ccy) * 100.0
        elif kind == "vol":
            shift = scenario.vol_shift(ccy)
            if shift is None:
                continue
            if not shift.days:
                values[a.key] = shift.shift[0] * 100.0
            else:
                values[f"volShort:{ccy}"] = float(shift.at(SHORT_DAYS)) * 100.0
                values[f"volLong:{ccy}"] = float(shift.at(LONG_DAYS)) * 100.0
                exact = exact and shift.days == (SHORT_DAYS, LONG_DAYS)
        elif kind == "stable":
            values[a.key] = dict(scenario.stable).get(ccy, a.centre)
        elif kind == "days":
            values[a.key] = scenario.days
    # "*" entries are exact too: index_move / vol_shift fall back to them for every crypto shown, and the panel
    # shows every crypto of the market (a vol row for every underlying that has vols)
    return values, exact


class WhatIfPanel(QWidget):
    """The what-if controls. ``scenarioChanged(Scenario | None)`` (throttled while dragging); the window keeps the
    saved list (``set_saved``) and hears ``saveRequested(name, scenario)`` / ``deleteRequested(name)``."""

    scenarioChanged = Signal(object)
    saveRequested = Signal(str, object)
    deleteRequested = Signal(str)
    compareRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whatifPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.state_label = QLabel("No what-if")
        self.state_label.setObjectName("whatifState")
        self.state_label.setProperty("role", "muted")
        self.state_label.setWordWrap(True)
        # its text changes on every step of a drag: the window is laid out again only when its height changes (its
        # width is the panel's: the text's own width, which changes with every figure, is no layout's concern)
        policy = self.state_label.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.state_label.setSizePolicy(policy)
        lay.addWidget(LayoutBarrier(self.state_label))
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_box)
        scroll.setMinimumHeight(120)
        lay.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.choice = QComboBox()
        self.choice.setObjectName("whatifChoice")
        self.choice.setToolTip("Saved what-ifs of this portfolio, then the scenario library")
        row.addWidget(self.choice, 1)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("whatifApply")
        self.apply_button.clicked.connect(self.apply_chosen)
        row.addWidget(self.apply_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save as\u2026")
        self.save_button.setObjectName("whatifSave")
        self.save_button.clicked.connect(self._ask_save)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("whatifDelete")
        self.delete_button.clicked.connect(self._delete_chosen)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setObjectName("whatifUndo")
        self.undo_button.setToolTip("Back to the what-if before the last one applied or reset")
        self.undo_button.clicked.connect(self.undo)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("whatifReset")
        self.reset_button.clicked.connect(self.reset)
        for b in (self.save_button, self.delete_button, self.undo_button, self.reset_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.compare_button = QPushButton("Compare side by side\u2026")
        self.compare_button.setObjectName("whatifCompare")
        self.compare_button.setToolTip("Two states of the book in one view: now, this what-if, saved what-ifs, "
                                       "in any account mode and rule set")
        self.compare_button.clicked.connect(self.compareRequested)
        lay.addWidget(self.compare_button)
        self.axes: list[Axis] = []
        self._slider: dict[str, QSlider] = {}
        self._spin: dict[str, QDoubleSpinBox] = {}
        self._values: dict[str, float] = {}
        self._applied: Scenario | None = None      # an exact scenario applied from the list (until a control moves)
        self._name = ""
        self._history: list[tuple[dict[str, float], Scenario | None, str]] = []
        self._saved: list[Scenario] = []
        self._library: list[tuple[str, Scenario]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self._emit_pending)
        self._pending = False
        self._armed = True
        self._update_state()

    def _arm(self) -> None:
        """A slider released: the next drag is a new undo step, and the what-if is sent once more, not dragging,
        so the window computes what it deferred during the drag (the full margin curve)."""
        self._armed = True
        self._timer.stop()
        self._pending = False
        self.scenarioChanged.emit(self.scenario())

    def dragging(self) -> bool:
        return any(s.isSliderDown() for s in self._slider.values())

    # ------------------------------------------------------------------------------------------------ setup
    def set_axes(self, axes: list[Axis]) -> None:
        """Build the controls (kept when the axes are the same, so a recompute does not rebuild them)."""
        if [a.key for a in axes] == [a.key for a in self.axes] and axes == self.axes:
            return
        while self.grid.count():
            item = self.grid.takeAt(0)
            w = item.widget()
            if w is not None:          # hidden and detached now: deleteLater waits for the event loop
                w.hide()
                w.setParent(None)
                w.deleteLater()
        self.axes = axes
        self._slider.clear()
        self._spin.clear()
        self._values = {k: v for k, v in self._values.items() if any(a.key == k for a in axes)}
        for r, a in enumerate(axes):
            label = QLabel(a.label)
            s = QSlider(Qt.Orientation.Horizontal)
            s.setObjectName(f"whatif_{a.key.replace(':', '_')}")
            s.setRange(-STEPS if a.lo < a.centre else 0, STEPS)
            s.setSingleStep(10)
            s.setPageStep(100)
            s.setToolTip(f"{a.label}: {a.lo:g} to {a.hi:g}{a.unit}; fine steps near {a.centre:g}")
            spin = QDoubleSpinBox()
            spin.setObjectName(f"whatifValue_{a.key.replace(':', '_')}")
            spin.setRange(a.lo, a.hi)
            spin.setDecimals(a.decimals)
            spin.setSuffix(a.unit)
            spin.setSingleStep(10 ** -min(a.decimals, 2) if a.key != "days" else 1.0 / 24.0)
            spin.setKeyboardTracking(False)
            spin.setMinimumWidth(92)
            if a.key == "days":
                spin.setToolTip("Valuation time moved forward, in days (1 h = 0.042 d)")
            value = self._values.get(a.key, a.centre)
            spin.setValue(value)
            s.setValue(a.to_position(value))
            s.valueChanged.connect(lambda p, k=a.key: self._on_slider(k, p))
            s.sliderReleased.connect(self._arm)
            spin.valueChanged.connect(lambda v, k=a.key: self._on_spin(k, v))
            self.grid.addWidget(label, r, 0)
            self.grid.addWidget(s, r, 1)
            self.grid.addWidget(spin, r, 2)
            self._slider[a.key], self._spin[a.key] = s, spin
        self._update_state()

    def set_saved(self, saved: list[Scenario], library: list[tuple[str, Scenario]] | None = None) -> None:
        self._saved = list(saved)
        if library is not None:
            self._library = list(library)
        self.choice.clear()
        self.choice.addItem("Saved what-ifs, then the library\u2026", None)
        for s in self._saved:
            self.choice.addItem(f"saved: {s.name}", ("saved", s.name))
        for label, s in self._library:
            self.choice.addItem(f"library: {label}", ("library", label))
        self.delete_button.setEnabled(bool(self._saved))

    # ---------------------------------------------------------------------------------------------- values
    def values(self) -> dict[str, float]:
        return {a.key: self._values.get(a.key, a.centre) for a in self.axes}

    def scenario(self) -> Scenario | None:
        """The current what-if, or None when it changes nothing."""
        if self._applied is not None:
            return None if self._applied.is_identity else self._applied
        s = scenario_from_values(self._name or "what-if", self._values, self.axes)
        return None if s.is_identity else s

    def set_value(self, key: str, display: float) -> None:
        """Set one control as the user would (emits the new what-if)."""
        self._spin[key].setValue(display)

    def _show_values(self, values: dict[str, float]) -> None:
        self._values = dict(values)
        for a in self.axes:
            v = values.get(a.key, a.centre)
            for w, x in ((self._spin[a.key], v), (self._slider[a.key], a.to_position(v))):
                w.blockSignals(True)
                w.setValue(x)
                w.blockSignals(False)

    def _on_slider(self, key: str, position: int) -> None:
        a = next(a for a in self.axes if a.key == key)
        value = a.to_display(position)
        spin = self._spin[key]
        spin.blockSignals(True)
        spin.setValue(value)
        spin.blockSignals(False)
        self._changed(key, value)

    def _on_spin(self, key: str, value: float) -> None:
        a = next(a for a in self.axes if a.key == key)
        slider = self._slider[key]
        slider.blockSignals(True)
        slider.setValue(a.to_position(value))
        slider.blockSignals(False)
        self._changed(key, value)

    def _changed(self, key: str, value: float) -> None:
        dragging = self._slider[key].isSliderDown()
        if not dragging or self._armed:                # one undo step per drag, per typed value, per key step
            self._history.append((dict(self._values), self._applied, self._name))
            self._armed = not dragging
        self._values[key] = value
        self._applied = None                       # a touched control makes it the controls' what-if
        self._pending = True
        self._update_state()
        if not self._timer.isActive():
            self._emit_pending()
            self._timer.start()

    def _emit_pending(self) -> None:
        if self._pending:
            self._pending = False
            self.scenarioChanged.emit(self.scenario())
            # a trailing edge starts the next 60 ms too: else a move 1 ms later went at once as a new leading
            # edge, and a held slider sent its what-ifs in pairs a few ms apart (the first one's step superseded)
            self._timer.start()

    def _set_whole(self, values: dict[str, float], applied: Scenario | None, name: str, *, remember: bool) -> None:
        if remember:
            self._history.append((dict(self._values), self._applied, self._name))
        self._timer.stop()
        self._pending = False
        self._show_values(values)
        self._applied, self._name = applied, name
        self._update_state()
        self.scenarioChanged.emit(self.scenario())

    # --------------------------------------------------------------------------------------------- actions
    def apply_scenario(self, scenario: Scenario) -> None:
        """Apply a named scenario: exactly as defined; the controls show it (approximately if they must)."""
        values, exact = values_from_scenario(scenario, self.axes)
        self._set_whole(values, None if exact else scenario, scenario.name, remember=True)

    def apply_chosen(self) -> None:
        data = self.choice.currentData()
        if not data:
            return
        kind, key = data
        pool = self._saved if kind == "saved" else [s for label, s in self._library if label == key]
        found = next((s for s in pool if kind != "saved" or s.name == key), None)
        if found is not None:
            self.apply_scenario(found)

    def reset(self) -> None:
        self._set_whole({}, None, "", remember=bool(self._values) or self._applied is not None)

    def undo(self) -> None:
        if self._history:
            values, applied, name = self._history.pop()
            self._set_whole(values, applied, name, remember=False)

    def _ask_save(self) -> None:
        s = self.scenario()
        if s is None:
            self.state_label.setText("Nothing to save: the what-if changes nothing")
            return
        name, ok = QInputDialog.getText(self, "Save what-if", "Name:", text=self._name or "")
        if ok and name.strip():
            self.save_as(name.strip())

    def save_as(self, name: str) -> None:
        s = self.scenario()
        if s is not None:
            from dataclasses import replace
            self._name = name
            self.saveRequested.emit(name, replace(s, name=name))
            self._update_state()

    def _delete_chosen(self) -> None:
        data = self.choice.currentData()
        if data and data[0] == "saved":
            self.deleteRequested.emit(data[1])

    def clear(self) -> None:
        """No what-if and no history (another portfolio opened); emits nothing."""
        self._timer.stop()
        self._pending = False
        self._history.clear()
        self._show_values({})
        self._applied, self._name = None, ""
        self._update_state()

    def stop_timers(self) -> None:
        self._timer.stop()

    def _update_state(self) -> None:
        s = self.scenario()
        if s is None:
            text = "No what-if: the book on the snapshot"
        else:
            text = f"What-if{f' {self._name!r}' if self._name else ''} (not saved with the book): {describe(s)}"
            if self._applied is not None:
                text += " \u2014 applied exactly; the controls show it approximately"
        if self.state_label.text() != text:
            self.state_label.setText(text)
        self.undo_button.setEnabled(bool(self._history))


def describe(s: Scenario) -> str:
    """A one-line summary: "BTC -10.00 %, vol BTC +5.00 pts, 1.5 d, USDT 0.9900"."""
    parts = [f"{c} {m * 100:+.2f} %" for c, m in s.index]
    for c, v in s.vol:
        parts.append(f"vol {c} " + (f"{v.shift[0] * 100:+.2f} pts" if not v.days else
                                    "/".join(f"{x * 100:+.2f}@{d:g}d" for d, x in zip(v.days, v.shift))))
    if s.days:
        parts.append(f"{s.days:g} d later")
    parts += [f"{c} {lvl:.4f}" for c, lvl in s.stable]
    return ", ".join(parts) or "nothing"
