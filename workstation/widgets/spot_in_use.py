"""Spot in use of the selected risk unit: a slider and a typed amount.

Moving the slider drives a throttled live preview (``previewRequested``, leading edge, then at most every
``PREVIEW_MS``); releasing the slider, or finishing a typed entry, commits (``committed``). All commits of one
gesture carry the same gesture number so that the undo stack merges them into one step.

The amount is a plain line edit, not a spin box: a spin box's validator silently refuses the keystroke that takes
a value past its maximum ("30" with max 25 became "3", and 3 was applied). Here a typed amount is parsed when the
edit finishes, and one outside 0..max is refused with the reason beside the field (and ``inputRejected``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider, QVBoxLayout, QWidget

from workstation.models.columns import fmt_amount

PREVIEW_MS = 40
SLIDER_STEPS = 1000


def parse_amount(text: str, ccy: str, maximum: float) -> tuple[float | None, str | None]:
    """(amount, None) for a valid typed spot in use, else (None, the reason in words)."""
    raw = text.strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    if raw.upper().endswith(ccy.upper()) and ccy:
        raw = raw[: -len(ccy)]
    if not raw:
        return None, "enter an amount (or press 'Back to automatic')"
    try:
        value = float(raw)
    except ValueError:
        return None, f"{text.strip()!r} is not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return None, f"{text.strip()!r} is not a finite number"
    if value < 0:
        return None, f"{fmt_amount(value)} {ccy}: the spot in use cannot be negative"
    if value > maximum + 5e-7:                  # the maximum is shown with 6 decimals: typing it back is fine
        return None, (f"{fmt_amount(value)} {ccy} is above the maximum {fmt_amount(maximum)} {ccy} "
                      f"(the {ccy} balance that can hedge the unit's derivatives)")
    return min(value, maximum), None


def max_reason(ccy: str, maximum: float, derivatives_delta_usd: float, balance: float | None,
               usd_per_coin: float | None = None) -> str:
    """Why the unit's spot in use can go up to ``maximum`` (rules 2.3, spec 11.12: min(coin available, the
    derivatives' net short delta)); for a zero maximum, ``zero_max_reason``. The control's "max" label and the unit
    table's "Max spot" tooltip both say it in these words."""
    if maximum <= 0:
        return zero_max_reason(ccy, derivatives_delta_usd, balance)
    held = "" if balance is None else f" ({fmt_amount(round(balance, 8))} {ccy})"
    short = ""
    if usd_per_coin and derivatives_delta_usd < 0:
        short = f" ({fmt_amount(round(-derivatives_delta_usd / usd_per_coin, 6))} {ccy})"
    return (f"the {ccy} balance that can hedge the unit's derivatives: the smaller of the {ccy} held{held}, at most "
            f"its equity, and the derivatives' net short delta{short}")


def zero_max_reason(ccy: str, derivatives_delta_usd: float, balance: float | None) -> str:
    """Why OKX allows no spot in use for a unit (rules 2.3: only spot that hedges the derivatives' delta)."""
    if derivatives_delta_usd >= 0 and (balance is None or balance >= 0):
        return f"the derivatives of {ccy} are not net short, so {ccy} spot would add risk rather than hedge it"
    if balance is None or balance == 0:
        return f"no {ccy} balance to hedge with"
    return f"the {ccy} balance does not offset the derivatives' delta"


