"""The latest-wins compute service, settings and theme templates."""

from __future__ import annotations

import threading

import pytest

# Qt warnings fail a test; the offscreen platform plugin's own notices are not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")]


def test_latest_request_wins_and_stale_results_are_dropped(qtbot):
    from workstation.services.compute import ComputeService

    svc = ComputeService()
    gate = threading.Event()
    started = threading.Event()
    seen: list[tuple[str, object]] = []
    svc.finished.connect(lambda ch, r: seen.append((ch, r)))

    def slow():
        started.set()
        gate.wait(10)
        return "first"

    svc.submit("main", slow)
    assert started.wait(5)
    svc.submit("main", lambda: "second")       # pending, superseded by the third before it runs
    svc.submit("main", lambda: "third")
    with qtbot.waitSignal(svc.busyChanged, timeout=5000, check_params_cb=lambda busy: busy is False):
        gate.set()
    assert seen == [("main", "third")]
    svc.shutdown()
    assert not svc.thread_running()


def test_errors_are_reported_with_their_kind(qtbot):
    from engine.errors import InputError
    from workstation.services.compute import ComputeService

    svc = ComputeService()

    def bad():
        raise InputError("market: index has no BTC-USD price")

    with qtbot.waitSignal(svc.failed, timeout=5000) as blocker:
        svc.submit("main", bad)
    assert blocker.args == ["main", "market: index has no BTC-USD price", True]
    svc.shutdown()


def test_settings_are_typed_and_unknown_keys_raise(ui_settings):
    from PySide6.QtCore import QByteArray

    from workstation import settings

    assert settings.path() == ui_settings
    assert settings.read("theme") == "light"
    settings.write("theme", "dark")
    assert settings.read("theme") == "dark"
    assert ui_settings.is_file() and "dark" in ui_settings.read_text()
    with pytest.raises(KeyError):
        settings.read("no_such_key")
    with pytest.raises(TypeError):
        settings.write("theme", 3)
    assert isinstance(settings.read("state"), QByteArray)


def test_every_qss_placeholder_is_filled_for_both_themes(qapp):
    from workstation.theme import DARK, LIGHT, load_stylesheet

    for t in (LIGHT, DARK):
        css = load_stylesheet(t)
        assert "{{" not in css and "}}" not in css
        assert t.background in css and t.negative in css
    assert load_stylesheet(LIGHT) != load_stylesheet(DARK)


def test_theme_manager_emits(qtbot, qapp):
    from workstation.theme import DARK, ThemeManager

    tm = ThemeManager()
    with qtbot.waitSignal(tm.themeChanged, timeout=1000) as blocker:
        tm.set_theme("dark")
    assert blocker.args == [DARK]
    with pytest.raises(KeyError):
        tm.set_theme("sepia")
    tm.set_theme("light")


def test_position_dialog_refuses_until_valid(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from engine.catalogue import parse_inst_id
    from workstation.widgets.dialogs import PositionDialog

    dlg = PositionDialog(["BTC-USDT-SWAP"], lambda s: parse_inst_id(s).inst_id)
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dlg.inst.setText("BTC-USDT-SWAP")
    dlg.pos.setText("ten")
    assert not ok.isEnabled() and "not a number" in dlg.error.text()
    dlg.pos.setText("10")
    assert ok.isEnabled() and dlg.value.pos == 10


def test_screenshot_command_writes_the_window(qapp, demo_db, tmp_path, capsys):
    from PySide6.QtGui import QImage

    from workstation.cli import main

    out = tmp_path / "shot.png"
    assert main(["screenshot", "--out", str(out), "--db", str(demo_db), "--portfolio", "ETH straddle"]) == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1600, 1000)
    colours = {img.pixel(x, y) for x in range(0, 1600, 37) for y in range(0, 1000, 23)}
    assert len(colours) > 20          # a rendered window, not a blank image

    bad = tmp_path / "none.png"
    assert main(["screenshot", "--out", str(bad), "--db", str(demo_db), "--portfolio", "No such book"]) == 2
    assert not bad.exists()
    assert "No such book" in capsys.readouterr().err


def test_exception_hook_logs_and_relays(qtbot, caplog):
    import sys

    from workstation.app import _ExceptionRelay

    relay = _ExceptionRelay()
    try:
        shown = []
        relay._show = lambda summary, details: shown.append(summary)   # no modal box in tests
        relay.relay.raised.disconnect()
        relay.relay.raised.connect(lambda s, d: shown.append(s))
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        assert shown == ["RuntimeError: boom"]
        assert "boom" in caplog.text
    finally:
        relay.restore()


def test_main_runs_the_loop_and_returns_when_the_window_closes(qtbot, qapp, demo_db):
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    from workstation.app import main
    from workstation.main_window import MainWindow

    seen = {}

    def close_when_computed():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[0].result is not None and not windows[0].compute.is_busy():
            seen["title"] = windows[0].windowTitle()
            seen["mr"] = windows[0].summary.values["marginRatio"].text()
            poll.stop()
            windows[0].close()
            QApplication.quit()

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(close_when_computed)
    poll.start()
    assert main(demo_db) == 0
    from db.store import acquire_instance_lock
    acquire_instance_lock(demo_db).release()   # main() let go of the window lock
    poll.stop()
    # Closing the last window also posts a Quit event; drop it, or it would end the next test's wait loops.
    QApplication.removePostedEvents(QApplication.instance(), QEvent.Type.Quit)
    assert seen and seen["mr"] not in ("", "\u2014")


def test_preview_does_not_wait_for_a_running_recomputation(qtbot):
    from workstation.services.compute import ComputeService

    svc = ComputeService()
    gate = threading.Event()
    started = threading.Event()

    def slow():
        started.set()
        gate.wait(10)
        return "main"

    svc.submit("main", slow)
    assert started.wait(5)
    try:
        with qtbot.waitSignal(svc.finished, timeout=3000) as blocker:
            svc.submit("preview", lambda: "preview")
        assert blocker.args == ["preview", "preview"]
    finally:
        gate.set()
        svc.shutdown()
