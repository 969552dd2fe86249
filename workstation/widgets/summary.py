"""The account summary strip: the figures a trader checks first."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from engine.result import MarginResult
from workstation.models.columns import DASH, fmt_money, fmt_pct

MODE_NAMES = {"4": "Portfolio margin", "3": "Multi-currency", "2": "Spot and futures", "1": "Spot"}

# Margin ratio = adjusted equity / (MMR + liquidation cost): liquidation at 1. Colour by the distance to 1.
RATIO_DANGER = 1.5
RATIO_WARNING = 3.0


def ratio_level(ratio: float | None) -> str:
    if ratio is None:
        return "neutral"
    if ratio < RATIO_DANGER:
        return "danger"
    if ratio < RATIO_WARNING:
        return "warning"
    return "ok"


def ratio_tooltip(r: MarginResult) -> str:
    """The margin ratio's arithmetic with the liquidation cost, so that the tooltip adds up (rules spec 11.12)."""
    from engine.explain.text import margin_ratio_line

    return (f"{margin_ratio_line(r)}\nliquidation cost = liqCost.kLiab x (negative equity + borrowing MMR); "
            f"the account is liquidated at 1.\nred below {RATIO_DANGER}, amber below {RATIO_WARNING}")


class AccountSummary(QFrame):
    FIELDS = (
        ("adjEq", "Adjusted equity $", "Equity after collateral haircuts (USD)"),
        ("totalImr", "Total IMR $", "Initial margin requirement (USD)"),
        ("totalMmr", "Total MMR $", "Maintenance margin requirement (USD)"),
        ("marginRatio", "Margin ratio", "Adjusted equity / (MMR + liquidation cost); the account is liquidated at 1.\n"
                                        f"red below {RATIO_DANGER}, amber below {RATIO_WARNING}"),
        ("borrowMmr", "Borrowing MR8 $", "The account's borrowing MMR (MR8): an account figure, counted once in the "
                                         "total MMR and in no risk unit (USD)"),
        ("availEq", "Available $", "Adjusted equity minus total IMR (USD)"),
        ("upl", "Floating P&L $", "Unrealised P&L of all positions (USD)"),
        ("liq", "Liquidation at index", "Uniform index moves (all cryptos together) that bring the margin ratio to 1"),
        ("mode", "Account mode", "OKX account level: portfolio margin (4) or multi-currency margin (3)"),
        ("rules", "Rule set", "Versioned margin parameters in use"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountSummary")
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 6, 10, 6)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        self.grid = grid
        self.values: dict[str, QLabel] = {}
        self._pairs: list[tuple[QLabel, QLabel]] = []
        self._columns = len(self.FIELDS)
        for col, (key, caption, tip) in enumerate(self.FIELDS):
            cap = QLabel(caption)
            cap.setProperty("role", "caption")
            val = QLabel(DASH)
            val.setObjectName(f"summary_{key}")
            val.setProperty("role", "figure")
            val.setProperty("level", "neutral")
            for w in (cap, val):
                w.setToolTip(tip)
            self._pairs.append((cap, val))
            self.values[key] = val
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self._place(len(self.FIELDS))
        # Narrow windows: the figures wrap onto two lines (see resizeEvent) instead of forcing the window wide.
        self.setMinimumWidth(360)

    def _place(self, columns: int) -> None:
        grid = self.grid
        for cap, val in self._pairs:
            grid.removeWidget(cap)
            grid.removeWidget(val)
        grid.removeWidget(self.note)
        for c in range(len(self.FIELDS) + 1):
            grid.setColumnStretch(c, 0)
        for i, (cap, val) in enumerate(self._pairs):
            row, col = divmod(i, columns)
            grid.addWidget(cap, 2 * row, col)
            grid.addWidget(val, 2 * row + 1, col)
        rows = -(-len(self._pairs) // columns)
        grid.addWidget(self.note, 2 * rows, 0, 1, columns)
        grid.setColumnStretch(columns, 1)
        self._columns = columns

    def _one_row_width(self) -> int:
        m = self.grid.contentsMargins()
        widths = [max(c.sizeHint().width(), v.sizeHint().width()) for c, v in self._pairs]
        return sum(widths) + self.grid.horizontalSpacing() * (len(widths) - 1) + m.left() + m.right()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        wanted = len(self.FIELDS) if self.width() >= self._one_row_width() else (len(self.FIELDS) + 1) // 2
        if wanted != self._columns:
            self._place(wanted)

    def _set(self, key: str, text: str, level: str = "neutral") -> None:
        lab = self.values[key]
        lab.setText(text)
        if lab.property("level") != level:
            lab.setProperty("level", level)
            lab.style().unpolish(lab)
            lab.style().polish(lab)

    def clear(self, note: str = "") -> None:
        for key in self.values:
            self._set(key, DASH)
        self.note.setText(note)

    def show_liq(self, liq_shock: tuple[float | None, float | None] | None, reflow: bool = True) -> None:
        """Liquidation index moves; None while the search is still running (it arrives with the margin curve).
        ``reflow=False``: the caller re-flows once after setting every figure (each re-flow measures 20 labels)."""
        if liq_shock is None:
            self._set("liq", "\u2026")
            if reflow:
                self._reflow()
            return
        if all(s is None for s in liq_shock):
            liq = "beyond \u00b1100%"
        else:
            down, up = liq_shock
            liq = f"{DASH if down is None else fmt_pct(down)} / {DASH if up is None else fmt_pct(up)}"
        near = [s for s in liq_shock if s is not None]
        self._set("liq", liq, "danger" if near and min(abs(s) for s in near) < 0.1 else "neutral")
        if reflow:
            self._reflow()         # "beyond ±100%" arrives after "…": one row may no longer fit (it cut "Portfolio margin")

    def show_result(self, r: MarginResult, note: str = "", liq_shock: object = ..., tooltips: bool = True) -> None:
        """``liq_shock``: the liquidation moves to show instead of the result's (a what-if step shows the live
        curve's, so the field does not flip to "\u2026" and back on every step). ``tooltips=False`` (a step of a
        held slider, whose tooltips cannot show while the mouse holds the slider): the margin ratio's arithmetic
        waits for the result at the release (writing it cost ~0.7 ms of each step)."""
        self._set("adjEq", fmt_money(r.adj_eq), "danger" if r.adj_eq < 0 else "neutral")
        self._set("totalImr", fmt_money(r.total_imr))
        self._set("totalMmr", fmt_money(r.total_mmr))
        self._set("borrowMmr", fmt_money(r.borrow_mmr))
        ratio = r.margin_ratio
        self._set("marginRatio", DASH if ratio is None else (f"{ratio:,.2f}" if ratio < 1e6 else "> 1,000,000"),
                  ratio_level(ratio))
        tip = ratio_tooltip(r) if tooltips else self.values["marginRatio"].toolTip()
        if self.values["marginRatio"].toolTip() != tip:       # setToolTip sends an event even when unchanged
            self.values["marginRatio"].setToolTip(tip)
        self._set("availEq", fmt_money(r.avail_eq), "danger" if r.avail_eq < 0 else "neutral")
        self._set("upl", fmt_money(r.upl), "danger" if r.upl < 0 else ("ok" if r.upl > 0 else "neutral"))
        self.show_liq(r.liq_shock if liq_shock is ... else liq_shock, reflow=False)    # re-flowed below
        self._set("mode", MODE_NAMES.get(r.acct_lv, r.acct_lv))
        self._set("rules", r.rules)
        self.note.setText(note)
        self._reflow()
