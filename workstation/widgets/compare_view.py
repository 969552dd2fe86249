"""Compare side by side (issue 15 item 2): two states of the open book in one view, with the differences.

A side is a what-if state (the book now, the current what-if, or a saved what-if), an account mode and a rule set,
so one view covers now vs what-if, PM vs MC, rule set A vs B and one saved what-if vs another. The window computes
both sides on its worker (``jobs.compare_sides``) and hands the two result dicts (formats.md §3) to ``show``.
Tables: the account figures, then per risk unit every MR (MR1..MR9, MMR, IMR, delta), then per currency.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QGridLayout, QHeaderView,
                               QLabel, QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from workstation.models.columns import finite_or_none
from workstation.numstyle import NumberStyle, amount_style, money_style

ACCOUNT_ROWS = (("adjEq", "Adjusted equity $"), ("totalMmr", "Total MMR $"), ("totalImr", "Total IMR $"),
                ("derivMmr", "Derivatives MMR $"), ("borrowMmr", "Borrowing MMR $"), ("marginRatio", "Margin ratio"),
                ("availEq", "Available equity $"), ("upl", "Floating P&L $"), ("eq", "Equity $"))
UNIT_FIGURES = ("mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7", "mr8", "mr9", "mmr", "imr", "delta")
UNIT_FIGURE_LABELS = {"delta": "Delta"}            # the others upper case: "MR1", "MMR", "IMR" (all USD)
HIGHER_IS_BETTER = {"adjEq", "marginRatio", "availEq", "upl", "eq"}
MODES = (("", "as the book"), ("pm", "portfolio margin"), ("mc", "multi-currency"))
DASH = "\u2014"


_f = finite_or_none


RATIO = NumberStyle(2)


def _delta(b: Any, a: Any) -> float | None:
    fb, fa = _f(b), _f(a)
    return None if fb is None or fa is None else fa - fb


def table_styles(rows: Sequence[tuple[str, str, Any, Any]], coin_keys: Sequence[str] = ()) -> dict[str, NumberStyle]:
    """One style per kind of figure for the whole table (A, B and B - A alike), so that its columns never mix
    "0.00" with "4,302": margin ratios with 2 decimals, coin amounts (``coin_keys``) with the decimals they need,
    USD figures in one money style."""
    kinds: dict[str, list[Any]] = {"usd": [], "coin": []}
    for _, key, va, vb in rows:
        if key and key != "marginRatio":
            kinds["coin" if key in coin_keys else "usd"] += [va, vb, _delta(va, vb)]
    usd, coin = money_style(kinds["usd"]), amount_style(kinds["coin"])
    return {key: RATIO if key == "marginRatio" else coin if key in coin_keys else usd for _, key, _, _ in rows}


class SideSelector(QWidget):
    """State, mode and rule set of one side."""

    def __init__(self, label: str, states: Sequence[str], rule_sets: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(f"<b>{label}</b>"), 0, 0)
        self.state = QComboBox()
        self.state.addItems(list(states))
        self.mode = QComboBox()
        for code, text in MODES:
            self.mode.addItem(text, code)
        self.rules = QComboBox()
        self.rules.addItem("the book's rule set", "")
        for r in rule_sets:
            self.rules.addItem(r, r)
        for col, w in enumerate((self.state, self.mode, self.rules), start=1):
            lay.addWidget(w, 0, col)
        lay.setColumnStretch(1, 2)

    def spec(self) -> dict[str, str]:
        return {"state": self.state.currentText(), "mode": self.mode.currentData() or "",
                "rules": self.rules.currentData() or ""}

    def label(self) -> str:
        s = self.spec()
        extra = [x for x in (dict(MODES).get(s["mode"]) if s["mode"] else "", s["rules"]) if x]
        return s["state"] + (f" ({', '.join(extra)})" if extra else "")


class CompareView(QDialog):
    """The side-by-side view; ``compareRequested(left_spec, right_spec)`` asks the window to compute both."""

    compareRequested = Signal(dict, dict)

    def __init__(self, states: Sequence[str], rule_sets: Sequence[str], *, negative: str = "#c62828",
                 positive: str = "#2e7d32", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self.setWindowTitle("Compare side by side")
        self.colours = (positive, negative)
        lay = QVBoxLayout(self)
        self.left = SideSelector("A", states, rule_sets)
        self.right = SideSelector("B", states, rule_sets)
        if len(states) > 1:
            self.right.state.setCurrentIndex(1)
        lay.addWidget(self.left)
        lay.addWidget(self.right)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareRun")
        self.compare_button.clicked.connect(self.request)
        lay.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.note = QLabel("")
        self.note.setObjectName("compareNote")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self.account = self._table("compareAccount")
        lay.addWidget(self.account, 2)
        self.tabs = QTabWidget()
        self.units = self._table("compareUnitMr")
        self.currencies = self._table("compareCurrency")
        self.tabs.addTab(self.units, "Per risk unit and MR")
        self.tabs.addTab(self.currencies, "Per currency")
        lay.addWidget(self.tabs, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(820, 640)

    def request(self) -> None:
        self.note.setText("Computing both sides\u2026")
        self.compare_button.setEnabled(False)
        self.compareRequested.emit(self.left.spec(), self.right.spec())

    def failed(self, message: str) -> None:
        self.compare_button.setEnabled(True)
        self.note.setText(f"Cannot compare: {message}")

    def show_results(self, a: Mapping, b: Mapping, notes: Sequence[str] = ()) -> None:
        """Fill the tables from two result dicts (formats.md §3): A, B and B - A."""
        self.compare_button.setEnabled(True)
        la, lb = self.left.label(), self.right.label()
        self.note.setText("; ".join([f"A = {la}", f"B = {lb}", *notes]))
        heads = ["", "A", "B", "B \u2212 A"]
        rows = [(label, key, a.get(key), b.get(key)) for key, label in ACCOUNT_ROWS]
        self._fill(self.account, heads, rows)
        ua = {u.get("riskUnit"): u for u in a.get("riskUnitData", [])}
        ub = {u.get("riskUnit"): u for u in b.get("riskUnitData", [])}
        unit_rows = []
        for name in sorted(set(ua) | set(ub), key=str):
            for key in UNIT_FIGURES:
                unit_rows.append((f"{name}  {UNIT_FIGURE_LABELS.get(key, key.upper())}", key,
                                  ua.get(name, {}).get(key), ub.get(name, {}).get(key)))
        if not unit_rows:
            unit_rows = [("no risk units on either side (multi-currency margin is per position)", "", None, None)]
        self._fill(self.units, ["Unit / figure (USD)", "A", "B", "B \u2212 A"], unit_rows)
        ca = {x.get("ccy"): x for x in a.get("assets", [])}
        cb = {x.get("ccy"): x for x in b.get("assets", [])}
        cur_rows = []
        for ccy in dict.fromkeys([*ca, *cb]):
            for key, label in ((("eq", f"equity {ccy}"), ("eqUsd", "equity $"), ("disEq", "discounted $"))):
                cur_rows.append((f"{ccy}  {label}", key, ca.get(ccy, {}).get(key), cb.get(ccy, {}).get(key)))
        self._fill(self.currencies, ["Currency / figure", "A", "B", "B \u2212 A"], cur_rows, coin_keys=("eq",))

    def _fill(self, t: QTableWidget, heads: list[str], rows: list[tuple[str, str, Any, Any]],
              coin_keys: Sequence[str] = ()) -> None:
        t.clear()
        t.setColumnCount(len(heads))
        t.setHorizontalHeaderLabels(heads)
        t.setRowCount(len(rows))
        styles = table_styles(rows, coin_keys)
        for r, (label, key, va, vb) in enumerate(rows):
            style = styles.get(key, RATIO)
            cells = [label, style(_f(va)), style(_f(vb)), style.with_sign()(_delta(va, vb))]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.UserRole, (va, vb)[c - 1] if c in (1, 2) else None)
                if c == 3 and any(ch in "123456789" for ch in text):        # a change that shows
                    better = ((_f(vb) or 0) > (_f(va) or 0)) == (key in HIGHER_IS_BETTER)
                    item.setForeground(QColor(self.colours[0] if better else self.colours[1]))
                t.setItem(r, c, item)

    @staticmethod
    def _table(name: str) -> QTableWidget:
        t = QTableWidget(0, 4)
        t.setObjectName(name)
        t.verticalHeader().hide()
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.verticalHeader().setDefaultSectionSize(22)
        return t
