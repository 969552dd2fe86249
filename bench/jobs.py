"""Benchmarks that need a fresh process (peak memory, cold start, offscreen GUI): ``python -m bench.jobs NAME ARGS``.

Each job prints one JSON object on its last line; ``bench.run`` starts them and reads it.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

T_PROCESS = time.perf_counter()


def _emit(doc: dict) -> None:
    print(json.dumps(doc), flush=True)


def big(n: str) -> None:
    """PM recompute of an ``n``-position book: median time, and peak RSS / numpy peak of one compute."""
    import tracemalloc

    import numpy as np

    from bench.synthetic import scaled
    from bench.timing import measure
    from engine import api

    portfolio, market = scaled(int(n))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    api.compute(portfolio, market, liq_shock=False)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = measure(lambda: api.compute(portfolio, market, liq_shock=False), runs=7, warmup=0, budget_s=60)
    prepared = api.prepare(portfolio, market)
    e = measure(lambda: api.evaluate(prepared, {"BTC": 1.0}), runs=30)
    _emit({"n": len(portfolio.positions), "median_ms": t.median_ms, "p95_ms": t.p95_ms, "runs": t.runs,
           "evaluate_ms": e.median_ms, "rss_before_mb": rss_before / 1024, "rss_peak_mb": rss_after / 1024,
           "traced_peak_mb": traced_peak / 2**20, "numpy": np.__version__})


def cold_start(db_path: str) -> None:
    """Imports, the main window on ``db_path``, show(), the first paint of the window, and the first painted
    result (the first ``resultShown`` of the window, then the repaint that shows it)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workstation.app import create_main_window   # Qt after it, as `riskws gui` does (app.main imports it)

    t_import = time.perf_counter()
    window = create_main_window(db_path)
    t_window = time.perf_counter()
    from PySide6.QtCore import QEvent, QObject, QTimer
    marks: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and "paint" not in marks:
                marks["paint"], marks["cpu_at_paint"] = time.perf_counter(), time.process_time()
            # Qt paints every dirty widget of the window while the window handles an update request: the first one
            # after the result has painted it once it is handled, i.e. at the next turn of the event loop
            if event.type() == QEvent.Type.UpdateRequest and obj is window and "result" in marks \
                    and not marks.get("result_update"):
                marks["result_update"] = time.perf_counter()
                QTimer.singleShot(0, painted)
            return False

    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication.instance()
    spy = FirstPaint()
    window.installEventFilter(spy)
    for child in window.findChildren(QWidget):
        child.installEventFilter(spy)

    def after_show() -> None:
        marks["single_shot"] = time.perf_counter()
        marks.setdefault("cpu_at_paint", time.process_time())

    def painted() -> None:
        if "result_paint" in marks:
            return
        marks["result_paint"] = time.perf_counter()
        marks["cpu_at_result_paint"] = time.process_time()
        marks["charts_built"] = getattr(window, "charts_ready", lambda: None)()   # None: a build without it
        app.quit()

    def result_shown(_result) -> None:
        if "result" in marks:
            return
        marks["result"] = time.perf_counter()
        marks["cpu_at_result"] = time.process_time()
        QTimer.singleShot(2000, painted)      # a hidden window gets no update request: stop anyway

    window.resultShown.connect(result_shown)
    window.show()
    QTimer.singleShot(0, after_show)
    QTimer.singleShot(60_000, app.quit)  # no result within a minute: report what was seen
    app.exec()
    first = min(marks.get("paint", float("inf")), marks["single_shot"])
    shown = marks.get("result_paint", float("nan"))
    _emit({"import_s": t_import - T_PROCESS, "window_s": t_window - T_PROCESS, "first_paint_s": first - T_PROCESS,
           "paint_event_seen": "paint" in marks, "wall_clock_at_paint": time.time() - (time.perf_counter() - first),
           "result_s": marks.get("result", float("nan")) - T_PROCESS, "result_paint_s": shown - T_PROCESS,
           "result_update_s": marks.get("result_update", float("nan")) - T_PROCESS,
           "charts_at_result_paint": marks.get("charts_built"),
           "wall_clock_at_result_paint": time.time() - (time.perf_counter() - shown),
           "cpu_at_paint_s": marks["cpu_at_paint"], "cpu_at_result_paint_s": marks.get("cpu_at_result_paint", float("nan"))})
    window.close()


