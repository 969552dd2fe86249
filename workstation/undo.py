"""Undoable edits. Every user edit replaces the open document's state (portfolio + market) as a whole.

The new state is applied, and saved, *before* the command is pushed (``applied=True``), so an edit the store
refuses never reaches the stack. Spot-in-use edits of one gesture merge into one command through
``id()``/``mergeWith()``: dragging and then nudging with the arrow keys is one undo step.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QUndoCommand

from workstation.services.document import DocState, DocumentHolder

log = logging.getLogger(__name__)

MERGE_SPOT_IN_USE = 1001
MERGE_MARKET_INDEX = 1002


class StateCommand(QUndoCommand):
    """Replace the document state ``before`` -> ``after`` of the portfolio named ``name``."""

    def __init__(self, holder: DocumentHolder, name: str, before: DocState, after: DocState, text: str, *,
                 merge_id: int = -1, merge_key: object = None, applied: bool = True) -> None:
        super().__init__(text)
        self.holder = holder
        self.name = name
        self.before = before
        self.after = after
        self._merge_id = merge_id
        self.merge_key = merge_key
        self._skip_first_redo = applied

    def _apply(self, state: DocState) -> None:
        doc = self.holder.doc
        if doc is None or doc.name != self.name:
            # The stack belongs to one open portfolio (it is cleared when another one opens); be safe anyway.
            log.warning("undo command for %r ignored: that portfolio is not open", self.name)
            return
        try:
            self.holder.apply(state)
        except Exception as exc:  # noqa: BLE001 - a store failure must not crash inside Qt's undo machinery
            log.error("undo/redo of %r failed: %s", self.text(), exc)
            self.holder.failed.emit(f"{self.text()}: {exc}")

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, StateCommand) or other.id() != self.id() or self.id() < 0:
            return False
        if other.name != self.name or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        self.setText(other.text())
        if self.after == self.before:
            self.setObsolete(True)
        return True
