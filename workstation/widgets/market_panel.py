"""The market snapshot in use: editable index prices and a what-if index move per crypto."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QGridLayout, QHeaderView, QLabel, QPushButton, QSlider,
                               QTableView, QVBoxLayout, QWidget)

from engine.catalogue import is_stablecoin
from engine.market import Market, format_ts
from workstation.models.tables import IndexModel
from workstation.widgets.delegates import ValidatingDelegate

WHATIF_RANGE_PCT = 50
WHATIF_MS = 60


class MarketPanel(QWidget):
    whatifChanged = Signal(dict)       # ccy -> relative move (throttled while dragging)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("marketPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel("No market snapshot")
        self.header.setProperty("role", "muted")
        self.header.setWordWrap(True)
        lay.addWidget(self.header)
        self.source_label = QLabel("")          # "OKX, 14 min ago" / "SYNTHETIC demo data" (warning colour)
        self.source_label.setObjectName("marketSource")
        self.source_label.setWordWrap(True)
        lay.addWidget(self.source_label)
        self.model = IndexModel(self)
        self.table = QTableView()
        self.table.setObjectName("indexTable")
        self.table.setModel(self.model)
        self.delegate = ValidatingDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        lay.addWidget(self.table, 2)
        cap = QLabel("What-if index move (not saved)")
        cap.setProperty("role", "heading")
        lay.addWidget(cap)
        self.sliders_box = QWidget()
        self.sliders = QGridLayout(self.sliders_box)
        self.sliders.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.sliders_box)
        self.reset_button = QPushButton("Reset what-if")
        self.reset_button.setObjectName("whatifReset")
        self.reset_button.clicked.connect(self.reset_whatif)
        lay.addWidget(self.reset_button)
        lay.addStretch(0)
        self._slider: dict[str, QSlider] = {}
        self._value_label: dict[str, QLabel] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(WHATIF_MS)
        self._timer.timeout.connect(self._emit)
        self._pending = False

    def set_source(self, market: Market | None) -> None:
        """Where the snapshot came from and how old it is, in words; synthetic data in the warning colour."""
        from workstation.okx.age import describe_source
        text = "" if market is None else describe_source(market.source, market.fetched_at or market.ts)
        level = "warning" if market is not None and market.source in (None, "synthetic") else ""
        if market is not None and market.source is None:
            text += " (source not stated)"
        self.source_label.setText(text)
        self.source_label.setToolTip("" if market is None or market.fetched_at is None
                                     else f"fetched at {format_ts(market.fetched_at)}")
        if self.source_label.property("level") != level:
            self.source_label.setProperty("level", level)
            self.source_label.style().unpolish(self.source_label)
            self.source_label.style().polish(self.source_label)

    def set_market(self, market: Market | None, whatif: dict[str, float], label: str = "") -> None:
        if market is None:
            self.set_source(None)
            self.header.setText("No market snapshot")
            self.model.set_rows([])
            self._build_sliders([])
            return
        self.header.setText(f"Snapshot {label} \u2014 valued at {format_ts(market.ts)}" if label
                            else f"Valued at {format_ts(market.ts)}")
        self.set_source(market)
        self.model.set_market(market, whatif)
        cryptos = [k.split("-")[0] for k in sorted(market.index) if not is_stablecoin(k.split("-")[0])]
        if cryptos != list(self._slider):
            self._build_sliders(cryptos)
        for ccy, s in self._slider.items():
            s.blockSignals(True)
            s.setValue(round(whatif.get(ccy, 0.0) * 1000))
            s.blockSignals(False)
            self._label(ccy)

    def _build_sliders(self, cryptos: list[str]) -> None:
        while self.sliders.count():
            item = self.sliders.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._slider.clear()
        self._value_label.clear()
        for row, ccy in enumerate(cryptos):
            name = QLabel(ccy)
            s = QSlider(Qt.Orientation.Horizontal)
            s.setObjectName(f"whatif_{ccy}")
            s.setRange(-WHATIF_RANGE_PCT * 10, WHATIF_RANGE_PCT * 10)   # per mille
            s.setSingleStep(5)
            s.setPageStep(50)
            s.setToolTip(f"Move the {ccy} index by up to \u00b1{WHATIF_RANGE_PCT}% (marks move with it); "
                         f"double-click the label to reset")
            val = QLabel("0.0%")
            val.setMinimumWidth(52)
            val.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            s.valueChanged.connect(lambda _v, c=ccy: self._on_slider(c))
            self.sliders.addWidget(name, row, 0)
            self.sliders.addWidget(s, row, 1)
            self.sliders.addWidget(val, row, 2)
            self._slider[ccy] = s
            self._value_label[ccy] = val

    def _label(self, ccy: str) -> None:
        self._value_label[ccy].setText(f"{self._slider[ccy].value() / 10:+.1f}%")

    def _on_slider(self, ccy: str) -> None:
        self._label(ccy)
        self._pending = True
        if not self._timer.isActive():
            self._emit()
            self._timer.start()

    def _emit(self) -> None:
        if self._pending:
            self._pending = False
            self.whatifChanged.emit(self.moves())

    def moves(self) -> dict[str, float]:
        return {c: s.value() / 1000.0 for c, s in self._slider.items() if s.value()}

    def set_move(self, ccy: str, move: float) -> None:
        self._slider[ccy].setValue(round(move * 1000))

    def reset_whatif(self) -> None:
        for s in self._slider.values():
            s.blockSignals(True)
            s.setValue(0)
            s.blockSignals(False)
        for c in self._slider:
            self._label(c)
        self._timer.stop()
        self._pending = False
        self.whatifChanged.emit({})

    def stop_timers(self) -> None:
        self._timer.stop()
