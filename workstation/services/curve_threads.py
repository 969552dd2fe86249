"""How many threads the live-curve child gives its next curve (issue 16): every core when the machine leaves them.

A second thread halves a curve's wall time when a core is idle, but costs ~15 % more CPU (each thread's share of
the per-move work, and the hand-offs), which on a loaded machine only slows the curve down (measured 2026-11-28 at
load 5.5: one thread 115 ms of CPU per curve, two threads 133 ms, the same wall time). So before each curve the
child looks at what the cores did since its previous one (``/proc/stat``): the idle cores plus the cores it used
itself are the cores a curve could have had; the next curve gets that many threads (at least one, at most
``most``). Off Linux (no ``/proc/stat``) it uses ``most``.
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
        # 0.4: a core counts when it was free most of the time (the measure is over the last curve or two)
        return max(1, min(self.most, int(idle + own + 0.4)))
