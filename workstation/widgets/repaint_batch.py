"""One repaint pass of the window for a result, however many chart scenes it changed.

Each ``QGraphicsScene``, when it processes its changed items (a queued call, once per scene), dispatches the
window's pending update request at once (``QGraphicsView`` sends the posted ``UpdateRequest`` synchronously), so a
result that changes three charts repaints the window three times: every pass re-walks the window's widget tree,
repaints the main window's background under the dirty regions and flushes the backing store. ``RepaintBatch`` holds
the window's update requests from the moment a result is handed out until every event posted meanwhile (the scenes'
queued calls among them) has been processed, then lets one pass paint it all: a low-priority event of its own is
processed after every normal-priority event already queued, and the window's held update request is then sent.
What is painted is unchanged: Qt keeps the dirty regions and widgets until that pass.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget

_RELEASE = QEvent.Type(QEvent.registerEventType())


class RepaintBatch(QObject):
    """``hold()`` when a result is about to be shown; the window repaints once, after the queued work."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.holding = False
        self.held = 0                 # update requests held back during the current batch
        self.passes = 0               # batches released with a held request (tests count them)
        window.installEventFilter(self)

    def hold(self) -> None:
        if self.holding:
            return
        self.holding = True
        QCoreApplication.postEvent(self, QEvent(_RELEASE), Qt.EventPriority.LowEventPriority.value)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if self.holding and obj is self.window and event.type() == QEvent.Type.UpdateRequest:
            self.held += 1
            return True
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == _RELEASE:
            self.release()
            return True
        return super().event(event)

    def release(self) -> None:
        """Stop holding; paint what was held in one pass (at once)."""
        if not self.holding:
            return
        self.holding = False
        if self.held:
            self.held = 0
            self.passes += 1
            update = QEvent(QEvent.Type.UpdateRequest)
            QCoreApplication.sendEvent(self.window, update)
