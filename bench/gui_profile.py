"""What the window's thread does per step of a GUI drag:
``python -m bench.gui_profile DB [AXIS|spot] [STEPS] [TOP]``.

Drives the real window offscreen as ``bench/jobs.py whatif_drag`` / ``drag`` do (same pacing). With ``TOP`` > 0:
a cProfile of the window thread over the steps (TOP entries), the Paint / LayoutRequest events each widget got
per step, the window's UpdateRequest events (a repaint pass each, held ones included) and each chart's
paintEvent time. With ``TOP`` = 0 (no profiler): wall and CPU per step of the window's phases (the document's
fan-out, the result's slots and their parts, each repaint pass, each chart item class's paint) and the passes of
the last steps; ``GUI_PROFILE_ONLY=<phase label>`` adds a cProfile of that phase alone. ``DB`` is created with
the desk book when missing. Used for bench/README.md "The window's thread per what-if step (H41)".
"""

from __future__ import annotations

import collections
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path


def _desk_db(path: str) -> None:
    if Path(path).exists():
        return
    from bench import synthetic
    from db.store import Store
    portfolio, market = synthetic.desk()
    with Store(path) as store:
        store.save_market("synthetic", market)
        store.save_portfolio(portfolio, market_name="synthetic")


PHASES: dict[str, list[float]] = collections.defaultdict(list)
PASSES: list[tuple[float, float, float]] = []     # (start since the step's setValue, wall ms, CPU ms)
STEP_T0 = [0.0]
ONLY = cProfile.Profile()       # GUI_PROFILE_ONLY=<label>: cProfile of that function's calls alone


def _timed_method(cls, name: str, label: str) -> None:
    """Wrap ``cls.name`` to add its wall time to PHASES[label] (per call; summed per step by the caller)."""
    orig = getattr(cls, name)

    profile = os.environ.get("GUI_PROFILE_ONLY") == label

    def wrapper(self, *a, **k):
        t0, c0 = time.perf_counter(), time.thread_time()
        if profile:
            ONLY.enable()
        try:
            return orig(self, *a, **k)
        finally:
            if profile:
                ONLY.disable()
            PHASES[label].append((time.perf_counter() - t0) * 1e3)
            PHASES[label + " CPU"].append((time.thread_time() - c0) * 1e3)
    setattr(cls, name, wrapper)


def _instrument() -> None:
    from workstation.controllers.results import ResultsView
    from workstation.main_window import MainWindow
    from workstation.services.document import DocumentHolder
    _timed_method(ResultsView, "_on_computed", "slots: _on_computed")
    _timed_method(ResultsView, "_show_unit_charts", "  _show_unit_charts")
    _timed_method(ResultsView, "_show_result", "  _show_result")
    _timed_method(ResultsView, "recompute", "  recompute (submit)")
    _timed_method(DocumentHolder, "set_scenario", "fan-out: set_scenario")
    _timed_method(MainWindow, "_on_document_changed", "  _on_document_changed")
    from PySide6.QtWidgets import QMainWindow

    from workstation.charts.breakdown import MrBreakdownChart
    from workstation.charts.heatmap import HeatmapChart
    from workstation.charts.margin_curve import MarginCurveChart
    from workstation.charts.stress import StressChart
    from workstation.models.tables import IndexModel, RiskUnitModel
    from workstation.widgets.market_panel import MarketPanel
    from workstation.widgets.summary import AccountSummary
    for cls, name in ((AccountSummary, "show_result"), (RiskUnitModel, "set_units"), (MrBreakdownChart, "show_result"),
                      (StressChart, "show_unit"), (HeatmapChart, "show_grid"), (MarginCurveChart, "show_curve"),
                      (ResultsView, "_select_unit_row"), (ResultsView, "_update_spot_control"),
                      (MarketPanel, "set_market"), (IndexModel, "set_market"), (MainWindow, "_sync_selectors"),
                      (MainWindow, "_update_actions")):
        _timed_method(cls, name, f"      {cls.__name__}.{name}")

    def event(self, ev, _orig=QMainWindow.event):
        from PySide6.QtCore import QEvent
        if ev.type() != QEvent.Type.UpdateRequest:
            return _orig(self, ev)
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return _orig(self, ev)
        finally:
            PHASES["window UpdateRequest (a repaint pass)"].append((time.perf_counter() - t0) * 1e3)
            PHASES["  its CPU"].append((time.thread_time() - c0) * 1e3)
            PASSES.append((t0 - STEP_T0[0], (time.perf_counter() - t0) * 1e3, (time.thread_time() - c0) * 1e3))
    MainWindow.event = event
    import pyqtgraph as pg

    from workstation.charts import boxed_text, grid, markers
    classes = [pg.AxisItem, pg.PlotCurveItem, pg.ImageItem, pg.ViewBox, pg.LabelItem, pg.TextItem, pg.BarGraphItem,
               pg.LegendItem, pg.InfiniteLine, pg.ColorBarItem, grid.GridLines, markers.MarkerLayer,
               pg.graphicsItems.LegendItem.ItemSample, pg.PlotDataItem]
    classes += [getattr(boxed_text, n) for n in dir(boxed_text) if isinstance(getattr(boxed_text, n), type)
                and issubclass(getattr(boxed_text, n), pg.GraphicsObject)]
    for cls in classes:
        if "paint" in cls.__dict__:
            _timed_method(cls, "paint", f"    paint {cls.__name__}")


