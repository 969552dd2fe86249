"""Column widths that never cut a header or a figure: each column at least as wide as its header text and its widest
cell, the spare width shared out, a horizontal scroll bar when even the minimums do not fit.

Qt's ``Stretch`` mode divides the width equally whatever the texts need: in a 1280-pixel window the risk-unit table's
"Gamma $/1%" header read "amma" and MR4's "8,435" read "8,43...". ``ColumnFitter`` keeps the widths in ``Interactive``
mode and sets them itself when the view is resized or its rows change.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QLabel, QStyle, QTableView

CELL_PADDING = 12          # pixels beside a cell's text (the item view's text margins and the grid line)


def header_text_width(view: QTableView, column: int) -> int:
    """Pixels the widest line of a column's header text needs, with the header's margins and sort indicator."""
    header = view.horizontalHeader()
    text = str(view.model().headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
    fm = header.fontMetrics()
    widest = max((fm.horizontalAdvance(line) for line in text.split("\n")), default=0)
    style = header.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    mark = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header) if view.isSortingEnabled() else 0
    return widest + 2 * margin + mark + 2


def column_need(view: QTableView, column: int) -> int:
    """The narrowest width showing the column's header and every cell in full."""
    return max(header_text_width(view, column), view.sizeHintForColumn(column) + CELL_PADDING,
               view.horizontalHeader().minimumSectionSize())


class ColumnFitter(QObject):
    """Fits a table's columns to its viewport; widths needed only grow (a live drag's figures do not make the
    columns jitter) until ``reset`` (a newly opened book)."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        self._need: dict[int, int] = {}
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        view.viewport().installEventFilter(self)
        model = view.model()
        model.modelReset.connect(self.fit)
        model.layoutChanged.connect(self.fit)
        model.rowsInserted.connect(self.fit)
        # new figures (e.g. each step of a drag): measured once the updates pause, not at every step
        self._later = QTimer(self)
        self._later.setObjectName("columnFitTimer")
        self._later.setSingleShot(True)
        self._later.setInterval(300)
        self._later.timeout.connect(self.fit)
        model.dataChanged.connect(self._later.start)

    def stop(self) -> None:
        """Stop the pending re-measure (the window is closing; a drag step: see ``refit_soon``)."""
        self._later.stop()

    def refit_soon(self) -> None:
        """Re-measure once the updates pause (after a drag, whose steps ``stop`` the re-measure: it asks every
        cell of every column for its size, a whole frame's worth of time on a slow host)."""
        self._later.start()

    def reset(self) -> None:
        self._need.clear()
        self.fit()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self, *_args: object) -> None:
        view, header = self.view, self.view.horizontalHeader()
        columns = [c for c in range(view.model().columnCount()) if not header.isSectionHidden(c)]
        if not columns:
            return
        for c in columns:
            self._need[c] = max(self._need.get(c, 0), column_need(view, c))
        needs = [self._need[c] for c in columns]
        # the viewport's width without a vertical scroll bar's share is what the columns may fill
        spare = view.viewport().width() - sum(needs)
        extra = [spare * n // sum(needs) for n in needs] if spare > 0 else [0] * len(needs)
        if spare > 0:
            extra[-1] += spare - sum(extra)
        for c, n, e in zip(columns, needs, extra):
            if header.sectionSize(c) != n + e:
                header.resizeSection(c, n + e)


class EmptyHint(QObject):
    """Words in the middle of a table's viewport while the table has no rows: an empty grid says nothing, and in
    multi-currency mode the risk-unit table is empty by design (no risk units)."""

    def __init__(self, view: QTableView, text: str = "") -> None:
        super().__init__(view)
        self.view = view
        self.label = QLabel(text, view.viewport())
        self.label.setObjectName(f"{view.objectName()}EmptyHint")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setProperty("role", "muted")
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.update)
        self.update()

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.update()

    def text(self) -> str:
        """The words shown ("" while the table has rows or no words are set)."""
        return self.label.text() if self.label.isVisibleTo(self.view) else ""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.update()
        return False

    def update(self, *_args: object) -> None:
        show = bool(self.label.text()) and self.view.model().rowCount() == 0
        if show:
            area = self.view.viewport().rect().adjusted(12, 2, -12, -2)
            self.label.setGeometry(area)
        self.label.setVisible(show)
