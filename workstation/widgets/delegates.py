"""Cell editors that refuse bad input in place: the editor stays open, red, with the reason as a tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit, QStyledItemDelegate, QToolTip, QWidget


class ValidatingDelegate(QStyledItemDelegate):
    """A QLineEdit editor; Enter/Tab with invalid text is refused and the reason shown next to the cell."""

    def __init__(self, parent: QObject | None = None, completions: list[str] | None = None) -> None:
        super().__init__(parent)
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