def main(db_path: str, axis: str = "index:BTC", steps: str = "60", top: str = "45") -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _desk_db(db_path)
    timeline = top == "0"
    if timeline:
        _instrument()
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from bench.jobs import _pause, _wait
    from db.store import Store
    from workstation.app import create_main_window

    window = create_main_window(Store(db_path), restore_layout=False)
    window.resize(1600, 1000)
    window.show()
    app = QApplication.instance()
    _wait(app, lambda: window.result is not None and not window.compute.is_busy() and window.charts_ready(), 120.0)
    import numpy as np
    if axis == "spot":
        slider = window.spot_control.slider
        values = [int(v) for v in np.linspace(50, 950, int(steps))]
        pause = 0.05
    else:
        slider = window.market_panel.whatif._slider[axis]
        lo, hi = slider.minimum(), slider.maximum()
        values = [int(v) for v in np.linspace(lo + (hi - lo) * 0.3, lo + (hi - lo) * 0.7, int(steps))]
        pause = 0.07
    paints: collections.Counter = collections.Counter()
    chart_names = {id(c.viewport()): n for n, c in window.charts.items()}
    chart_ms: dict[str, list[float]] = collections.defaultdict(list)
    started: dict[int, float] = {}

    def name_of(obj) -> str:
        n = chart_names.get(id(obj))
        if n:
            return n
        parent = obj.parent()
        return f"{type(obj).__name__}:{obj.objectName() or '?'}<{type(parent).__name__ if parent else '-'}"

    class Spy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            t = event.type()
            if t == QEvent.Type.Paint:
                paints[name_of(obj)] += 1
            elif t == QEvent.Type.UpdateRequest and obj is window:
                paints["<window UpdateRequest>"] += 1
            elif t == QEvent.Type.LayoutRequest:
                paints[f"LayoutRequest {name_of(obj)}"] += 1
            return False

    for name, chart in window.charts.items():      # each chart's paintEvent timed (Python override)
        orig = chart.paintEvent

        def timed(ev, orig=orig, name=name):
            t0 = time.perf_counter()
            orig(ev)
            chart_ms[name].append((time.perf_counter() - t0) * 1e3)
        chart.paintEvent = timed
    spy = Spy()
    shown: list[float] = []
    window.resultShown.connect(lambda _r: shown.append(time.perf_counter()))
    slider.setSliderDown(True)
    prof = cProfile.Profile()
    samples, cpu = [], []
    if not timeline:
        app.installEventFilter(spy)
    PHASES.clear()
    for v in values:
        _pause(app, pause)
        before = len(shown)
        t0, c0 = time.perf_counter(), time.thread_time()
        STEP_T0[0] = t0
        PASSES.append(("step", v))
        if not timeline:
            prof.enable()
        slider.setValue(v)
        _wait(app, lambda: len(shown) > before, 30.0)
        app.processEvents()
        if not timeline:
            prof.disable()
        samples.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.thread_time() - c0) * 1e3)
    app.removeEventFilter(spy)
    slider.setSliderDown(False)
    n = len(values)
    if timeline and os.environ.get("GUI_PROFILE_ONLY"):
        out = io.StringIO()
        pstats.Stats(ONLY, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())
    if timeline:
        print("per step: calls, total ms (summed over calls / steps)")
        for k, v in PHASES.items():
            print(f"  {len(v) / n:5.2f}  {sum(v) / n:7.2f} ms  {k}")
        for p in PASSES[-60:]:
            print("   step" if p[0] == "step" else f"     pass at {p[0] * 1e3:6.1f} ms: {p[1]:6.2f} ms wall {p[2]:6.2f} ms CPU")
        print(json.dumps({"axis": axis, "steps": n, "median_ms": float(np.median(samples)),
                          "p95_ms": float(np.percentile(samples, 95)), "window_cpu_median_ms": float(np.median(cpu)),
                          "load": os.getloadavg()[0]}))
        window.close()
        return
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(int(top))
    print(out.getvalue())
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(int(top))
    print(out.getvalue())
    print("per step (counts / steps):")
    for k, c in sorted(paints.items(), key=lambda kv: -kv[1]):
        print(f"  {c / n:6.2f}  {k}")
    print("chart paintEvent: " + ", ".join(f"{k} {len(v) / n:.2f}/step median {np.median(v):.2f} ms"
                                           for k, v in chart_ms.items()))
    print(json.dumps({"axis": axis, "steps": n, "median_ms": float(np.median(samples)),
                      "p95_ms": float(np.percentile(samples, 95)), "window_cpu_median_ms": float(np.median(cpu)),
                      "load": os.getloadavg()[0]}))
    window.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
