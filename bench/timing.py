"""Timing helpers: run a callable repeatedly, report the median and the 95th percentile in milliseconds."""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int
    cpu_median_ms: float = float("nan")     # process CPU time: steadier than wall time on a shared machine

    def __str__(self) -> str:
        return f"{self.median_ms:.3f} ms (p95 {self.p95_ms:.3f}, n={self.runs})"


def measure(fn: Callable[[], object], *, runs: int = 30, warmup: int = 2, budget_s: float = 20.0) -> Timing:
    """Time ``fn`` ``runs`` times after ``warmup`` calls (fewer runs if the budget runs out, at least 3)."""
    for _ in range(warmup):
        fn()
    samples, cpu = [], []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for i in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if i >= 2 and time.perf_counter() - start > budget_s:
                break
    finally:
        if gc_was:
            gc.enable()
    return from_samples(samples, cpu)


def from_samples(samples_s: list[float], cpu_s: list[float] | None = None) -> Timing:
    a = np.asarray(samples_s) * 1e3
    cpu = float(np.median(cpu_s) * 1e3) if cpu_s else float("nan")
    return Timing(float(np.median(a)), float(np.percentile(a, 95)), len(a), cpu)


def measure_interleaved(fns: dict[str, Callable[[], object]], *, runs: int = 40, warmup: int = 2) -> dict[str, Timing]:
    """Time several callables in turn, in a new (seeded) random order each round: on a shared machine they see
    the same load, so ratios between them hold even when absolute times drift; the shuffle spreads the cost of
    running right after another one's working set evicted the caches."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        rng = np.random.default_rng(0)
        names = list(fns)
        for _ in range(runs):
            for name in rng.permutation(names):
                fn = fns[name]
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
    finally:
        if gc_was:
            gc.enable()
    return {k: from_samples(wall[k], cpu[k]) for k in fns}