def host_reference_ms() -> float:
    """Median time of a fixed CPU workload (a Python loop and a numpy pass): the speed the shared machine gives
    right now. Reported next to GUI timings, so that a slow phase of the host is visible as such."""
    import numpy as np
    x = np.linspace(0.0, 1.0, 100_000)

    def work() -> float:
        s = 0
        for i in range(20_000):
            s += i * i
        return float(np.exp(x).sum()) + s

    times = []
    for _ in range(25):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e3)


def drag(db_path: str, steps: str = "100") -> None:
    """Drag the real spot-in-use slider over the desk book: value change -> result shown -> paint flushed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from bench.timing import from_samples
    from db.store import Store
    from workstation.app import create_main_window

    store = Store(db_path)
    window = create_main_window(store, restore_layout=False)
    window.resize(1600, 1000)
    window.show()
    app = QApplication.instance()
    _wait(app, lambda: window.result is not None and window.prepared is not None, 60.0)
    _wait(app, lambda: not window.compute.is_busy() and window.charts_ready(), 60.0)
    control = window.spot_control
    if not control.slider.isEnabled():
        window.close()
        _emit({"error": f"spot in use control disabled for unit {window.selected_unit!r}"})
        return
    reference_before = host_reference_ms()
    shown: list[float] = []
    window.resultShown.connect(lambda _r: shown.append(time.perf_counter()))
    control.slider.setSliderDown(True)
    samples, to_shown, gui_cpu = [], [], []
    values = [int(v) for v in __import__("numpy").linspace(50, 950, int(steps))]
    for v in values:
        _pause(app, 0.05)                       # past the preview throttle: every step is a leading edge
        before = len(shown)
        t0, c0 = time.perf_counter(), time.thread_time()
        control.slider.setValue(v)
        _wait(app, lambda: len(shown) > before, 10.0)
        to_shown.append(shown[-1] - t0)         # engine on the worker + result handed to dashboard and charts
        app.processEvents()                     # the repaint the result scheduled
        samples.append(time.perf_counter() - t0)
        gui_cpu.append(time.thread_time() - c0)     # the window's thread only
    control.slider.setSliderDown(False)
    reference_after = host_reference_ms()
    t, s = from_samples(samples), from_samples(to_shown)
    visible = [name for name, c in window.charts.items() if c.isVisible()]
    if os.environ.get("BENCH_STEPS"):        # per-step figures, for looking at the slow steps
        print(json.dumps({"step_ms": [round(x * 1e3, 2) for x in samples],
                          "shown_ms": [round(x * 1e3, 2) for x in to_shown]}), flush=True)
    _emit({"median_ms": t.median_ms, "p95_ms": t.p95_ms, "steps": t.runs, "unit": window.selected_unit,
           "shown_median_ms": s.median_ms, "shown_p95_ms": s.p95_ms, "visible_charts": visible,
           "step_ms": [x * 1e3 for x in samples], "host_reference_ms": [reference_before, reference_after],
           "gui_cpu_median_ms": float(__import__("numpy").median(gui_cpu)) * 1e3, "load": os.getloadavg()[0],
           "paint_ms_by_chart": _paint_costs(app, window)})
    window.close()


def whatif_drag(db_path: str, axis: str = "index:BTC", steps: str = "100") -> None:
    """Drag a real what-if slider (``whatif_index_BTC``, ``whatif_vol_BTC``, ``whatif_days``) over the desk book:
    value change -> the what-if's result shown -> paint flushed; and how often the margin curve (the preview
    curve while the slider is held) arrived during the drag."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    import numpy as np

    from bench.timing import from_samples
    from db.store import Store
    from workstation.app import create_main_window

    store = Store(db_path)
    window = create_main_window(store, restore_layout=False)
    window.resize(1600, 1000)
    window.show()
    app = QApplication.instance()
    _wait(app, lambda: window.result is not None and not window.compute.is_busy() and window.charts_ready(), 120.0)
    panel = window.market_panel.whatif
    slider = panel._slider.get(axis)
    if slider is None:
        window.close()
        _emit({"error": f"no what-if control {axis!r}"})
        return
    reference_before = host_reference_ms()
    shown: list[float] = []
    curves: list[float] = []
    window.resultShown.connect(lambda _r: shown.append(time.perf_counter()))
    window.compute.finished.connect(lambda ch, _p: curves.append(time.perf_counter()) if ch == "curve" else None)
    from bench.curve_follow import CurveLog, follow, summary
    log = CurveLog(window)                  # the live curves shown and their age (bench/curve_follow.py)
    lo, hi = slider.minimum(), slider.maximum()
    values = [int(v) for v in np.linspace(lo + (hi - lo) * 0.3, lo + (hi - lo) * 0.7, int(steps))]
    slider.setSliderDown(True)
    samples, to_shown, gui_cpu = [], [], []
    start = time.perf_counter()
    for v in values:
        _pause(app, 0.07)                       # past the what-if throttle (60 ms): every step is a leading edge
        before = len(shown)
        t0, c0 = time.perf_counter(), time.thread_time()
        slider.setValue(v)
        _wait(app, lambda: len(shown) > before, 30.0)
        to_shown.append(shown[-1] - t0)
        app.processEvents()
        samples.append(time.perf_counter() - t0)
        gui_cpu.append(time.thread_time() - c0)    # the window's thread (its waits for the worker cost ~nothing)
    drag_s = time.perf_counter() - start
    n_curves = sum(1 for c in curves if c >= start)
    live = summary(log.between(start, start + drag_s), drag_s)
    _pause(app, 0.5)                        # the slider still held: then moved at a mouse's pace for 3 s
    hand = follow(app, window, slider, log, [int(v) for v in np.linspace(values[-1], values[0], 180)])
    slider.setSliderDown(False)
    reference_after = host_reference_ms()
    _wait(app, lambda: not window.compute.is_busy(), 120.0)
    t, s = from_samples(samples), from_samples(to_shown)
    _emit({"axis": axis, "median_ms": t.median_ms, "p95_ms": t.p95_ms, "steps": t.runs,
           "shown_median_ms": s.median_ms, "step_ms": [x * 1e3 for x in samples],
           "gui_cpu_median_ms": float(np.median(gui_cpu)) * 1e3,
           "load": os.getloadavg()[0],
           "curve_per_s": n_curves / drag_s if drag_s > 0 else 0.0,
           "live_curve_per_s": live["curve_per_s"], "curve_age_median_ms": live["age_median_ms"],
           "curve_age_p95_ms": live["age_p95_ms"], "follow": hand,
           "host_reference_ms": [reference_before, reference_after]})
    window.close()


