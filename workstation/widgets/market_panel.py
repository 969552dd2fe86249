"""The market snapshot in use: editable index prices, and the what-if panel (widgets/whatif_panel.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from engine.catalogue import is_stablecoin
from engine.market import Market, format_ts
from workstation.models.tables import IndexModel
from workstation.widgets.delegates import ValidatingDelegate
from workstation.widgets.whatif_panel import WhatIfPanel, axes_for


class MarketPanel(QWidget):
    whatifChanged = Signal(dict)       # ccy -> relative index move (throttled while dragging)
    scenarioChanged = Signal(object)   # the whole what-if: engine.scenario.Scenario, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("marketPanel")
        self._axes_of: Market | None = None      # the market whose what-if controls are built
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
        self._market: Market | None = None
        self._sources: Mapping[str, Any] | None = None
        self.now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)   # tests move the clock
        # "OKX, 14 min ago" must not go stale on screen: the words are re-read each minute (no recompute)
        self.age_timer = QTimer(self)
        self.age_timer.setObjectName("marketAgeTimer")
        self.age_timer.setInterval(60_000)
        self.age_timer.timeout.connect(self.refresh_age)
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
        cap = QLabel("What-if (not saved with the book unless named)")
        cap.setProperty("role", "heading")
        lay.addWidget(cap)
        self.whatif = WhatIfPanel()
        self.whatif.scenarioChanged.connect(self._on_scenario)
        lay.addWidget(self.whatif, 3)
        self.reset_button = self.whatif.reset_button

    def set_source(self, market: Market | None) -> None:
        """Where the snapshot came from and how old it is, in words; synthetic data in the warning colour."""
        self._market = market
        self.refresh_age()
        level = "warning" if market is not None and market.source in (None, "synthetic") else ""
        if self.source_label.property("level") != level:
            self.source_label.setProperty("level", level)
            self.source_label.style().unpolish(self.source_label)
            self.source_label.style().polish(self.source_label)
        ages = market is not None and market.source in ("okx", "recorded")
        if ages and not self.age_timer.isActive():
            self.age_timer.start()
        elif not ages:
            self.age_timer.stop()

    def refresh_age(self) -> None:
        """Re-read the source line's age ("14 min ago" becomes "15 min ago"); nothing is recomputed."""
        from workstation.okx.age import describe_source
        market = self._market
        text = "" if market is None else describe_source(market.source, market.fetched_at or market.ts,
                                                          now=self.now())
        if market is not None and market.source is None:
            text += " (source not stated)"
        if self.source_label.text() != text:
            self.source_label.setText(text)
        self._update_tooltip()

    def set_sources(self, sources: Mapping[str, Any] | None) -> None:
        """Where the last result's contract specifications and tiers came from (engine/sources.py), shown in the
        source line's tooltip."""
        self._sources = sources
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        market, lines = self._market, []
        if market is not None and market.fetched_at is not None:
            lines.append(f"fetched at {format_ts(market.fetched_at)}")
        src = self._sources or {}
        for key, words in (("instruments", "contract specifications"), ("positionTiers", "position tiers"),
                           ("discountTiers", "collateral discount tiers")):
            if isinstance(src.get(key), str):
                lines.append(f"{words}: {src[key]}")
        tip = "\n".join(lines)
        if self.source_label.toolTip() != tip:
            self.source_label.setToolTip(tip)

    def set_market(self, market: Market | None, whatif: dict[str, float], label: str = "") -> None:
        if market is None:
            self.set_source(None)
            self.set_sources(None)
            self.header.setText("No market snapshot")
            self.model.set_rows([])
            self._axes_of = None
            self.whatif.set_axes([])
            return
        self.header.setText(f"Snapshot {label} \u2014 valued at {format_ts(market.ts)}" if label
                            else f"Valued at {format_ts(market.ts)}")
        if market is not self._market:             # a what-if step: the same snapshot, its age re-read by the timer
            self.set_source(market)
        self.model.set_market(market, whatif)
        if market is not self._axes_of:            # a what-if step: the same market, the same controls
            self._axes_of = market
            self.whatif.set_axes(market_axes(market))

    def _on_scenario(self, scenario) -> None:
        self.scenarioChanged.emit(scenario)
        self.whatifChanged.emit(self.moves())

    def moves(self) -> dict[str, float]:
        """The what-if's index move per crypto of the market (relative), zero moves left out."""
        s = self.whatif.scenario()
        if s is None:
            return {}
        out = {a.key[6:]: s.index_move(a.key[6:]) for a in self.whatif.axes if a.key.startswith("index:")}
        return {c: m for c, m in out.items() if m}

    def set_move(self, ccy: str, move: float) -> None:
        self.whatif.set_value(f"index:{ccy}", move * 100.0)

    def reset_whatif(self) -> None:
        self.whatif.reset()

    def stop_timers(self) -> None:
        self.age_timer.stop()
        self.whatif.stop_timers()


def market_axes(market: Market) -> list:
    """The what-if controls a market offers: every crypto's index, vols where it has any, stablecoin levels."""
    cryptos = [k[:-4] for k in sorted(market.index) if k.endswith("-USD") and not is_stablecoin(k[:-4])]
    vol_unds = set(market.atm_vol) | {k.split("-", 1)[0] for k in market.mark_vol}
    stables = {k[:-4]: v for k, v in market.index.items() if k.endswith("-USD") and is_stablecoin(k[:-4])}
    return axes_for(cryptos, sorted(vol_unds), stables)
