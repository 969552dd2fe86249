"""A widget's size changes passed to the layout above it only when its size hints really changed.

Qt asks the whole window for a new layout whenever a label's text changes: ``QLabel.setText`` calls
``updateGeometry``, which invalidates the parent's layout, whose activation calls ``updateGeometry`` on its widget
("ideally only if sizeHint() or sizePolicy() has changed", says Qt's source), and so on up to the main window. There
the main window's layout is applied again and the whole window's background repainted: a repaint pass of its own
(measured on a what-if drag: three such passes per step, ~1.3 ms of the window thread each, plus the layouts).

``LayoutBarrier(child)`` holds ``child`` (filling it) and stands for it in the parent layout with the same size
hints, minimum/maximum size, size policy and height-for-width. A layout request from the child stops here: the
barrier compares the child's hints with those it last passed on, and asks its own parent for a new layout only
when they differ. The geometry is therefore the same as with the child in the layout directly. (Show or hide
the barrier, not the child.)
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QSizePolicy, QWidget


class LayoutBarrier(QWidget):
    """Stands in a layout for ``child``; see the module docstring."""

    def __init__(self, child: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.child = child
        name = child.objectName()
        self.setObjectName(f"{name}Barrier" if name else "layoutBarrier")
        child.setParent(self)
        self._hints: tuple[Any, ...] | None = None
        self._sync(force=True)

    def _read(self) -> tuple[Any, ...]:
        """What a layout reads of the child. A direction whose size policy is Ignored has its hints ignored by
        the layout (QWidgetItem); a box layout gives a height-for-width child the height for its width instead of
        its size hint's height. Changes there need no new layout."""
        c = self.child
        hfw = c.hasHeightForWidth()
        policy = c.sizePolicy()
        ignored = QSizePolicy.Policy.Ignored
        hints = []
        for k, size in enumerate((c.sizeHint(), c.minimumSizeHint())):
            hints.append((0 if policy.horizontalPolicy() == ignored else size.width(),
                          0 if policy.verticalPolicy() == ignored or (hfw and k == 0) else size.height()))
        return (*hints, c.minimumSize(), c.maximumSize(), policy, hfw, c.heightForWidth(self.width()) if hfw else -1)

    def _sync(self, force: bool = False) -> None:
        hints = self._read()
        if not force and hints == self._hints:
            return
        self._hints = hints
        c = self.child
        self.setSizePolicy(c.sizePolicy())
        self.setMinimumSize(c.minimumSize())
        self.setMaximumSize(c.maximumSize())
        self.updateGeometry()

    # the layout above sees the child's hints
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.child.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.child.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return self.child.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self.child.heightForWidth(width)

    def event(self, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.LayoutRequest:       # posted by the child's updateGeometry (we have no layout)
            self._sync()
            return True
        return super().event(ev)

    def resizeEvent(self, ev: Any) -> None:  # noqa: N802 - Qt override
        self.child.setGeometry(0, 0, self.width(), self.height())
        if self._hints is not None and self._hints[5]:      # height for width: the new width's height
            self._sync()
        super().resizeEvent(ev)
