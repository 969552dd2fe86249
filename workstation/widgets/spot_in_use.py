"""Spot in use of the selected risk unit: a slider and a spin box.

Moving either drives a throttled live preview (``previewRequested``, leading edge, then at most every
``PREVIEW_MS``); releasing the slider, or finishing a spin-box edit, commits (``committed``). All commits of one
gesture carry the same gesture number so that the undo stack merges them into one step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget)

from workstation.models.columns import fmt_amount

PREVIEW_MS = 40
SLIDER_STEPS = 1000


class SpotInUseControl(QFrame):
    previewRequested = Signal(str, float)           # ccy, coin amount
    previewCancelled = Signal()
    committed = Signal(str, object, int)            # ccy, amount or None (automatic), gesture number

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spotInUseControl")
        self._ccy = ""
        self._max = 0.0
        self._gesture = 0
        self._pending: float | None = None
        self._committed_value: float | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        self.title = QLabel("Spot in use")
        self.title.setProperty("role", "heading")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("spotInUseSlider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        self.slider.setMinimumWidth(120)
        self.spin = QDoubleSpinBox()
        self.spin.setObjectName("spotInUseSpin")
        self.spin.setDecimals(4)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(100)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.max_label = QLabel("")
        self.max_label.setProperty("role", "muted")
        self.state_label = QLabel("")
        self.state_label.setProperty("role", "muted")
        self.auto_button = QPushButton("Back to automatic")
        self.auto_button.setObjectName("spotInUseAuto")
        self.auto_button.setToolTip("Let the engine choose the spot in use (OKX's automatic mode)")
        for w in (self.title, self.slider, self.spin, self.max_label, self.state_label):
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(self.auto_button)
        lay.setStretch(1, 3)

        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(PREVIEW_MS)
        self._throttle.timeout.connect(self._flush_preview)

        self.slider.sliderPressed.connect(self._begin_gesture)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self._on_release)
        self.spin.valueChanged.connect(self._on_spin)
        self.auto_button.clicked.connect(self._on_auto)
        self.set_unit(None)

    # -- state from the result -----------------------------------------------------------------------------------
    @property
    def ccy(self) -> str:
        return self._ccy

    def set_unit(self, ccy: str | None, value: float = 0.0, maximum: float = 0.0, user_set: bool = False) -> None:
        """Show ``ccy``'s spot in use (coin) and its maximum; None disables the control."""
        enabled = ccy is not None and maximum > 0
        if ccy != self._ccy:
            self._gesture += 1
        self._ccy = ccy or ""
        self._max = max(float(maximum), 0.0)
        self._committed_value = float(value)
        for w in (self.slider, self.spin, self.auto_button):
            w.setEnabled(enabled)
        self.auto_button.setEnabled(enabled and user_set)
        self.title.setText(f"Spot in use {ccy}" if ccy else "Spot in use")
        self.max_label.setText(f"max {fmt_amount(self._max)} {ccy}" if ccy else "select a risk unit")
        self.state_label.setText(("user-defined" if user_set else "automatic") if ccy else "")
        self._show(value)

    def _show(self, value: float) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setRange(0.0, self._max if self._max > 0 else 0.0)
        self.spin.setSingleStep(max(self._max / 100.0, 1e-4))
        self.spin.setValue(value)
        self.slider.setValue(round(value / self._max * SLIDER_STEPS) if self._max > 0 else 0)
        for w in (self.slider, self.spin):
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
        self.spin.blockSignals(True)
        self.spin.setValue(amount)
        self.spin.blockSignals(False)
        if self.slider.isSliderDown():
            self._request_preview(amount)
        else:
            # keyboard / page steps on the slider: commit straight away (merged by gesture)
            self._commit(amount)

    def _on_release(self) -> None:
        self._throttle.stop()
        self._pending = None
        self._commit(self._amount_from_slider(self.slider.value()))

    def _on_spin(self, value: float) -> None:
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
