"""Cell editors that refuse bad input in place: the editor stays open, red, with the reason beside the cell.

The reason is a label drawn on the view next to the editor (a tooltip alone explained itself only on hover) and is
also emitted as ``refused`` so the window can put it in the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLabel, QLineEdit, QStyledItemDelegate, QToolTip, QWidget


class ValidatingDelegate(QStyledItemDelegate):
    """A QLineEdit editor; Enter/Tab with invalid text is refused and the reason shown next to the cell."""

    refused = Signal(str)                       # the reason an edit was refused (for the status bar)

    def __init__(self, parent: QObject | None = None, completions: list[str] | None = None) -> None:
        super().__init__(parent)
        self.reason_label: QLabel | None = None
        self._view = parent if isinstance(parent, QAbstractItemView) else None
        self._completions = QStringListModel(completions or [], self)
        self.completion_column: int | None = None

    def set_completions(self, items: list[str]) -> None:
        self._completions.setStringList(items)

    def createEditor(self, parent: QWidget, option, index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setProperty("invalid", False)
        if self.completion_column is not None and index.column() == self.completion_column:
            comp = QCompleter(self._completions, editor)
            comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            comp.setFilterMode(Qt.MatchFlag.MatchContains)
            editor.setCompleter(comp)
        editor.setProperty("modelIndex", index)
        editor.textEdited.connect(lambda _t, e=editor: self._mark(e, None))
        editor.destroyed.connect(self._hide_reason)
        return editor

    def setEditorData(self, editor: QWidget, index) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
            editor.selectAll()

    def setModelData(self, editor: QWidget, model, index) -> None:
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def _mark(self, editor: QLineEdit, reason: str | None) -> None:
        editor.setProperty("invalid", reason is not None)
        editor.style().unpolish(editor)
        editor.style().polish(editor)
        editor.setToolTip(reason or "")
        if reason:
            QToolTip.showText(editor.mapToGlobal(editor.rect().bottomLeft()), reason, editor)
            self._show_reason(editor, reason)
            self.refused.emit(reason)
        else:
            self._hide_reason()

    def _show_reason(self, editor: QLineEdit, reason: str) -> None:
        """A red label just below the cell (above it on the last visible rows), inside the view."""
        host = self._view.viewport() if self._view is not None else editor.parentWidget()
        if host is None:
            return
        if self.reason_label is None or self.reason_label.parentWidget() is not host:
            self.reason_label = QLabel(host)
            self.reason_label.setObjectName("cellRefusal")
            self.reason_label.setProperty("role", "error")
            self.reason_label.setAutoFillBackground(True)
            self.reason_label.setWordWrap(True)
        label = self.reason_label
        label.setText(f"Not applied: {reason}")
        width = max(200, min(host.width() - 4, 520))
        label.setFixedWidth(width)
        label.adjustSize()
        geo = editor.geometry()
        x = max(0, min(geo.left(), host.width() - width - 2))
        y = geo.bottom() + 2
        if y + label.height() > host.height():
            y = max(0, geo.top() - label.height() - 2)
        label.move(x, y)
        label.show()
        label.raise_()

    def _hide_reason(self, *_: object) -> None:
        if self.reason_label is not None:
            try:
                self.reason_label.hide()
            except RuntimeError:             # the view (and its label) already went away
                self.reason_label = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if isinstance(obj, QLineEdit) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            popup = obj.completer().popup() if obj.completer() else None
            if popup is None or not popup.isVisible():
                index = obj.property("modelIndex")
                model = index.model() if index is not None else None
                reason = model.validate(index, obj.text()) if hasattr(model, "validate") else None
                if reason:
                    self._mark(obj, reason)
                    return True              # refused in place: the editor stays open
        return super().eventFilter(obj, event)