class SpotInUseControl(QFrame):
    previewRequested = Signal(str, float)           # ccy, coin amount
    previewCancelled = Signal()
    committed = Signal(str, object, int)            # ccy, amount or None (automatic), gesture number
    inputRejected = Signal(str)                     # the reason a typed amount was refused

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spotInUseControl")
        self._ccy = ""
        self._max = 0.0
        self._gesture = 0
        self._pending: float | None = None
        self._committed_value: float | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 4)
        outer.setSpacing(0)
        lay = QHBoxLayout()
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)                # a child layout takes its parent's spacing (0 here) unless told
        outer.addLayout(lay)
        self.title = QLabel("Spot in use")
        self.title.setProperty("role", "heading")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("spotInUseSlider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        self.slider.setMinimumWidth(120)
        self.entry = QLineEdit()
        self.entry.setObjectName("spotInUseEntry")
        self.entry.setMinimumWidth(100)
        self.entry.setMaximumWidth(140)
        self.entry.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.entry.setToolTip("Type an amount and press Enter; outside 0..max it is refused with the reason")
        self.error_label = QLabel("")
        self.error_label.setObjectName("spotInUseError")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        self.max_label = QLabel("")
        self.max_label.setObjectName("spotInUseMax")
        self.max_label.setProperty("role", "muted")
        # why the maximum is zero, a sentence on its own line under the controls: beside them it held the window
        # 290 px wider than 1280
        self.reason_label = QLabel("")
        self.reason_label.setObjectName("spotInUseReason")
        self.reason_label.setProperty("role", "muted")
        self.reason_label.setWordWrap(True)
        self.reason_label.hide()
        self.state_label = QLabel("")
        self.state_label.setProperty("role", "muted")
        self.auto_button = QPushButton("Back to automatic")
        self.auto_button.setObjectName("spotInUseAuto")
        self.auto_button.setToolTip("Let the engine choose the spot in use (OKX's automatic mode)")
        for w in (self.title, self.slider, self.entry, self.max_label, self.state_label, self.error_label):
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(self.auto_button)
        lay.setStretch(1, 3)
        outer.addWidget(self.reason_label)

        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(PREVIEW_MS)
        self._throttle.timeout.connect(self._flush_preview)

        self.slider.sliderPressed.connect(self._begin_gesture)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self._on_release)
        self.entry.editingFinished.connect(self._on_typed)
        self.auto_button.clicked.connect(self._on_auto)
        self.set_unit(None)

    # -- state from the result -----------------------------------------------------------------------------------
    @property
    def ccy(self) -> str:
        return self._ccy

    def set_unit(self, ccy: str | None, value: float = 0.0, maximum: float = 0.0, user_set: bool = False,
                 zero_reason: str = "", no_unit: str = "select a risk unit") -> None:
        """Show ``ccy``'s spot in use (coin) and its maximum; None disables the control, saying ``no_unit``.

        ``zero_reason`` says why the maximum is zero (shown instead of a bare "max 0").
        """
        enabled = ccy is not None and maximum > 0
        if ccy != self._ccy:
            self._gesture += 1
            self.error_label.setText("")
        self._ccy = ccy or ""
        self._max = max(float(maximum), 0.0)
        self._committed_value = float(value)
        for w in (self.slider, self.entry):
            w.setEnabled(enabled)
        self.auto_button.setEnabled(enabled and user_set)     # once: each change is a repaint and a style pass
        self.title.setText(f"Spot in use {ccy}" if ccy else "Spot in use")
        if not ccy:
            self.max_label.setText(no_unit)
        else:
            self.max_label.setText(f"max {fmt_amount(self._max)} {ccy}")
        reason = f"max 0 {ccy}: {zero_reason}" if ccy and self._max <= 0 and zero_reason else ""
        if reason != self.reason_label.text():
            self.reason_label.setText(reason)
            self.reason_label.setVisible(bool(reason))
        self.state_label.setText(("user-defined" if user_set else "automatic") if ccy else "")
        self._show(value)

    def _show(self, value: float) -> None:
        for w in (self.slider, self.entry):
            w.blockSignals(True)
        self.entry.setText(fmt_amount(value))
        self.slider.setValue(round(value / self._max * SLIDER_STEPS) if self._max > 0 else 0)
        for w in (self.slider, self.entry):
            w.blockSignals(False)

    # -- user interaction ----------------------------------------------------------------------------------------
    def _begin_gesture(self) -> None:
        self._gesture += 1

    def _amount_from_slider(self, v: int) -> float:
        if v >= SLIDER_STEPS:
            return self._max
        return min(round(self._max * v / SLIDER_STEPS, 4), self._max)

    def _on_slider(self, v: int) -> None:
        amount = self._amount_from_slider(v)
        self.entry.setText(fmt_amount(amount))
        self.error_label.setText("")
        if self.slider.isSliderDown():
            self._request_preview(amount)
        else:
            # keyboard / page steps on the slider: commit straight away (merged by gesture)
            self._commit(amount)

    def _on_release(self) -> None:
        self._throttle.stop()
        self._pending = None
        self._commit(self._amount_from_slider(self.slider.value()))

    def _on_typed(self) -> None:
        """A typed amount: refused with the reason in view when outside 0..max, never clamped or truncated."""
        if not self._ccy or not self.entry.isEnabled():
            return
        text = self.entry.text()
        shown = fmt_amount(self._committed_value) if self._committed_value is not None else ""
        if text.strip() == shown:
            return
        value, reason = parse_amount(text, self._ccy, self._max)
        if reason is not None:
            message = f"Spot in use {self._ccy} not applied: {reason}"
            self.error_label.setText(f"Not applied: {reason}")
            self._show(self._committed_value or 0.0)    # the field shows the amount that is in force
            self.inputRejected.emit(message)
            return
        self.error_label.setText("")
        self._gesture += 1
        self._apply_amount(value)

    def _apply_amount(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value / self._max * SLIDER_STEPS) if self._max > 0 else 0)
        self.slider.blockSignals(False)
        self._commit(value)

    def _on_auto(self) -> None:
        self._gesture += 1
        self.committed.emit(self._ccy, None, self._gesture)

    def _request_preview(self, amount: float) -> None:
        self._pending = amount
        if not self._throttle.isActive():
            self._flush_preview()          # leading edge
            self._throttle.start()

    def _flush_preview(self) -> None:
        if self._pending is not None and self._ccy:
            amount, self._pending = self._pending, None
            self.previewRequested.emit(self._ccy, amount)
            if not self._throttle.isActive() and self.slider.isSliderDown():
                self._throttle.start()

    def _commit(self, amount: float) -> None:
        if not self._ccy:
            return
        if self._committed_value is not None and abs(amount - self._committed_value) <= 1e-12:
            self.previewCancelled.emit()
            return
        self._committed_value = amount
        self.committed.emit(self._ccy, float(amount), self._gesture)

    def drag_to(self, amount: float) -> None:
        """Programmatic drag (tests, keyboard): press, move to ``amount``, keep the handle down."""
        self.slider.setSliderDown(True)          # emits sliderPressed: a new gesture
        self.slider.setValue(round(amount / self._max * SLIDER_STEPS) if self._max > 0 else 0)

    def release(self) -> None:
        self.slider.setSliderDown(False)         # emits sliderReleased: the commit

    def stop_timers(self) -> None:
        self._throttle.stop()
