"""What-if steps on the desk book (issue 16), engine side: ``python -m bench.whatif`` (also part of ``python -m bench``).

One step of each what-if axis (index move, vol shift, time roll), timed in turn with the Black-76 bar in one
process (``measure_interleaved``: same load, so the ratios hold on a busy host):
- full path: ``apply_scenario`` + ``prepare`` + ``evaluate`` (what every step cost before the fast path);
- fast path: ``engine.whatif_fast.prepare_whatif`` (the book repriced from a kept base) + ``evaluate``;
- the window's step job: the fast path plus the selected unit's charts on the live grids
  (``workstation.services.jobs.compute_main(..., live_unit)``);
- the preview margin curve of a held slider (41 shocks, liquidation moves interpolated): its CPU time bounds how
  many curves a second the cores can follow a drag with (the window computes it in a child process, at nice 5, its
  shocks on every core as here: ``workstation/services/curve_process.py``).
The GUI figures (value change -> repainted, curves per second) come from ``bench/jobs.py whatif_drag``.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

import numpy as np

from bench import pricing, synthetic
from bench.timing import measure, measure_interleaved

AXES = {
    "index BTC": lambda x: {"index": {"BTC": -0.02 - 0.06 * x}},
    "vol BTC": lambda x: {"vol": {"BTC": 0.01 + 0.05 * x}},
    "time roll": lambda x: {"days": 0.5 + 2.0 * x},
}


def _steps(axis: str) -> Callable[[], object]:
    """Successive values of one axis, as a drag sends them (each call the next step)."""
    from engine.scenario import Scenario
    make = AXES[axis]
    values = iter(np.tile(np.linspace(0.0, 1.0, 25), 1000))
    return lambda: Scenario("drag", **make(float(next(values))))


def whatif_engine(report, portfolio, market, grid: "pricing.OptionGrid") -> None:
    from engine import api
    from engine.scenario import apply_scenario
    from engine.whatif_fast import prepare_whatif
    from workstation.services import jobs
    bar_fns = pricing.bar_functions(grid)
    bar_name = "256-option blocks"
    for axis in AXES:
        nxt = _steps(axis)
        fns = {
            "bar": bar_fns[bar_name],
            "full": lambda: api.evaluate(api.prepare(*apply_scenario(portfolio, market, nxt()))),
            "fast": lambda: api.evaluate(prepare_whatif(portfolio, market, nxt()).prepared),
            "step job": lambda: jobs.compute_main(portfolio, market, nxt(), "BTC"),
        }
        t = measure_interleaved(fns, runs=30)
        bar = t["bar"]

        def ratio(name: str) -> str:
            return (f"{t[name].median_ms:.2f} ms (p95 {t[name].p95_ms:.2f}; cpu {t[name].cpu_median_ms:.2f} ms = "
                    f"{t[name].cpu_median_ms / bar.cpu_median_ms:.1f}x bar)")
        report.add(f"what-if step {axis}, desk: full path apply_scenario + prepare + evaluate", ratio("full"))
        report.add(f"what-if step {axis}, desk: fast path prepare_whatif + evaluate (bit-identical)", ratio("fast"),
                   "", f"{t['full'].cpu_median_ms / t['fast'].cpu_median_ms:.2f}x less CPU than the full path")
        report.add(f"what-if step {axis}, desk: the window's step job (fast path + unit charts, live grids)",
                   ratio("step job"))
        curve = measure(lambda: jobs.compute_curve(portfolio, market, True, nxt()), runs=7, budget_s=60)
        per_s = 1e3 / curve.cpu_median_ms if curve.cpu_median_ms > 0 else float("inf")
        report.add(f"preview margin curve of a held {axis} slider (41 shocks, on every core; timed here "
                   f"in-process, the window runs it the same way in a child process), desk",
                   f"{curve.median_ms:.1f} ms wall, cpu {curve.cpu_median_ms:.1f} ms (at most {per_s:.1f} curves "
                   f"per CPU-second)", ">= 10 curves/s", "see the GUI rows")
    report.add(f"(bar: {bar_name}, {bar.median_ms:.3f} ms, cpu {bar.cpu_median_ms:.3f} ms; load average "
               f"{os.getloadavg()[0]:.1f})", "")


def screenshot(db_path: str, out: str, axis: str = "index:BTC", steps: int = 12) -> None:
    """The window mid-drag (slider still held) at 1920x1080, after a live margin curve of the last steps landed:
    run under Xvfb (``QT_QPA_PLATFORM=xcb xvfb-run -a -s '-screen 0 1920x1080x24' python -m bench.whatif
    --screenshot DB OUT``)."""
    import time

    from PySide6.QtWidgets import QApplication

    from bench.jobs import _pause, _wait
    from db.store import Store
    from workstation.app import create_main_window

    window = create_main_window(Store(db_path), restore_layout=False)
    window.resize(1920, 1080)
    window.show()
    app = QApplication.instance()
    _wait(app, lambda: window.result is not None and not window.compute.is_busy() and window.charts_ready(), 120.0)
    slider = window.market_panel.whatif._slider[axis]
    curves: list = []
    window.compute.finished.connect(lambda ch, p: curves.append(p) if ch == "curve" else None)
    slider.setSliderDown(True)
    lo = slider.minimum()
    for k in range(steps):
        slider.setValue(int(lo * 0.45 * (k + 1) / steps))
        _pause(app, 0.08)
    n = len(curves)
    _wait(app, lambda: len(curves) > n and not curves[-1].exact, 60.0)   # a live curve of the held slider
    _pause(app, 0.3)
    assert slider.isSliderDown()
    window.grab().save(out)
    print(f"saved {out}: {axis} at {window.market_panel.whatif._spin[axis].value():g}, live curve of "
          f"{curves[-1].shocks.size} shocks, liqShock {curves[-1].liq_shock}", flush=True)
    slider.setSliderDown(False)
    _wait(app, lambda: not window.compute.is_busy(), 120.0)
    window.close()


def main() -> int:
    if len(sys.argv) >= 4 and sys.argv[1] == "--screenshot":
        screenshot(sys.argv[2], sys.argv[3], *sys.argv[4:5])
        return 0
    from bench.run import Report, machine
    report = Report()
    portfolio, market = synthetic.desk()
    whatif_engine(report, portfolio, market, pricing.option_grid(portfolio, market))
    print(f"Machine: {machine()}")
    print(report.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
