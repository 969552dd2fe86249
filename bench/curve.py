"""The margin curve live (issue 16) and ``riskws margin`` on a big book (issue 17 item 11).

``curve_live``: the desk's margin curve (201 index moves + liquidation moves) by the engine, timed in turn with the
plain path it replaced (every shock revalued one at a time, the one-point-at-a-time liquidation scan and
bisection), so the before/after pair sees the same load; the two must agree bit for bit.
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


def curve_live(report, portfolio, market, runs: int = 5) -> None:
    from engine.shocked import workers
    prepared = api.prepare(portfolio, market)
    shocks = api.DEFAULT_SHOCKS
    new = api.curve_of(prepared, shocks)
    old = plain_curve(prepared, shocks)
    same = (np.array_equal(new.mmr, old[0]) and np.array_equal(new.margin_ratio, old[1]) and new.liq_shock == old[2])
    t = measure_interleaved({"new": lambda: api.margin_curve(portfolio, market),
                             "old": lambda: plain_curve(api.prepare(portfolio, market), shocks)}, runs=runs, warmup=1)
    report.add(f"margin curve, desk, before (plain path: 201 + liquidation scan, one at a time), timed in turn",
               f"{t['old'].median_ms:.0f} ms (cpu {t['old'].cpu_median_ms:.0f})")
    report.add(f"**margin curve live, desk: margin_curve (201 shocks + liquidation moves {new.liq_shock}), "
               f"{workers()} threads; bit-identical to before: {same}**",
               f"{t['new'].median_ms:.0f} ms (p95 {t['new'].p95_ms:.0f}, cpu {t['new'].cpu_median_ms:.0f})",
               f"<= {CURVE_TARGET_MS:.0f} ms", ("met" if t["new"].median_ms <= CURVE_TARGET_MS else "NOT met")
               + ("" if same else " (NOT identical)"))


def cli_big(report, n: int = 100_000) -> None:
    from engine.market import market_to_dict
    from engine.portfolio import portfolio_to_dict
    portfolio, market = synthetic.scaled(n)
    with tempfile.TemporaryDirectory(prefix="riskws-bench-cli-") as tmp:
        book, snap = Path(tmp) / "book.json", Path(tmp) / "market.json"
        book.write_text(json.dumps(portfolio_to_dict(portfolio)))
        snap.write_text(json.dumps(market_to_dict(market)))
        exe = [sys.executable, "-m", "workstation.cli", "margin", str(book), "--market", str(snap)]
        t0 = time.perf_counter()
        proc = subprocess.run(exe, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        report.add(f"riskws margin, {n} positions", f"failed: {proc.stderr.strip()[-200:]}")
        return
    liq = next((ln.strip() for ln in proc.stdout.splitlines() if "liquidation" in ln), "")
    report.add(f"**riskws margin, {len(portfolio.positions)} positions (fresh process, with the liquidation search; "
               f"{liq})**", f"{wall:.1f} s", f"<= {CLI_TARGET_S:.0f} s", "met" if wall <= CLI_TARGET_S else "NOT met")
