"""The charts' part of the window thread's CPU per step of a spot-in-use drag:
``python -m bench.chart_step DB [STEPS]``.

Drives the real window offscreen as ``bench/jobs.py drag`` does (same slider, same pacing) and adds up, per step,
the thread CPU of each live chart's update (``show_unit`` / ``show_grid`` / ``show_result``) and of its
``paintEvent``; prints the medians, their sum ("charts total") and the window thread's CPU per step. CPU time, not
wall: the figures are meant for paired runs of two trees on a loaded host (run each tree's copy in turn, each on
its own copy of the database). ``DB`` is created with the desk book when missing. Used for bench/README.md "The
charts' cost per drag step (H54)".
"""

from __future__ import annotations

import collections
import os
import sys
import time


def main(db_path: str, steps: str = "40") -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtWidgets import QApplication

    from bench.gui_profile import _desk_db
    from bench.jobs import _pause, _wait
    from db.store import Store
    from workstation.app import create_main_window

    _desk_db(db_path)
    window = create_main_window(Store(db_path), restore_layout=False)
    window.resize(1600, 1000)
    window.show()
    app = QApplication.instance()
    _wait(app, lambda: window.result is not None and not window.compute.is_busy() and window.charts_ready(), 120.0)
    cpu: dict[str, float] = collections.defaultdict(float)

    def wrap(obj, meth: str, key: str) -> None:
        orig = getattr(obj, meth)

        def timed(*a, **k):
            c0 = time.thread_time()
            try:
                return orig(*a, **k)
            finally:
                cpu[key] += time.thread_time() - c0
        setattr(obj, meth, timed)
    for name, meth in (("StressChart", "show_unit"), ("HeatmapChart", "show_grid"), ("MrBreakdownChart", "show_result")):
        wrap(window.charts[name], meth, f"{name} update")
        wrap(window.charts[name], "paintEvent", f"{name} paint")
    slider = window.spot_control.slider
    shown: list[int] = []
    window.resultShown.connect(lambda _r: shown.append(1))
    slider.setSliderDown(True)
    per: dict[str, list[float]] = collections.defaultdict(list)
    window_cpu = []
    for v in [int(x) for x in np.linspace(50, 950, int(steps))]:
        _pause(app, 0.05)
        cpu.clear()
        before = len(shown)
        c0 = time.thread_time()
        slider.setValue(v)
        _wait(app, lambda: len(shown) > before, 30.0)
        app.processEvents()
        window_cpu.append(time.thread_time() - c0)
        for k, x in cpu.items():
            per[k].append(x)
        per["charts total"].append(sum(cpu.values()))
    slider.setSliderDown(False)
    print(f"load {os.getloadavg()[0]:.1f}, window thread CPU per step {np.median(window_cpu) * 1e3:.2f} ms; "
          + ", ".join(f"{k} {np.median(v) * 1e3:.2f}" for k, v in sorted(per.items())) + " (ms CPU, medians)")
    window.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
