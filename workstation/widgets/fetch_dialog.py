"""Market ▸ Fetch from OKX: a progress dialog with Cancel; the requests run on a worker thread, never the GUI's.

The worker sends the requests (``workstation.okx.fetch``), builds and validates the snapshot, and hands the result
back through a queued signal; the window then stores it on its own thread in one transaction. Cancel sets a flag
the client checks between requests and during waits: a cancelled or failed fetch stores nothing.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget


class _Relay(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)        # (market, raw responses JSON text, outcome)
    failed = Signal(str)


class FetchDialog(QDialog):
    """Runs one fetch; ``result`` holds (Market, responses JSON, FetchOutcome) when it succeeded."""

    def __init__(self, families: list[str] | None, base_url: str | None = None, parent: QWidget | None = None,
                 *, start: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("fetchDialog")
        self.setWindowTitle("Fetch market from OKX")
        self.setMinimumWidth(460)
        self.families = families
        self.base_url = base_url
        self.result: tuple[Any, str, Any] | None = None
        self.error: str | None = None
        lay = QVBoxLayout(self)
        scope = "every live instrument" if families is None else ", ".join(families)
        intro = QLabel(f"Public market data from OKX (no key is sent): {scope}.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.bar = QProgressBar()
        self.bar.setObjectName("fetchProgress")
        self.bar.setRange(0, 0)
        lay.addWidget(self.bar)
        self.step = QLabel("Connecting\u2026")
        self.step.setObjectName("fetchStep")
        self.step.setWordWrap(True)
        lay.addWidget(self.step)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.cancel)
        lay.addWidget(self.buttons)
        self._cancel = threading.Event()
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._relay.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._relay.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="okx-fetch", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        from engine.errors import InputError
        from engine.market import market_from_dict
        from workstation.cli import CommandError
        from workstation.okx import OkxClient
        from workstation.okx.fetch import fetch
        from workstation.okx.recorded import dumps, responses_document
        try:
            with OkxClient(self.base_url, cancelled=self._cancel.is_set) as client:
                outcome = fetch(client, self.families, progress=self._relay.progress.emit)
            market = market_from_dict(outcome.snapshot, "OKX snapshot")
            raw = dumps(responses_document(outcome.responses, outcome.snapshot["fetchedAt"], self.families))
        except (CommandError, InputError) as exc:
            self._relay.failed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never a crash of the worker
            self._relay.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self._relay.done.emit((market, raw, outcome))

    def _on_progress(self, done: int, total: int, label: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.step.setText(f"{label} ({done}/{total})")

    def _on_done(self, payload: tuple) -> None:
        self.result = payload
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.error = None if self._cancel.is_set() else message    # a cancel is not an error
        self.reject()

    def cancel(self) -> None:
        """Ask the worker to stop; the dialog closes when it has (a cancelled fetch stores nothing)."""
        if self._thread is None or not self._thread.is_alive():
            self.reject()
            return
        self._cancel.set()
        self.step.setText("Cancelling\u2026")
        self.buttons.setEnabled(False)

    def reject(self) -> None:
        if self._thread is not None and self._thread.is_alive() and not self._cancel.is_set():
            self.cancel()            # Esc / window close: cancel first, close when the worker has stopped
            return
        super().reject()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()
