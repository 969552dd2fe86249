"""The Reconcile view: OKX's figures beside riskws's, the difference, a flag beyond tolerance and the assumed
parameters behind riskws's figure. It only shows a ``Reconciliation`` computed on the compute service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.reconcile import Reconciliation, Row
from workstation.theme import Theme

COLUMNS = ("Figure", "OKX", "riskws", "Difference", "Relative", "Assumed parameters (riskws)")


def _num(x: float | str | None) -> str:
    if x is None:
        return "\u2013"
    if isinstance(x, str):
        return x
    return f"{x:,.2f}" if abs(x) >= 1000 else f"{x:,.6g}"


def figure_name(r: Row) -> str:
    scope = "" if r.scope == "account" else f"{r.scope} "
    return f"{scope}{r.name + ' ' if r.name else ''}{r.field}"


class ReconcileDialog(QDialog):
    """Non-modal; ``show_reconciliation`` fills it (again)."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconcileDialog")
        self.setWindowTitle("Reconcile with OKX")
        self.theme = theme
        self.rec: Reconciliation | None = None
        lay = QVBoxLayout(self)
        self.head = QLabel()
        self.head.setObjectName("reconcileHead")
        self.head.setWordWrap(True)
        self.head.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.head)
        row = QHBoxLayout()
        self.only_flagged = QCheckBox("Only differences beyond tolerance")
        self.only_flagged.setObjectName("reconcileOnlyFlagged")
        self.only_flagged.toggled.connect(lambda _on: self._fill())
        row.addWidget(self.only_flagged)
        row.addStretch(1)
        lay.addLayout(row)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("reconcileTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        hh = self.table.horizontalHeader()
        for i in range(len(COLUMNS) - 1):
            hh.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        hh.setStretchLastSection(True)
        lay.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(1150, 720)

    def show_reconciliation(self, rec: Reconciliation) -> None:
        self.rec = rec
        mode = "portfolio margin" if rec.mode == "pm" else "multi-currency margin"
        flagged = len(rec.flagged)
        colour = self.theme.negative if flagged else self.theme.positive
        lines = [f"<b>{rec.source}</b> ({rec.kind}), {mode}, rules {rec.rules}, "
                 f"market {rec.market_ts:%Y-%m-%d %H:%M:%S} UTC",
                 f"{len(rec.rows)} figures compared; <span style='color:{colour}'><b>{flagged} beyond tolerance</b></span> "
                 f"(relative {rec.rel_tol:g}, absolute {rec.abs_tol:g}); largest relative difference "
                 f"{rec.max_rel():.3g}. \u2020 = riskws's figure rests on assumed parameters."]
        lines += [f"<span style='color:{self.theme.warning}'>\u26a0 {n}</span>" for n in rec.notes]
        if rec.okx_only:
            more = " \u2026" if len(rec.okx_only) > 12 else ""
            lines.append(f"OKX figures riskws does not compute: {', '.join(rec.okx_only[:12])}{more}")
        self.head.setText("<br>".join(lines))
        self._fill()

    def _fill(self) -> None:
        rows = [] if self.rec is None else [r for r in self.rec.rows
                                            if r.flagged or not self.only_flagged.isChecked()]
        self.table.setRowCount(len(rows))
        bad = QBrush(QColor(self.theme.negative))
        for i, r in enumerate(rows):
            rel = "\u2013" if r.rel is None else f"{r.rel:.2e}"
            name = figure_name(r) + (" \u2020" if r.assumed else "")
            cells = (name, _num(r.okx), _num(r.riskws), _num(r.diff), rel, ", ".join(r.assumed))
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if 1 <= j <= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r.flagged and j in (0, 3, 4):
                    item.setForeground(bad)
                if j == 0 and r.flagged:
                    item.setToolTip("beyond tolerance")
                elif j == 5 and text:
                    item.setToolTip(text.replace(", ", "\n"))
                self.table.setItem(i, j, item)
