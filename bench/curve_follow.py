"""The live margin curve of a held what-if slider, as the window shows it (issue 16): part of ``bench/jobs.py
whatif_drag``.

Two figures, both counted on the window's side (a curve counts when the compute service hands it to the window,
whose slot has then set it on the margin-curve chart; the next paint shows it):
- **curves shown per second** and their **age** (the scenario's request submitted by the window -> that curve
  handed to the window): ``CurveLog`` wraps the window's ``compute.submit`` to stamp each "curve" request, and
  recognises its answer by identity when it arrives.
- **following the hand** (``follow``): the slider moved at a mouse's pace (a new value every 1/60 s, the event
  loop running between, nothing waited for), for a few seconds. The latency drag of ``whatif_drag`` waits for
  each step's result and pauses 70 ms between steps, so its steps come at most ~1/(70 ms + step) a second and
  each brings one curve request: it bounds the curves a second by the step rate, not by the curve. Here the
  window's own throttle (60 ms) and the curve lane's pace decide, as in a real drag.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np


class CurveLog:
    """Stamps the window's "curve" requests and the live curves it is handed."""

    def __init__(self, window: Any) -> None:
        self.sent: dict[int, tuple[float, Any]] = {}   # id(curve answer) -> (its request's time, the answer held)
        self.shown: list[tuple[float, float]] = []  # (time handed to the window, age in s) of each live curve
        compute = window.compute
        submit = compute.submit

        def stamped(channel: str, fn: Callable[[], Any], **kw: Any) -> int:
            if channel != "curve":
                return submit(channel, fn, **kw)
            t_sent = time.perf_counter()

            def run() -> Any:
                answer = fn()
                self.sent[id(answer)] = (t_sent, answer)     # held: its id is not reused meanwhile
                return answer
            return submit(channel, run, **kw)

        compute.submit = stamped                   # an instance attribute: the window calls self.compute.submit
        compute.finished.connect(self._on_finished)   # after the window's own slot (connected first)

    def _on_finished(self, channel: str, payload: Any) -> None:
        if channel != "curve" or getattr(payload, "exact", True):
            return
        now = time.perf_counter()
        sent = self.sent.pop(id(payload), None)
        self.shown.append((now, float("nan") if sent is None else now - sent[0]))

    def between(self, start: float, end: float) -> list[tuple[float, float]]:
        return [s for s in self.shown if start <= s[0] <= end]


def summary(shown: list[tuple[float, float]], seconds: float) -> dict[str, float]:
    ages = np.array([a for _, a in shown if np.isfinite(a)]) * 1e3
    return {"curves": len(shown), "curve_per_s": len(shown) / seconds if seconds > 0 else 0.0,
            "age_median_ms": float(np.median(ages)) if ages.size else float("nan"),
            "age_p95_ms": float(np.percentile(ages, 95)) if ages.size else float("nan")}


def follow(app: Any, window: Any, slider: Any, log: CurveLog, values: list[int], hz: float = 60.0) -> dict:
    """Move the held ``slider`` through ``values`` at ``hz`` values a second without waiting for anything; the
    curves shown meanwhile, their age, and the what-if results shown per second."""
    from bench.jobs import _pause
    shown: list[float] = []
    on_result = lambda _r: shown.append(time.perf_counter())        # noqa: E731
    window.resultShown.connect(on_result)
    start = time.perf_counter()
    for k, v in enumerate(values):
        slider.setValue(v)
        _pause(app, max(0.0, start + (k + 1) / hz - time.perf_counter()))
    end = time.perf_counter()
    window.resultShown.disconnect(on_result)
    seconds = end - start
    out = summary(log.between(start, end), seconds)
    out.update(seconds=seconds, results_per_s=sum(1 for t in shown if start <= t <= end) / seconds, hz=hz)
    return out
