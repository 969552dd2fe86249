"""Declared columns and a sortable QAbstractTableModel built on them (vnpy's header dicts, Orange3's PyTableModel).

A :class:`Column` says where a value comes from, how it is shown, how it is coloured and whether it is edited; the
table view, the context menu and the CSV export are all derived from the same list.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from workstation.numstyle import amount_style, money_style
from workstation.theme import LIGHT, Theme

DASH = "\u2014"
DAGGER = "\u2020"

Index = QModelIndex | QPersistentModelIndex


def finite_or_none(x: Any) -> float | None:
    """``x`` as a float when it is a finite number (result JSON figures may be None, strings or inf), else None."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt_money(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    x = float(x)
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text     # never "-0.00"


def fmt_money_dense(x: Any) -> str:
    """Money in a narrow column: millions and billions abbreviated (the tooltip has the full figure)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    x = float(x)
    if abs(x) >= 1e9:
        return f"{x / 1e9:,.2f}B"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f}M"
    return fmt_money(x)


def fmt_amount(x: Any) -> str:
    """Coin amounts and contract counts: up to 6 significant decimals, thousands separators."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    text = f"{x:,.6f}".rstrip("0").rstrip(".")
    return text


def fmt_coin(x: Any) -> str:
    """Coin amounts in a dense table: at most 4 decimals."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    text = f"{float(x):,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_price(x: Any) -> str:
    if x is None:
        return DASH
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.1f}"
    if abs(x) >= 1:
        return f"{x:,.4f}".rstrip("0").rstrip(".")
    if x == 0:
        return "0"
    # four significant digits in fixed point: an option mark of 1.634e-05 BTC reads 0.00001634, never "1.634e-05"
    digits = min(12, 3 - int(math.floor(math.log10(abs(x)))))
    return f"{x:.{digits}f}"


def fmt_pct(x: Any) -> str:
    return DASH if x is None else f"{float(x) * 100:+.1f}%"


def fmt_text(x: Any) -> str:
    return "" if x is None else str(x)


def sign_colour(x: Any, row: Any) -> str | None:
    if x is None:
        return None
    return "negative" if float(x) < 0 else None


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted indices: [1, 2, 3, 7, 9, 10] -> [(1, 3), (7, 7), (9, 10)]."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def csv_number(col: "Column", v: float) -> str:
    """A float for a CSV cell, rounded by the column's kind: USD to cents, coin amounts to 8 decimals, prices to
    8 significant digits, ratios to 6 decimals; fixed-point, never scientific notation, never "-0"."""
    if not math.isfinite(v):
        return ""
    if col.fmt in (fmt_money, fmt_money_dense):
        text = f"{v:.2f}"
    elif col.fmt in (fmt_amount, fmt_coin):
        text = f"{v:.8f}".rstrip("0").rstrip(".")
    elif col.fmt is fmt_price:
        digits = 4 if abs(v) >= 1 else min(16, 7 - int(math.floor(math.log10(abs(v))))) if v else 0
        text = f"{v:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{v:.0f}"
    else:
        text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "", "-") or text.lstrip("-").strip("0.") == "" else text


def column_formatter(col: "Column", values: Sequence[Any]) -> Callable[[Any], str]:
    """The one style of ``col`` for these values (``numstyle``): money and amounts get decimals and scale chosen
    from the whole column; other kinds (prices, percentages, text) keep their per-value format."""
    if col.fmt is fmt_money:
        return money_style(values)
    if col.fmt is fmt_money_dense:
        return money_style(values, dense=True)
    if col.fmt in (fmt_amount, fmt_coin):
        return amount_style(values)
    return col.fmt


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: Callable[[Any], Any]
    fmt: Callable[[Any], str] = fmt_text
    tooltip: str = ""
    unit: str = ""                                   # shown in the CSV header, e.g. "USD"
    numeric: bool = False
    colour: Callable[[Any, Any], str | None] | None = None   # -> a Theme field name
    editable: bool = False
    assumed_key: str | None = None                   # figure name looked up in the row's assumed map

    @property
    def title(self) -> str:
        """The header on one line (headers may wrap in the view)."""
        return " ".join(self.header.split())

    def csv_header(self) -> str:
        return f"{self.title} ({self.unit})" if self.unit else self.title


_R = Qt.ItemDataRole
# the roles ColumnTableModel answers (a view also asks for decoration, background, check state, ... of every cell)
_ANSWERED_ROLES = frozenset(int(r) for r in (_R.DisplayRole, _R.EditRole, _R.UserRole, _R.TextAlignmentRole,
                                             _R.ForegroundRole, _R.FontRole, _R.ToolTipRole))
_DISPLAY, _FONT, _ALIGNMENT, _FOREGROUND = (int(r) for r in (_R.DisplayRole, _R.FontRole, _R.TextAlignmentRole,
                                                               _R.ForegroundRole))
_LOOK_ROLES = frozenset((_DISPLAY, _FONT, _FOREGROUND))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ITALIC: list[QFont] = []          # the assumed-parameter cells' font, made with the first model (needs a Qt app)


class ColumnTableModel(QAbstractTableModel):
    """Rows of any object, columns from a spec; sorting inside the model; one batched update per refresh."""

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self.columns: list[Column] = list(columns)
        self._rows: list[Any] = []
        self._memo: dict[tuple[int, int, int], Any] = {}     # (row, column, role) -> data; see data()
        self._looks: list[list[tuple]] | None = None         # each cell's look at the last refresh; see set_rows
        self._theme: Theme = LIGHT
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._fmts: list[Callable[[Any], str]] = [c.fmt for c in self.columns]   # this refresh's column styles
        self._colours: dict[str, QColor] = {}       # the theme's colours by name, made once per theme
        if not _ITALIC:
            f = QFont()
            f.setItalic(True)
            _ITALIC.append(f)

    # -- data in -------------------------------------------------------------------------------------------
    def rows(self) -> list[Any]:
        return list(self._rows)

    def set_rows(self, rows: Iterable[Any]) -> None:
        rows = list(rows)
        if self._sort is not None:
            rows = self._sorted(rows, *self._sort)
        self._memo.clear()
        old_fmts, self._fmts = self._fmts, [column_formatter(c, [c.value(r) for r in rows]) for c in self.columns]
        if len(rows) == len(self._rows) and rows:
            old, self._rows = self._rows, rows
            if len(rows) > self.DIFF_ROWS_MAX:
                self._looks = None
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.columns) - 1))
                return
            # small tables (the dashboard): repaint only the cells whose look changed; during a spot-in-use drag
            # most of a risk unit's figures stay put, and every repainted cell costs seven data() calls
            looks = [[self._look(row, c) for c in range(len(self.columns))] for row in rows]
            previous = self._looks if self._looks is not None and len(self._looks) == len(old) else \
                [[self._look(row, c, old_fmts) for c in range(len(self.columns))] for row in old]
            self._looks = looks
            for r, (before, after) in enumerate(zip(previous, looks)):
                changed = [c for c, (b, a) in enumerate(zip(before, after)) if b != a]
                for first, last in _runs(changed):
                    self.dataChanged.emit(self.index(r, first), self.index(r, last))
        else:
            self.beginResetModel()
            self._rows = rows
            self._memo.clear()
            self._looks = None
            self.endResetModel()

    DIFF_ROWS_MAX = 50          # up to this many rows, set_rows signals only the cells that look different

    def _look(self, row_obj: Any, c: int, fmts: list[Callable[[Any], str]] | None = None) -> tuple:
        """What a cell shows: text, colour and the assumed-parameter mark (italic, dagger). Tooltips are asked for
        when shown, so they need no signal."""
        col = self.columns[c]
        value = col.value(row_obj)
        colour = col.colour(value, row_obj) if col.colour is not None else None
        return (fmts or self._fmts)[c](value), colour, self.assumed_params(row_obj, col)

    def text(self, row: int, column: int) -> str:
        """A cell's text in its column's style of this refresh (without the assumed-parameter dagger)."""
        return self._fmts[column](self.raw(row, column))

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._memo.clear()
        self._looks = None
        self._colours.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.columns) - 1),
                                  [Qt.ItemDataRole.ForegroundRole])

    def row_object(self, row: int) -> Any:
        return self._rows[row]

    def column_index(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)

    # -- Qt model interface ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            col = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return col.header
            if role == Qt.ItemDataRole.ToolTipRole:
                return col.tooltip or None
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int((Qt.AlignmentFlag.AlignRight if col.numeric else Qt.AlignmentFlag.AlignLeft)
                           | Qt.AlignmentFlag.AlignVCenter)
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def raw(self, row: int, column: int) -> Any:
        return self.columns[column].value(self._rows[row])

    def assumed_params(self, row_obj: Any, col: Column) -> tuple[str, ...]:
        """Parameters tagged 'assumed' behind this cell (empty when none); rows opt in via ``assumed_key``."""
        if col.assumed_key is None:
            return ()
        assumed = getattr(row_obj, "assumed", ()) or ()
        if col.assumed_key not in assumed:
            return ()
        params = (getattr(row_obj, "assumed_params", None) or {}).get(col.assumed_key, ())
        return tuple(params) or ("(parameter not named)",)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A cell's role, computed once per refresh: a view asks for seven roles of every visible cell on each
        repaint (and twice per live drag step), which made the dashboard table a visible share of a frame. Roles
        no column answers (decoration, background, check state, ...) return None without a memo entry."""
        role = int(role)
        if role not in _ANSWERED_ROLES:
            return None
        key = (index.row(), index.column(), role)
        try:
            return self._memo[key]
        except KeyError:
            pass
        look = self._shown(index) if role in _LOOK_ROLES else None
        if look is not None:                 # the look set_rows computed: the same text, colour and mark
            text, colour, assumed = look
            if role == _DISPLAY:
                value = f"{text} {DAGGER}" if assumed else text
            elif role == _FOREGROUND:
                value = self._colour(colour) if colour else self._colour("warning") if assumed else None
            else:
                value = _ITALIC[0] if assumed else None
        elif role == _ALIGNMENT and index.isValid() and 0 <= index.column() < len(self.columns):
            value = _RIGHT if self.columns[index.column()].numeric else _LEFT
        else:
            value = self._cell(index, role)
        self._memo[key] = value
        return value

    def _colour(self, name: str) -> QColor:
        """The theme's colour ``name`` as a QColor, made once per theme."""
        c = self._colours.get(name)
        if c is None:
            c = self._colours[name] = QColor(getattr(self._theme, name))
        return c

    def _shown(self, index: Index) -> tuple | None:
        """The cell's look (text, colour name, assumed parameters) as ``set_rows`` computed it for this refresh, or
        None when it did not (a large table, a reset): a what-if step repaints the dashboard's changed cells, and
        their text and colour are then not formatted a second time."""
        looks = self._looks
        if looks is None:
            return None
        r, c = index.row(), index.column()
        if r >= len(looks) or c >= len(looks[r]):
            return None
        return looks[r][c]

    def _cell(self, index: Index, role: int) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) \
                or not (0 <= index.column() < len(self.columns)):
            return None
        col = self.columns[index.column()]
        row_obj = self._rows[index.row()]
        R = Qt.ItemDataRole
        if role == R.DisplayRole:
            text = self._fmts[index.column()](col.value(row_obj))
            if self.assumed_params(row_obj, col):
                text = f"{text} {DAGGER}"
            return text
        if role == R.EditRole or role == R.UserRole:
            return col.value(row_obj)
        if role == R.TextAlignmentRole:
            return int((Qt.AlignmentFlag.AlignRight if col.numeric else Qt.AlignmentFlag.AlignLeft)
                       | Qt.AlignmentFlag.AlignVCenter)
        if role == R.ForegroundRole:
            if col.colour is not None:
                name = col.colour(col.value(row_obj), row_obj)
                if name:
                    return self._colour(name)
            if self.assumed_params(row_obj, col):
                return self._colour("warning")
            return None
        if role == R.FontRole:
            if self.assumed_params(row_obj, col):
                return _ITALIC[0]
            return None
        if role == R.ToolTipRole:
            params = self.assumed_params(row_obj, col)
            if params:
                return (f"{DAGGER} {col.title} rests on assumed rule parameter(s): " + ", ".join(params)
                        + "\n(OKX does not publish these values; the rule set carries an assumption.)")
            tip = self.cell_tooltip(row_obj, col)
            value = col.value(row_obj)
            if col.numeric and isinstance(value, (int, float)) and math.isfinite(value):
                figure = fmt_amount(value) if col.fmt in (fmt_amount, fmt_coin) else f"{value:,.2f}"   # coin: 6 dp
                exact = f"{col.title}: {figure}" + (f" {col.unit}" if col.unit else "")
                tip = exact if not tip else f"{exact}\n{tip}"
            return tip
        return None

    def cell_tooltip(self, row_obj: Any, col: Column) -> str | None:
        return col.tooltip or None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Each column's flags, combined once: a view asks for them three times per painted cell and once per column
        when it checks a row's selection (Python's enum ``|`` made that a visible share of a what-if step)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = self.__dict__.get("_column_flags")
        if flags is None or len(flags) != len(self.columns):
            base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            flags = self._column_flags = [base | Qt.ItemFlag.ItemIsEditable if c.editable else base
                                          for c in self.columns]
        return flags[index.column()]

    # -- sorting inside the model ------------------------------------------------------------------------------
    def _sorted(self, rows: list[Any], column: int, order: Qt.SortOrder) -> list[Any]:
        col = self.columns[column]

        def key(r: Any) -> tuple:
            v = col.value(r)
            if v is None:
                return (1, 0.0, "")
            if isinstance(v, (int, float)):
                return (0, float(v), "")
            return (0, 0.0, str(v))
        return sorted(rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.columns)):
            self._sort = None
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old = list(self._rows)
        new = self._sorted(old, column, order)
        position = {id(obj): i for i, obj in enumerate(new)}
        self._rows = new
        self._memo.clear()
        self._looks = None
        from_list, to_list = [], []
        for idx in self.persistentIndexList():
            if idx.isValid():
                r = position[id(old[idx.row()])]
                from_list.append(idx)
                to_list.append(self.index(r, idx.column()))
        self.changePersistentIndexList(from_list, to_list)
        self.layoutChanged.emit()

    # -- export ----------------------------------------------------------------------------------------------
    def write_csv(self, path: str, columns: Sequence[Column] | None = None) -> int:
        """Values rounded per column (``csv_number``), plain decimals (no thousands separators, no exponents, no
        "-0"), under headers with units: what a spreadsheet reads as numbers. Returns the number of rows."""
        cols = list(columns or self.columns)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([c.csv_header() for c in cols])
            for r in self._rows:
                out = []
                for c in cols:
                    v = c.value(r)
                    out.append("" if v is None else (csv_number(c, float(v)) if isinstance(v, float) else v))
                w.writerow(out)
        return len(self._rows)
