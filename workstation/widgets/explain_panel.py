"""The detail panel of the selected risk unit: every position's contribution and what closing it would save.

Shows what ``engine.explain`` computed on the compute service's worker ("explain" channel): per position its P&L in
the unit's worst MR1 scenario and in the MR6 scenario, its shares of MR4, MR7 and MR9, the unit's MMR if it were
closed, the derivation line of each figure, and the best hedge per candidate. The panel itself computes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QPlainTextEdit, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from workstation.models.columns import fmt_money
from workstation.numstyle import amount_style, grouped_texts, money_style

COLUMNS = (
    ("instId", "Position", "Instrument (the coin: its spot in use)"),
    ("pos", "Size", "Contracts (coin for spot in use)"),
    ("mmrIfClosed", "MMR if closed $", "The unit's MMR with this position closed, everything else unchanged "
                                       "(spot in use re-sized by the usual rule)"),
    ("mr1Pnl", "MR1 P&L $", "P&L of the position in the unit's worst MR1 scenario"),
    ("mr6Pnl", "MR6 P&L $", "P&L of the position in the unit's MR6 (extreme move) scenario"),
    ("mr4", "MR4 share $", "Share of the basis charge: the bucket's charge split by signed cash delta"),
    ("mr7", "MR7 share $", "Share of the minimum charge: by rate x |cash delta|"),
    ("mr9", "MR9 share $", "Share of the stablecoin depeg charge: half of each pair's charge to each side"),
)
HEDGE_COLUMNS = ("Hedge", "Size", "MMR $", "Saves $")


class ExplainPanel(QWidget):
    """Positions table, derivation lines and best hedges of one unit (``show_unit`` / ``clear``).

    Double-clicking a hedge asks the window to apply it (``hedgeApplyRequested(instId, size, is_spot)``): a contract
    hedge as a what-if trade booked as a fill (``engine.fill.with_trade``), a spot hedge as the unit's spot in use.
    Sizes are continuous: the snapshot has no lot size (``lotSz``) to round them to."""

    hedgeApplyRequested = Signal(str, float, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel("Select a risk unit")
        self.title.setObjectName("explainTitle")
        lay.addWidget(self.title)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = self._table("explainPositions", [c[1] for c in COLUMNS])
        for i, (_, _, tip) in enumerate(COLUMNS):
            self.table.horizontalHeaderItem(i).setToolTip(tip)
        self.lines = QPlainTextEdit()
        self.lines.setObjectName("explainLines")
        self.lines.setReadOnly(True)
        self.lines.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.hedges = self._table("explainHedges", list(HEDGE_COLUMNS))
        self.hedges.setToolTip("Double-click a hedge to apply it as a what-if trade (booked as a fill at the mark: "
                               "premium and taker fee; sizes not rounded to the lot size)")
        self.hedges.cellDoubleClicked.connect(self.apply_hedge)
        self._hedges: list = []
        split.addWidget(self.table)
        split.addWidget(self.lines)
        split.addWidget(self.hedges)
        split.setSizes([220, 140, 100])
        lay.addWidget(split, 1)
        self.unit = ""

    @staticmethod
    def _table(name: str, headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setObjectName(name)
        t.setHorizontalHeaderLabels(headers)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    def clear(self, note: str = "Select a risk unit") -> None:
        self.unit = ""
        self.title.setText(note)
        self.table.setRowCount(0)
        self.hedges.setRowCount(0)
        self._hedges = []
        self.lines.setPlainText("")

    def show_unit(self, ex, margin_ratio_line: str = "") -> None:
        """Show a ``engine.explain.UnitExplanation``."""
        self.unit = ex.risk_unit
        self.title.setText(f"{ex.risk_unit}: MMR {fmt_money(ex.mmr)} USD \u2014 contributions per position")
        rows = ex.positions()
        # one style per column (issue 15 item 7): sizes with the decimals they need, USD columns in one money style
        styles = {key: money_style([r[key] for r in rows]) for key, _, _ in COLUMNS[2:]}
        sizes = grouped_texts([r["pos"] for r in rows], [bool(r.get("spotInUse")) for r in rows], amount_style)
        # A header in ResizeToContents mode re-measures its column on every cell change: filling the desk book's
        # 800 rows that way took minutes. Fill with the header fixed, then size the columns once.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setUpdatesEnabled(False)
        try:
            self.table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for c, (key, _, _) in enumerate(COLUMNS):
                    v = row[key]
                    text = v if isinstance(v, str) else sizes[r] if key == "pos" else styles[key](v)
                    self._set(self.table, r, c, text, numeric=not isinstance(v, str))
                if row.get("spotInUse"):
                    self.table.item(r, 0).setToolTip("Spot in use; 'MMR if closed' = the unit with no spot in use")
            self.table.resizeColumnsToContents()
        finally:
            self.table.setUpdatesEnabled(True)
        lines = list(ex.lines.values()) + ([margin_ratio_line] if margin_ratio_line else [])
        self.lines.setPlainText("\n".join(lines))
        self._hedges = list(ex.hedges)
        self.hedges.setRowCount(len(ex.hedges))
        sizes = grouped_texts([h.size for h in ex.hedges], [h.is_spot for h in ex.hedges], amount_style)
        usd = money_style([v for h in ex.hedges for v in (h.mmr, ex.mmr - h.mmr)])
        for r, h in enumerate(ex.hedges):
            size = f"{sizes[r]} coin in use" if h.is_spot else f"{'+' if h.size > 0 else ''}{sizes[r]} contracts"
            for c, text in enumerate((h.inst_id, size, usd(h.mmr), usd(ex.mmr - h.mmr))):
                self._set(self.hedges, r, c, text, numeric=c > 0)

    def apply_hedge(self, row: int, _column: int = 0) -> None:
        """Ask for hedge ``row`` of the table to be applied (its size as shown, i.e. rounded to 6 decimals)."""
        if 0 <= row < len(self._hedges):
            h = self._hedges[row]
            self.hedgeApplyRequested.emit(h.inst_id, round(float(h.size), 6), bool(h.is_spot))

    @staticmethod
    def _set(table: QTableWidget, r: int, c: int, text: str, *, numeric: bool) -> None:
        item = table.item(r, c)
        if item is None:
            item = QTableWidgetItem()
            table.setItem(r, c, item)
        if item.text() != text:
            item.setText(text)
        align = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
        item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
