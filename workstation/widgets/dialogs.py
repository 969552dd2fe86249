"""Dialogs: add a position or a balance (validated before anything is stored), compare before/after, shortcuts."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QCompleter, QDialog, QDialogButtonBox, QFormLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from engine.errors import InputError
from engine.numbers import parse_number
from engine.portfolio import MAX_ASSET, MAX_CONTRACTS, Asset, Position
from workstation.models.columns import DASH, finite_or_none
from workstation.numstyle import NumberStyle, amount_style, money_style
from workstation.theme import Theme
from workstation.widgets.switch_equity import equity_lines


# OKX's precheck codes in words (GET /api/v5/account/set-account-switch-precheck, sCode)
S_CODE_WORDS = {"0": "the switch is possible", "1": "something must be closed, repaid or changed first",
                "3": "a leverage must be preset first", "4": "a position tier or margin check fails"}


class _ValidatedDialog(QDialog):
    """OK stays disabled, and the reason is shown, until every field parses.

    A fresh dialog shows no error (its fields are simply empty): the reason appears once the user has typed.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel("")
        self.error.setObjectName("inputError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.value: Any = None
        self.touched = False
        self.setMinimumWidth(420)

    def parse(self) -> Any:
        raise NotImplementedError

    def revalidate(self) -> None:
        try:
            self.value = self.parse()
            self.error.setText("")
            ok = True
        except InputError as exc:
            self.value = None
            self.error.setText(str(exc) if self.touched else "")
            ok = False
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def edited(self, *_: object) -> None:
        """A field changed: from now on the reason of a refusal is shown."""
        self.touched = True
        self.revalidate()

    def _accept(self) -> None:
        self.touched = True
        self.revalidate()
        if self.value is not None:
            self.accept()


class PositionDialog(_ValidatedDialog):
    """A new position; with ``fill`` (the cash a fill moves: engine.fill.fill_cash) it can be booked as a trade,
    its premium and fee going to the settlement currency's balance as on OKX."""

    def __init__(self, completions: Sequence[str], check_instrument: Callable[[str], str],
                 parent: QWidget | None = None, fill: Callable[[Position], Any] | None = None) -> None:
        super().__init__("Add position", parent)
        self._check = check_instrument
        self._fill = fill
        self.fill_cash: Any = None            # engine.fill.FillCash of the parsed position (when booked as a fill)
        self.inst = QLineEdit()
        self.inst.setObjectName("newInstId")
        self.inst.setPlaceholderText("e.g. BTC-USDT-SWAP, BTC-USD-250328, BTC-USD-250328-100000-C")
        comp = QCompleter(QStringListModel(list(completions), self), self)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        self.inst.setCompleter(comp)
        self.pos = QLineEdit()
        self.pos.setObjectName("newPos")
        self.pos.setPlaceholderText("signed contracts, e.g. -100")
        self.avg = QLineEdit()
        self.avg.setObjectName("newAvgPx")
        self.avg.setPlaceholderText("optional; empty = the mark")
        self.form.addRow("Instrument", self.inst)
        self.form.addRow("Contracts", self.pos)
        self.form.addRow("Avg price", self.avg)
        self.as_fill = QCheckBox("Book as a fill: premium and fee to the balance")
        self.as_fill.setObjectName("newAsFill")
        self.as_fill.setChecked(fill is not None)
        self.as_fill.setVisible(fill is not None)
        self.as_fill.setToolTip("As on OKX: a sold option's premium is credited to (a bought one's paid from) the "
                                "settlement currency, and the taker fee is paid (resources/fees.json, assumed rates)")
        self.fill_label = QLabel("")
        self.fill_label.setObjectName("newFillCash")
        self.fill_label.setWordWrap(True)
        self.fill_label.setProperty("role", "muted")
        self.form.addRow("", self.as_fill)
        self.form.addRow("", self.fill_label)
        self.as_fill.toggled.connect(lambda _on: self.revalidate())
        for e in (self.inst, self.pos, self.avg):
            e.textChanged.connect(self.edited)
        self.revalidate()

    def revalidate(self) -> None:
        super().revalidate()
        self.fill_cash = None
        text = ""
        if self._fill is not None and self.as_fill.isChecked() and self.value is not None:
            try:
                fc = self._fill(self.value)
            except InputError as exc:
                text = f"No fill: {exc}"
            else:
                self.fill_cash = fc
                prem = "" if fc.premium == 0 else f"premium {fc.premium:+,.8g} {fc.ccy} at {fc.price:,.8g}, "
                text = (f"{prem}fee {fc.fee:,.6g} {fc.ccy} (taker, {fc.fee_source}): "
                        f"{fc.ccy} balance {fc.cash:+,.8g}")
        self.fill_label.setText(text)

    def parse(self) -> Position:
        inst_id = self._check(self.inst.text().strip())
        pos = parse_number(self.pos.text(), "contracts", limit=MAX_CONTRACTS)
        text = self.avg.text().strip()
        avg = None if not text else parse_number(text, "avg price", allow_negative=False, allow_zero=False)
        return Position(inst_id, pos, avg)


class BalanceDialog(_ValidatedDialog):
    def __init__(self, currencies: Sequence[str], taken: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__("Add balance", parent)
        self._taken = set(taken)
        self.ccy = QComboBox()
        self.ccy.setObjectName("newCcy")
        self.ccy.addItems([c for c in currencies if c not in self._taken])
        self.amt = QLineEdit()
        self.amt.setObjectName("newAmt")
        self.amt.setPlaceholderText("signed amount; negative = borrowed")
        self.form.addRow("Currency", self.ccy)
        self.form.addRow("Amount", self.amt)
        self.ccy.currentTextChanged.connect(self.edited)
        self.amt.textChanged.connect(self.edited)
        self.touched = self.ccy.count() == 0          # nothing to choose: say so at once
        self.revalidate()

    def parse(self) -> Asset:
        ccy = self.ccy.currentText()
        if not ccy:
            raise InputError("currency: every known currency already has a balance; edit it in the table")
        return Asset(ccy, parse_number(self.amt.text(), f"{ccy} amount", limit=MAX_ASSET))


# -- before / after --------------------------------------------------------------------------------------------------
SUMMARY_ROWS = (("adjEq", "Adjusted equity $"), ("totalImr", "Total IMR $"), ("totalMmr", "Total MMR $"),
                ("marginRatio", "Margin ratio"), ("availEq", "Available equity $"), ("upl", "Floating P&L $"))


_f = finite_or_none


def _ratio(x: Any) -> str:
    return NumberStyle(2)(_f(x))


def _d(b: Any, a: Any) -> float | None:
    fb, fa = _f(b), _f(a)
    return None if fb is None or fa is None else fa - fb


def _usd_style(pairs: Sequence[tuple[Any, Any]]) -> NumberStyle:
    """One money style for a table's USD cells, before, after and change alike (issue 15 item 7)."""
    return money_style([v for b, a in pairs for v in (_f(b), _f(a), _d(b, a))])


class CompareDialog(QDialog):
    """Before / after of an account-mode switch or a rule-set change; applied only when accepted."""

    def __init__(self, title: str, before_label: str, after_label: str, before: Mapping, after: Mapping, *,
                 s_code: str | None, reasons: Sequence[str], theme: Theme, allowed: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle(title)
        self.theme = theme
        self.before, self.after = before, after
        lay = QVBoxLayout(self)
        head = QLabel(f"<b>{title}</b>")
        lay.addWidget(head)
        self.status = QLabel()
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)
        if s_code is not None:
            ok = str(s_code) == "0"
            words = S_CODE_WORDS.get(str(s_code), "")
            text = (("OKX would accept the switch" if ok else "OKX would refuse the switch")
                    + (f": {words}" if words and not ok else "") + f" (OKX code sCode {s_code}).")
        else:
            text = ""
        if reasons:               # notes (what the switch does) in the normal colour, refusal reasons in red
            text += ("<br>" if text else "") + "<br>".join(
                f"<span style='color: {theme.foreground};'>\u2022 {r}</span>" if r.startswith("Note: ")
                else f"\u2022 {r}" for r in reasons)
        self.status.setText(text or "No remarks.")
        colour = theme.foreground if (s_code is None or str(s_code) == "0") else theme.negative
        self.status.setStyleSheet(f"color: {colour};")
        lay.addWidget(self.status)

        self.summary = self._table("compareSummary", ["", before_label, after_label, "Change"])
        usd = _usd_style([(before.get(k), after.get(k)) for k, _ in SUMMARY_ROWS if k != "marginRatio"])
        for key, label in SUMMARY_ROWS:
            b, a = before.get(key), after.get(key)
            fmt = NumberStyle(2) if key == "marginRatio" else usd
            self._add(self.summary, [label, fmt(_f(b)), fmt(_f(a)), fmt.with_sign()(_d(b, a))],
                      self._change_colour(b, a, key))
        lay.addWidget(self.summary)
        # why the equity moves (long options leaving collateral, discounts), position by position
        self.equity_note = QLabel("\n".join(equity_lines(before, after)))
        self.equity_note.setObjectName("compareEquityNote")
        self.equity_note.setWordWrap(True)
        self.equity_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equity_note.setVisible(bool(self.equity_note.text()))
        lay.addWidget(self.equity_note)

        tabs = QTabWidget()
        self.units = self._table("compareUnits", ["Unit", f"MMR {before_label}", f"MMR {after_label}",
                                                  f"IMR {before_label}", f"IMR {after_label}", "MMR change"])
        bu = {u.get("riskUnit"): u for u in before.get("riskUnitData", [])}
        au = {u.get("riskUnit"): u for u in after.get("riskUnitData", [])}
        names = sorted(set(bu) | set(au), key=str)
        usd = _usd_style([(bu.get(n, {}).get(k), au.get(n, {}).get(k)) for n in names for k in ("mmr", "imr")])
        for name in names:
            b, a = bu.get(name, {}), au.get(name, {})
            self._add(self.units, [str(name), usd(_f(b.get("mmr"))), usd(_f(a.get("mmr"))),
                                   usd(_f(b.get("imr"))), usd(_f(a.get("imr"))),
                                   usd.with_sign()(_d(b.get("mmr"), a.get("mmr")))],
                      self._change_colour(b.get("mmr"), a.get("mmr"), "mmr"))
        tabs.addTab(self.units, "Per risk unit")
        self.positions = self._table("comparePositions", ["Instrument", f"MMR {before_label}", f"MMR {after_label}",
                                                          f"IMR {before_label}", f"IMR {after_label}",
                                                          "Delta $"])
        bp = {p.get("instId"): p for p in before.get("positions", [])}
        ap = {p.get("instId"): p for p in after.get("positions", [])}
        insts = sorted(set(bp) | set(ap), key=str)
        usd = _usd_style([(bp.get(i, {}).get(k), ap.get(i, {}).get(k)) for i in insts for k in ("mmr", "imr")])
        delta = money_style([_f(ap.get(i, {}).get("delta", bp.get(i, {}).get("delta"))) for i in insts])
        for inst in insts:
            b, a = bp.get(inst, {}), ap.get(inst, {})
            self._add(self.positions, [str(inst), usd(_f(b.get("mmr"))), usd(_f(a.get("mmr"))),
                                       usd(_f(b.get("imr"))), usd(_f(a.get("imr"))),
                                       delta(_f(a.get("delta", b.get("delta"))))], None)
        tabs.addTab(self.positions, "Per position")
        self.currencies = self._currency_table(before_label, after_label, before, after)
        tabs.addTab(self.currencies, "Per currency")
        if not (bu and au):            # one side has no risk units (multi-currency): positions carry the margin
            tabs.setCurrentWidget(self.positions)
        if "2" in (str(before.get("acctLv")), str(after.get("acctLv"))):   # spot and futures: per-currency margin
            tabs.setCurrentWidget(self.currencies)
        self.tabs = tabs
        lay.addWidget(tabs, 1)

        self.buttons = QDialogButtonBox()
        self.apply_button = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setObjectName("compareApply")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        if not allowed:
            # OKX would refuse; the simulation may still be applied, but the button says so.
            self.apply_button.setText("Apply anyway (OKX would refuse)")
            self.apply_button.setToolTip("OKX would refuse this switch (see the sCode and reasons above); applying "
                                         "it here only changes the simulated account")
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(760, 560)

    def _currency_table(self, before_label: str, after_label: str, before: Mapping, after: Mapping) -> QTableWidget:
        """Per currency: equity (currency units), and in spot and futures mode its available equity and margin ratio
        (each currency margins the positions settled in it)."""
        t = self._table("compareCurrencies", ["Currency", f"Equity {before_label}", f"Equity {after_label}",
                                              f"Avail. {before_label}", f"Avail. {after_label}",
                                              f"Ratio {before_label}", f"Ratio {after_label}"])

        def side(d: Mapping) -> dict:
            if d.get("details"):
                return {x.get("ccy"): x for x in d["details"]}
            return {x.get("ccy"): {"eq": x.get("eq")} for x in d.get("assets", [])}

        bs, as_ = side(before), side(after)
        ccys = list(dict.fromkeys([*bs, *as_]))
        # currency amounts (each row in its own coin): one style, the decimals the amounts need (at most 6)
        amount = amount_style([_f(d.get(c, {}).get(k)) for d in (bs, as_) for c in ccys for k in ("eq", "availEq")])
        for ccy in ccys:
            b, a = bs.get(ccy, {}), as_.get(ccy, {})
            self._add(t, [str(ccy), amount(_f(b.get("eq"))), amount(_f(a.get("eq"))), amount(_f(b.get("availEq"))),
                          amount(_f(a.get("availEq"))), _ratio(b.get("mgnRatio")), _ratio(a.get("mgnRatio"))],
                      self._change_colour(b.get("mgnRatio"), a.get("mgnRatio"), "marginRatio"))
        return t

    @staticmethod
    def _table(name: str, headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setObjectName(name)
        t.setHorizontalHeaderLabels(headers)
        t.verticalHeader().hide()
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # the first column names instruments in full (BTC-USD-250328-110000-C): sized to its text, never elided
        t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        t.setTextElideMode(Qt.TextElideMode.ElideNone)
        t.verticalHeader().setDefaultSectionSize(22)
        return t

    def _add(self, table: QTableWidget, cells: list[str], colour: str | None) -> None:
        r = table.rowCount()
        table.insertRow(r)
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if colour and c == len(cells) - 1:
                item.setForeground(QColor(colour))
            table.setItem(r, c, item)
        if table.objectName() == "compareSummary":
            table.setFixedHeight(24 + 22 * table.rowCount() + 4)

    def _change_colour(self, b: Any, a: Any, key: str) -> str | None:
        fb, fa = _f(b), _f(a)
        if fb is None or fa is None or fa == fb:
            return None
        better = (fa > fb) if key in ("adjEq", "marginRatio", "availEq", "upl") else (fa < fb)
        return self.theme.positive if better else self.theme.negative

    def cell(self, table: str, row: int, col: int) -> str:
        t = self.findChild(QTableWidget, table)
        item = t.item(row, col) if t else None
        return item.text() if item else ""


SHORTCUTS_HTML_HEAD = "<table cellspacing='6'><tr><th align='left'>Action</th><th align='left'>Keys</th></tr>"


def show_shortcuts(parent: QWidget, rows: Sequence[tuple[str, str]]) -> None:
    html = SHORTCUTS_HTML_HEAD + "".join(f"<tr><td>{a}</td><td><b>{k}</b></td></tr>" for a, k in rows) + "</table>"
    box = QMessageBox(parent)
    box.setObjectName("shortcutsDialog")
    box.setWindowTitle("Keyboard shortcuts")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(html)
    box.open()
