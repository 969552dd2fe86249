"""The margin curve live (issue 16) and ``riskws margin`` on a big book (issue 17 item 11).

``curve_live``: the desk's margin curve (201 index moves + liquidation moves) by the engine, timed in turn with the
plain path it replaced (every shock revalued one at a time, the one-point-at-a-time liquidation scan and
bisection), so the before/after pair sees the same load; the two must agree bit for bit.
``preview_live``: the preview curve a held what-if slider shows (every 5th shock, one thread, as in the window's
child process), its CPU time in turn with the bar: how many fit in one CPU-second.
``cli_big``: ``riskws margin BOOK --market MARKET`` as a fresh process on a scaled book written to files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine import api
from engine.curve_reference import reference_curve as plain_curve

from . import synthetic
from .timing import measure_interleaved

ROOT = Path(__file__).resolve().parent.parent
CURVE_TARGET_MS = 250.0
CLI_TARGET_S = 10.0


def curve_live(report, portfolio, market, runs: int = 5, grid=None) -> None:
    """The desk curve, new and plain, timed in turn (with the bar when ``grid`` is given: ratio to 201 x bar)."""
    from engine.shocked import workers
    from .pricing import bare_black76_blocks
    prepared = api.prepare(portfolio, market)
    shocks = api.DEFAULT_SHOCKS
    new = api.curve_of(prepared, shocks)
    old = plain_curve(prepared, shocks)
    same = (np.array_equal(new.mmr, old[0]) and np.array_equal(new.margin_ratio, old[1]) and new.liq_shock == old[2])
    fns = {"new": lambda: api.margin_curve(portfolio, market),
           "old": lambda: plain_curve(api.prepare(portfolio, market), shocks)}
    if grid is not None:
        fns["bar"] = lambda: bare_black76_blocks(grid)
    t = measure_interleaved(fns, runs=runs, warmup=1)
    bar = ""
    if grid is not None:
        phys = 201 * t["bar"].cpu_median_ms
        bar = (f"; cpu = {t['new'].cpu_median_ms / phys:.2f}x (201 x bar), bar {t['bar'].median_ms:.2f} ms "
               f"(cpu {t['bar'].cpu_median_ms:.2f}) in turn")
    report.add(f"margin curve, desk, before (plain path: 201 + liquidation scan, one at a time), timed in turn",
               f"{t['old'].median_ms:.0f} ms (p95 {t['old'].p95_ms:.0f}, cpu {t['old'].cpu_median_ms:.0f})")
    report.add(f"**margin curve live, desk: margin_curve (201 shocks + liquidation moves {new.liq_shock}), "
               f"{workers()} threads; bit-identical to before: {same}**",
               f"{t['new'].median_ms:.0f} ms (p95 {t['new'].p95_ms:.0f}, cpu {t['new'].cpu_median_ms:.0f}{bar})",
               f"<= {CURVE_TARGET_MS:.0f} ms", ("met" if t["new"].median_ms <= CURVE_TARGET_MS else "NOT met")
               + ("" if same else " (NOT identical)"))
    if grid is not None:
        preview_live(report, portfolio, market, grid, runs=max(5, runs))


PREVIEW_TARGET_PER_S = 10.0


def preview_live(report, portfolio, market, grid, runs: int = 7) -> None:
    """The held slider's preview curve (``jobs.compute_curve(live=True)``'s engine work: prepare, then 41 exact
    shocks and the liquidation moves interpolated) on one thread, in turn with the bar; CPU per curve and its ratio
    to the bar, which the host's speed does not change."""
    from engine.curve import preview_curve
    from .pricing import bare_black76_blocks
    shocks = api.DEFAULT_SHOCKS[::5]
    before = os.environ.get("RISKWS_THREADS")
    os.environ["RISKWS_THREADS"] = "1"
    try:
        t = measure_interleaved({"preview": lambda: preview_curve(api.prepare(portfolio, market), shocks),
                                 "bar": lambda: bare_black76_blocks(grid)}, runs=runs, warmup=1)
    finally:
        if before is None:
            os.environ.pop("RISKWS_THREADS", None)
        else:
            os.environ["RISKWS_THREADS"] = before
    cpu, bar = t["preview"].cpu_median_ms, t["bar"].cpu_median_ms
    per_s = 1000.0 / cpu
    report.add(f"preview margin curve, desk ({shocks.size} shocks, liquidation interpolated, 1 thread), in turn with "
               f"the bar ({t['bar'].median_ms:.2f} ms, cpu {bar:.2f})",
               f"{t['preview'].median_ms:.0f} ms wall, cpu {cpu:.0f} ms = {cpu / bar:.1f}x bar: {per_s:.1f} curves "
               f"per CPU-second (projected at a quiet host's 1.3 ms bar: {1000.0 / (1.3 * cpu / bar):.0f})",
               f">= {PREVIEW_TARGET_PER_S:.0f} curves/s on one core",
               "met" if per_s >= PREVIEW_TARGET_PER_S else "NOT met on this host")


def cli_big(report, n: int = 100_000, runs: int = 1) -> None:
    """``riskws margin`` as a fresh process on the scaled book: default (the liquidation search only up to the size
    limit, workstation/commands/margin.py) and ``--liquidation``; wall and CPU (user + system of the child)."""
    import resource
    from engine.market import market_to_dict
    from engine.portfolio import portfolio_to_dict
    portfolio, market = synthetic.scaled(n)
    with tempfile.TemporaryDirectory(prefix="riskws-bench-cli-") as tmp:
        book, snap = Path(tmp) / "book.json", Path(tmp) / "market.json"
        book.write_text(json.dumps(portfolio_to_dict(portfolio)))
        snap.write_text(json.dumps(market_to_dict(market)))
        for extra, what in (([], "default"), (["--liquidation"], "--liquidation: the exact search forced")):
            exe = [sys.executable, "-m", "workstation.cli", "margin", str(book), "--market", str(snap), *extra]
            walls, cpus = [], []
            for _ in range(runs):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                proc = subprocess.run(exe, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), check=False)
                walls.append(time.perf_counter() - t0)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
                if proc.returncode != 0:
                    report.add(f"riskws margin, {n} positions ({what})", f"failed: {proc.stderr.strip()[-200:]}")
                    return
            liq = next((ln.strip() for ln in proc.stdout.splitlines() if "liquidation" in ln), "")
            wall = float(np.median(walls))
            report.add(f"**riskws margin, {len(portfolio.positions)} positions, fresh process ({what}; {liq})**",
                       f"{wall:.1f} s (cpu {float(np.median(cpus)):.1f} s; {runs} runs, max {max(walls):.1f} s)",
                       f"<= {CLI_TARGET_S:.0f} s", "met" if wall <= CLI_TARGET_S else "NOT met")