def _paint_costs(app, window) -> dict[str, float]:
    """Median time of one full repaint of each visible chart (QWidget.repaint, offscreen raster)."""
    import numpy as np
    out = {}
    for name, chart in window.charts.items():
        if chart.isVisible():
            times = []
            for _ in range(15):
                t0 = time.perf_counter()
                chart.viewport().repaint() if hasattr(chart, "viewport") else chart.repaint()
                times.append(time.perf_counter() - t0)
            out[name] = round(float(np.median(times)) * 1e3, 2)
    return out


def _wait(app, cond, timeout_s: float) -> None:
    """Run the event loop until ``cond()``: blocked in the event dispatcher between events, as the event loop of the app is, so
    the worker's result is handled as soon as it is posted (a heartbeat timer bounds each wait to 10 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer
    heartbeat = QTimer()
    heartbeat.start(10)
    try:
        end = time.perf_counter() + timeout_s
        while not cond():
            if time.perf_counter() > end:
                raise TimeoutError("condition not reached")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        heartbeat.stop()


def _pause(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def sqlite_cold(db_path: str, name: str) -> None:
    """Open the store and load one portfolio in a fresh process (instrument-id cache cold)."""
    t0 = time.perf_counter()
    from db.store import Store
    t_import = time.perf_counter()
    with Store(db_path) as store:
        p = store.load_portfolio(name)
    t1 = time.perf_counter()
    _emit({"open_and_load_ms": (t1 - t_import) * 1e3, "import_ms": (t_import - t0) * 1e3, "n": len(p.positions)})


JOBS = {"big": big, "cold_start": cold_start, "drag": drag, "whatif_drag": whatif_drag, "sqlite_cold": sqlite_cold}

if __name__ == "__main__":
    JOBS[sys.argv[1]](*sys.argv[2:])
