"""Positions and balances editor: two tables over editable models, add/remove buttons, the reason of a refusal."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView,
                               QTabWidget, QVBoxLayout, QWidget)

from workstation.models.tables import AssetModel, PositionModel
from workstation.widgets.delegates import ValidatingDelegate


def make_table(name: str, model, *, editable: bool) -> QTableView:
    t = QTableView()
    t.setObjectName(name)
    t.setModel(model)
    t.setSortingEnabled(True)
    t.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    t.setAlternatingRowColors(True)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().hide()
    t.verticalHeader().setDefaultSectionSize(22)
    t.horizontalHeader().setStretchLastSection(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.setWordWrap(False)
    t.horizontalHeader().setResizeContentsPrecision(200)   # sizing samples rows, not a 10k-row book (vnpy#333)
    if editable:
        t.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                          | QAbstractItemView.EditTrigger.AnyKeyPressed)
    else:
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return t


class BookEditor(QWidget):
    """Positions | Balances tabs. Edits go to the models, which validate and hand them to the window."""

    addPositionRequested = Signal()
    addBalanceRequested = Signal()
    removeRequested = Signal()
    refused = Signal(str)            # every refused edit (cell editor or model), for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bookEditor")
        self.positions = PositionModel(self)
        self.assets = AssetModel(self)
        self.positions_view = make_table("positionsTable", self.positions, editable=True)
        self.assets_view = make_table("balancesTable", self.assets, editable=True)
        self.position_delegate = ValidatingDelegate(self.positions_view)
        self.position_delegate.completion_column = self.positions.column_index("instId")
        self.positions_view.setItemDelegate(self.position_delegate)
        self.asset_delegate = ValidatingDelegate(self.assets_view)
        self.assets_view.setItemDelegate(self.asset_delegate)
        for d in (self.position_delegate, self.asset_delegate):
            d.refused.connect(self.show_error)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("bookTabs")
        self.tabs.addTab(self.positions_view, "Positions")
        self.tabs.addTab(self.assets_view, "Balances")

        self.add_button = QPushButton("Add position\u2026")
        self.add_button.setObjectName("addPosition")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeRows")
        self.remove_button.setToolTip("Remove the selected rows (Delete)")
        self.error = QLabel("")
        self.error.setObjectName("inputError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel("Double-click a cell to edit; bad input is refused with the reason.")
        hint.setProperty("role", "muted")

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        bar.addWidget(hint)
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(bar)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.error)
        self.error.hide()

        self.tabs.currentChanged.connect(self._tab_changed)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self.removeRequested)
        for m in (self.positions, self.assets):
            m.inputRejected.connect(self.show_error)
            m.modelReset.connect(self.clear_error)

        for view in (self.positions_view, self.assets_view):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            remove = QAction("Remove selected", view)
            remove.triggered.connect(self.removeRequested)
            view.addAction(remove)

    def _tab_changed(self, i: int) -> None:
        self.add_button.setText("Add position\u2026" if i == 0 else "Add balance\u2026")

    def _add(self) -> None:
        (self.addPositionRequested if self.tabs.currentIndex() == 0 else self.addBalanceRequested).emit()

    def show_error(self, message: str) -> None:
        self.error.setText(f"Not stored: {message}")
        self.error.show()
        self.refused.emit(message)

    def clear_error(self) -> None:
        self.error.setText("")
        self.error.hide()              # no empty line under the table: at 1280x720 every row counts

    def current_view(self) -> QTableView:
        return self.positions_view if self.tabs.currentIndex() == 0 else self.assets_view

    def selected_rows(self, view: QTableView) -> list[int]:
        sel = view.selectionModel()
        return sorted({i.row() for i in sel.selectedRows()} | {i.row() for i in sel.selectedIndexes()}) if sel else []

    def resize_columns_once(self) -> None:
        for v in (self.positions_view, self.assets_view):
            v.resizeColumnsToContents()
