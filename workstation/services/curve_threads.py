"""How many threads the live-curve child gives its next curve (issue 16): every core when the machine leaves them.

A second thread halves a curve's wall time when a core is idle, but costs ~15 % more CPU (each thread's share of
the per-move work, and the hand-offs), which on a loaded machine only slows the curve down (measured 2026-11-28 at
load 5.5: one thread 115 ms of CPU per curve, two threads 133 ms, the same wall time). So before each curve the
child looks at what the cores did since its previous one (``/proc/stat``): the idle cores plus the cores it used
itself are the cores a curve could have had; the next curve is split over threads once they pay for the split
(``split_threads``: more than 1.17 cores; at least one thread, at most ``most``). Off Linux (no ``/proc/stat``) it
uses ``most``.

The rule was "that many whole cores" (``int(cores + 0.4)``: 1.6 cores for a second thread) until 2026-11-28 (H53):
during a what-if drag the window's process takes ~0.6 of the two cores, the child ~0.85 of one, so ~1.35 could be
had and the child stayed on one thread although a split curve (1.17x the CPU of one thread, measured 155 -> 182 ms
on the desk at load 0.7) finishes sooner on 1.35 cores. On one thread a curve costs ~34x the bar, so at this
host's bar (2.5-4.5 ms) one core gives at most 7-12 curves a second: below the target of 10 on a slow day.
"""

from __future__ import annotations

import os
import time
from typing import Callable

Reading = tuple[float, float, float, float]     # (idle jiffies, all jiffies, own CPU seconds, monotonic seconds)


def read_stat() -> tuple[float, float] | None:
    """(idle + iowait, all) jiffies summed over the machine's CPUs, or None where there is no ``/proc/stat``."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != b"cpu":
        return None
    values = [float(x) for x in fields[1:9]]   # user nice system idle iowait irq softirq steal
    return values[3] + values[4], sum(values)


SPLIT_CPU = 1.17     # a curve's CPU on 2+ threads over its CPU on one (measured 1.15-1.17, see the module docstring)


def split_threads(available: float, most: int) -> int:
    """Threads for a curve when ``available`` cores (idle, plus the child's own use) could be had: a curve split
    over k >= 2 threads costs ``SPLIT_CPU`` times one thread's CPU, so it finishes sooner once more than
    ``SPLIT_CPU`` cores are available (1.2 cores: 1.2 / 1.17 against 1.0 on one thread); each further thread
    needs about one more core."""
    if available <= SPLIT_CPU or most <= 1:
        return 1
    return min(most, max(2, round(available)))


class ThreadChooser:
    def __init__(self, most: int, cores: int | None = None,
                 stat: Callable[[], tuple[float, float] | None] = read_stat,
                 clock: Callable[[], tuple[float, float]] = lambda: (time.process_time(), time.monotonic())) -> None:
        self.most = max(1, most)
        self.cores = cores or os.cpu_count() or 1
        self._stat, self._clock = stat, clock
        self._last: Reading | None = None

    def threads(self) -> int:
        """The threads for the curve about to start."""
        stat = self._stat()
        if stat is None:
            return self.most
        now = (*stat, *self._clock())
        last, self._last = self._last, now
        if last is None or self.most == 1:
            return self.most
        d_all, d_wall = now[1] - last[1], now[3] - last[3]
        if d_all <= 0 or d_wall <= 0:
            return self.most
        idle = (now[0] - last[0]) / d_all * self.cores
        own = (now[2] - last[2]) / d_wall
        return split_threads(idle + own, self.most)
