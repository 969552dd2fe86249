"""Fixtures of the GUI tests: redirected settings, a seeded demo database, a window, and leak checks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

WAIT_MS = 20_000


@pytest.fixture(autouse=True)
def ui_settings(tmp_path: Path):
    """Every test writes its settings to its own INI file."""
    from workstation import settings

    path = tmp_path / "riskws-test.ini"
    settings.set_path(path)
    yield path
    settings.set_path(None)


@pytest.fixture(autouse=True)
def no_dangling_threads(qapp):
    """Fail a test that leaves a Python thread or a thread-pool job running (napari's _dangling_qthread_pool)."""
    from PySide6.QtCore import QThreadPool

    from workstation.services.compute import ComputeService

    before = {t.ident for t in threading.enumerate()}
    yield
    running = [s for s in list(ComputeService.instances) if s.thread_running()]
    for s in running:
        s.shutdown()
    assert not running, "a compute worker thread was left running"
    QThreadPool.globalInstance().waitForDone(5000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0, "a QThreadPool job is still running"
    # engine.shocked keeps one small thread pool for the life of the process, by design: not a leak; and the
    # compute worker (a QThread, checked above) that first starts it leaves a _DummyThread record behind
    left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()
            and not t.name.startswith("riskws-shock") and not isinstance(t, threading._DummyThread)]
    assert not left, f"threads left running: {left}"


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A database file seeded with the demo market and portfolios."""
    from db.demo import ensure_demo
    from db.store import Store

    path = tmp_path / "demo.db"
    with Store(path) as store:
        ensure_demo(store)
    return path


def wait_settled(qtbot, window, timeout: int = WAIT_MS) -> None:
    """Wait until the window has a result, its charts (built after the first painted result) and no computation
    outstanding."""
    qtbot.waitUntil(lambda: window.result is not None and not window.compute.is_busy() and window.charts_ready(),
                    timeout=timeout)


@pytest.fixture
def window(qtbot, demo_db: Path):
    """The main window over the demo database, shown at 1600x1000, first result computed.

    On teardown the window is closed and no worker thread or timer of it may still be running.
    """
    from PySide6.QtCore import QTimer

    from workstation.app import create_main_window

    w = create_main_window(demo_db, restore_layout=False)
    qtbot.addWidget(w)
    errors: list[str] = []
    w.show_error = lambda title, message: errors.append(f"{title}: {message}")   # no modal boxes in tests
    w.errors = errors
    w.resize(1600, 1000)
    w.show()
    w.apply_default_sizes()
    wait_settled(qtbot, w)
    yield w
    timers = w.findChildren(QTimer)
    w.close()
    assert not w.compute.thread_running(), "compute worker still running after close"
    active = [f"{t.objectName() or 'QTimer'} in {type(t.parent()).__name__}/{t.parent().objectName()}"
              for t in timers if t.isActive()]
    assert not active, f"timers still active after close: {active}"
