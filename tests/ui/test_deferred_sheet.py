"""The style sheet applied once the window is built (issue 16, cold start) lays the window out exactly as building
it under the sheet did: every visible widget in the same place at the same size, 1280x720 and 1920x1080."""

from __future__ import annotations

import pytest

from conftest import wait_settled


def _geometries(window) -> dict[str, tuple[int, int, int, int]]:
    """Visible widgets by their path of (class, object name, index among siblings of that class)."""
    from PySide6.QtWidgets import QWidget

    def key(w) -> str:
        parts = []
        while w is not None:
            p = w.parentWidget()
            same = [c for c in p.findChildren(QWidget) if c.parentWidget() is p and type(c) is type(w)] if p else [w]
            parts.append(f"{type(w).__name__}:{w.objectName()}:{same.index(w)}")
            w = p
        return "/".join(reversed(parts))

    return {key(w): w.geometry().getRect() for w in [window, *window.findChildren(QWidget)] if w.isVisible()}


def _show(qtbot, window, size: tuple[int, int]):
    qtbot.addWidget(window)
    window.show_error = lambda title, message: None
    window.resize(*size)
    window.show()
    window.apply_default_sizes()
    wait_settled(qtbot, window)
    qtbot.wait(50)
    return _geometries(window)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_sheet_applied_after_building_lays_out_as_building_under_it(qtbot, qapp, demo_db, size):
    from workstation import app
    from workstation.main_window import MainWindow
    from workstation.theme import LIGHT, ThemeManager

    qapp.setStyleSheet("")                     # as in a fresh process: no sheet while the window is built
    deferred = app.create_main_window(demo_db, restore_layout=False)
    assert not deferred.themes.sheet_pending and qapp.styleSheet()     # applied by the window, once built
    after = _show(qtbot, deferred, size)
    name = deferred.holder.doc.portfolio.name
    deferred.close()

    themes = ThemeManager(LIGHT, qapp)
    themes.apply()                              # the way it was: the sheet first, the window built under it
    store = app.open_store(demo_db)
    under = MainWindow(store, themes)
    under.owns_store = True
    under.select_portfolio(name)
    before = _show(qtbot, under, size)
    under.close()

    assert set(after) == set(before)
    moved = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not moved
    dock = next(k for k in before if k.endswith("QDockWidget:marketDock:1"))
    assert before[dock][2] > 0
