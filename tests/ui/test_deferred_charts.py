"""The charts come after the first painted result (issue 16, cold start): the window first shows the result in the
summary and the risk-unit table with an empty pane in each chart dock, then builds the charts and shows in them what
arrived meanwhile (the MMR breakdown, the margin curve, the selected unit's stress and heatmap), without moving any
dock."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import WAIT_MS, wait_settled

CHART_NAMES = ("StressChart", "HeatmapChart", "MrBreakdownChart", "MarginCurveChart")


@pytest.fixture
def held_charts(monkeypatch):
    """Charts built only when the test says so (no fallback timer fires during the test)."""
    from workstation import layout_charts
    monkeypatch.setattr(layout_charts, "FALLBACK_AFTER_START_MS", 600_000)
    monkeypatch.setattr(layout_charts, "FALLBACK_AFTER_RESULT_MS", 600_000)


def _open(qtbot, demo_db, *, show: bool, hold: bool = False):
    from workstation.app import create_main_window
    w = create_main_window(demo_db, restore_layout=False)
    qtbot.addWidget(w)
    w.show_error = lambda title, message: None
    if hold:                             # not at the first painted result either
        w.removeEventFilter(w._charts_watch)
    if show:
        w.resize(1280, 720)
        w.show()
        w.apply_default_sizes()
    return w


def test_the_first_result_is_shown_before_the_charts_exist(qtbot, demo_db):
    w = _open(qtbot, demo_db, show=False)
    seen = []
    w.resultShown.connect(lambda _r: seen.append((dict(w.charts), [d.widget().objectName() for d in w.chart_docks])))
    w.resize(1280, 720)
    w.show()
    wait_settled(qtbot, w)
    charts_at_result, panes_at_result = seen[0]
    assert charts_at_result == {}
    assert panes_at_result == ["stressDockPending", "heatmapDockPending", "mrBreakdownDockPending",
                               "marginCurveDockPending"]
    assert sorted(w.charts) == sorted(CHART_NAMES)
    assert [type(d.widget()).__name__ for d in w.chart_docks] == list(CHART_NAMES)
    w.close()


def test_what_arrived_before_the_charts_is_shown_in_them_and_no_dock_moves(qtbot, demo_db, held_charts):
    from engine import api
    from workstation.services import jobs

    w = _open(qtbot, demo_db, show=True, hold=True)
    # the result, the margin curve and the unit's charts all computed, the charts not built yet
    qtbot.waitUntil(lambda: w.result is not None and not w.compute.is_busy() and w._pending_curve is not None
                    and w._pending_unit is not None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert not w.charts_ready() and w.charts == {}
    before = [d.geometry() for d in (*w.chart_docks, w.portfolio_dock, w.market_dock)]
    central = w.centralWidget().geometry()

    w.build_charts()
    qtbot.wait(50)
    assert w.charts_ready()
    assert [d.geometry() for d in (*w.chart_docks, w.portfolio_dock, w.market_dock)] == before
    assert w.centralWidget().geometry() == central

    # the same figures computed here, independently of the window's jobs
    doc = w.holder.doc
    portfolio, market = doc.portfolio, doc.market
    curve = api.margin_curve(portfolio, market, jobs.mode_of(portfolio), portfolio.rules, jobs.CURVE_SHOCKS)
    x, y = w.charts["MarginCurveChart"].mmr_curve.getData()
    np.testing.assert_array_equal(x, curve.shocks)
    np.testing.assert_array_equal(y, curve.mmr)

    unit = w.selected_unit
    assert unit and unit in [u.risk_unit for u in w.result.units]
    prepared = api.prepare(portfolio, market)
    stress = api.stress_curve(prepared, unit, jobs.UNIT_MOVES, jobs.spot_map(portfolio))
    stress_chart = w.charts["StressChart"]
    for i, curve_item in enumerate(stress_chart.curves.values()):
        np.testing.assert_array_equal(curve_item.getData()[1], stress[i])

    assert w.charts["MrBreakdownChart"].unit_names() == [u.risk_unit for u in w.result.units]
    w.close()


def test_the_window_module_and_the_chart_contour_do_not_import_pyqtgraph() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = ("import os, sys\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\nimport workstation.main_window\n"
            "import workstation.charts.contour\nprint('pyqtgraph' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out[-1] == "False"
