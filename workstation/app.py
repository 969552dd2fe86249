"""Application entry: ``main()`` runs the workstation; ``create_main_window()`` builds the window without a loop.

Qt is imported lazily inside the functions (mnelab's and vnpy's design): importing this module is cheap, and
``riskws --help`` never loads Qt.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

log = logging.getLogger("workstation")

APP_NAME = "riskws"
ORG_NAME = "riskws"
ORG_DOMAIN = "riskws.local"


# Qt-free modules the first result needs, imported before Qt (issue 16, cold start). Once PySide6 is imported, its
# import hook (shibokensupport's ``feature_imported``) reads the source of every newly imported module to see
# whether it mentions PySide6: for numpy, the engine and the store that is hundreds of files read and searched.
# Imported first, they skip that; nothing here is imported needlessly: the window imports all of it before its
# first result.
# scipy.special is not among them: only a book with options needs it (engine/pricing.py imports it at the first
# option price, on the compute worker); a book without options never loads it.
_BEFORE_QT = ("numpy", "db.store", "db.demo", "engine.api", "engine.result", "engine.scenario",
              "engine.scenario_apply", "engine.importers", "engine.catalogue",
              "engine.explain",   # the margin ratio's tooltip (widgets/summary.py) words it with engine.explain.text
              # the first result's job, run on a thread while Qt loads (workstation/first_result.py)
              "workstation.services.jobs", "workstation.first_result", "engine.whatif_fast", "engine.sources")


def preload_before_qt() -> None:
    """Import ``_BEFORE_QT`` unless Qt is already loaded (then the order no longer matters)."""
    if "PySide6" in sys.modules:
        return
    import importlib
    for name in _BEFORE_QT:
        importlib.import_module(name)


def _app_names() -> None:
    """The application's names, before anything reads QSettings or QStandardPaths (QtCore only)."""
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        QCoreApplication.setApplicationName(APP_NAME)
        QCoreApplication.setOrganizationName(ORG_NAME)
        QCoreApplication.setOrganizationDomain(ORG_DOMAIN)
    else:
        if not QCoreApplication.applicationName() or QCoreApplication.applicationName() == "python":
            QCoreApplication.setApplicationName(APP_NAME)
        if not QCoreApplication.organizationName():
            QCoreApplication.setOrganizationName(ORG_NAME)


def _ensure_qapp() -> Any:
    preload_before_qt()
    _app_names()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    return app


def open_store(db_path: str | os.PathLike | None) -> Any:
    """The store at ``db_path`` (default location when None), seeded with the demo data on first start."""
    from db.store import Store

    store = Store(Path(db_path) if db_path is not None else Store.default_path())
    try:
        from db.demo import ensure_demo
    except ImportError:  # pragma: no cover - a build without demo data
        return store
    ensure_demo(store)
    return store


def create_main_window(db_path: str | os.PathLike | Any | None = None, *, restore_layout: bool = True) -> Any:
    """Build the main window over the database at ``db_path`` (or an open Store); no event loop is entered.

    The caller owns the window (and closes it). The window closes a store it opened itself when it is destroyed.
    """
    preload_before_qt()
    owns_store = not hasattr(db_path, "list_portfolios")
    store = open_store(db_path) if owns_store else db_path
    # the portfolio to open is known now: its book and result are computed on a thread while Qt loads and the
    # window is built (issue 16, cold start)
    _app_names()
    from workstation import settings
    last = settings.read("last_portfolio")
    names = [s.name for s in store.list_portfolios()]
    first_name = (last if last in names else names[0]) if names else None
    first = _first_result(store, first_name)

    app = _ensure_qapp()
    from workstation.main_window import MainWindow
    from workstation.theme import THEMES, ThemeManager

    name = settings.read("theme")
    themes = ThemeManager(THEMES.get(name, THEMES["light"]), app)
    themes.apply(sheet=False)     # the window applies the style sheet once it is built (cold start)
    window = MainWindow(store, themes)
    window.owns_store = owns_store
    if first is not None:
        window.first_result = first
        window.holder.read_ahead = first.take_book
    if restore_layout:
        window.restore_layout()
    names = window.portfolio_names()
    if names:
        window.select_portfolio(last if last in names else names[0])
    return window


def _first_result(store: Any, name: str | None) -> Any:
    """A ``FirstResult`` thread for portfolio ``name`` of ``store``; None without a name (or with
    RISKWS_NO_READ_AHEAD set: the window computes its first result itself, as before; for comparisons)."""
    if name is None or os.environ.get("RISKWS_NO_READ_AHEAD"):
        return None
    from workstation.first_result import FirstResult
    return FirstResult(store, name)


class _ExceptionRelay:
    """Installs sys.excepthook and threading.excepthook: log, then show a dialog through a queued signal."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject, Qt, Signal

        class Relay(QObject):
            raised = Signal(str, str)

        self.relay = Relay()
        self.relay.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook

    def restore(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _report(self, exc_type: Any, exc: Any, tb: Any, where: str) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception in %s:\n%s", where, text)
        self.relay.raised.emit(f"{exc_type.__name__}: {exc}", text)

    def _sys_hook(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous[0](exc_type, exc, tb)
            return
        self._report(exc_type, exc, tb, "the GUI thread")

    def _thread_hook(self, args: Any) -> None:
        if args.exc_type is SystemExit:
            return
        self._report(args.exc_type, args.exc_value, args.exc_traceback,
                     f"thread {getattr(args.thread, 'name', '?')}")

    def _show(self, summary: str, details: str) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("riskws: unexpected error")
        box.setText("An unexpected error occurred. Your portfolios in the database are unchanged.\n\n" + summary)
        box.setDetailedText(details)
        box.open()


def main(db_path: str | os.PathLike | None = None) -> int:
    """Run the workstation; returns the exit status of the event loop.

    1 without a window when the database is open in another riskws window (its lock file is held);
    2 when the database cannot be opened.
    """
    logging.basicConfig(level=os.environ.get("RISKWS_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _ensure_qapp()
    relay = _ExceptionRelay()
    lock = None
    try:
        from PySide6.QtWidgets import QMessageBox

        from db.errors import StoreError
        from db.store import Store, acquire_instance_lock
        # One window per database (tests build several windows through create_main_window, which does not lock).
        try:
            lock = acquire_instance_lock(Path(db_path) if db_path is not None else Store.default_path())
        except StoreError as exc:
            log.error("%s", exc)
            QMessageBox.critical(None, "riskws", f"{exc}.\n\nSwitch to that window, or close it and start again.")
            return 1
        try:
            window = create_main_window(db_path)
        except StoreError as exc:
            QMessageBox.critical(None, "riskws", f"Cannot open the database:\n{exc}")
            return 2
        window.show()
        if not window.restore_layout_was_applied():
            window.apply_default_sizes()
        status = int(app.exec())
        window.shutdown()
        store = window.store if window.owns_store and not window._store_closed else None
        # Delete the window now, deterministically, rather than whenever the garbage collector gets to it.
        from PySide6.QtCore import QCoreApplication, QEvent
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if store is not None:
            store.close()
        return status
    finally:
        if lock is not None:
            lock.release()
        relay.restore()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
