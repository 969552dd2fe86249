"""``python -m bench.market_fetch``: a default ``riskws market fetch`` against a local server playing OKX, and the
engine's book build on a 5,000-instrument snapshot catalogue. Prints a Markdown table (bench/README.md, Market fetch).

The server (pytest-httpserver on 127.0.0.1) answers like tests/okx/okx_fake.py, without any artificial delay: what
is measured is the client's own work plus the time it spends waiting on OKX's rate limits, which dominate.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from bench.jobs import host_reference_ms
from bench.run import machine
from bench.timing import from_samples, measure

N_INSTRUMENTS = 5000


def fetch_runs(runs: int = 3) -> list:
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from pytest_httpserver import HTTPServer
    sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "okx"))
    import okx_fake
    from workstation.okx import OkxClient
    from workstation.okx.fetch import default_families, fetch
    server = HTTPServer(host="127.0.0.1")
    server.start()
    try:
        okx_fake.serve(server)
        out = []
        for _ in range(runs):
            with OkxClient(server.url_for("").rstrip("/")) as client:
                out.append(fetch(client, default_families([])))
        return out
    finally:
        server.clear()
        server.stop()


def big_snapshot(n: int = N_INSTRUMENTS) -> tuple[dict, dict]:
    """(snapshot, portfolio): n linear perpetuals of made-up coins (none in the shipped catalogue), one position
    each, contract sizes 1, 10 or 100 coins."""
    coins = [f"C{i:04d}" for i in range(n)]
    rng = np.random.default_rng(7)
    px = rng.uniform(0.5, 500, n)
    inst = {f"{c}-USDT-SWAP": {"instType": "SWAP", "instFamily": f"{c}-USDT", "ctType": "linear",
                               "ctVal": str(10 ** (i % 3)), "ctMult": "1", "ctValCcy": c, "settleCcy": "USDT"}
            for i, c in enumerate(coins)}
    snap = {"ts": "2026-11-27T14:00:00Z", "source": "okx", "fetchedAt": "2026-11-27T14:00:00Z",
            "index": {**{f"{c}-USD": float(p) for c, p in zip(coins, px)}, "USDT-USD": 0.9995},
            "markPx": {f"{c}-USDT-SWAP": float(p * 1.001) for c, p in zip(coins, px)}, "instruments": inst}
    book = {"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "1000000"}],
            "simPos": [{"instId": f"{c}-USDT-SWAP", "pos": str(int(rng.integers(-50, 50)) or 1)} for c in coins]}
    return snap, book


def main() -> int:
    ref_before = host_reference_ms()
    outcomes = fetch_runs()
    wall = from_samples([o.seconds for o in outcomes])
    o = outcomes[-1]
    from engine import load_market, load_portfolio
    from engine.book import build_book
    snap, book_doc = big_snapshot()
    t_load = measure(lambda: load_market(snap), runs=5, warmup=1)
    market = load_market(snap)
    t0 = time.perf_counter()
    portfolio = load_portfolio(book_doc)
    first = build_book(portfolio, market)      # cold: 5,000 ids resolved from the snapshot's specifications
    cold_ms = (time.perf_counter() - t0) * 1e3
    assert first.n == N_INSTRUMENTS
    t_build = measure(lambda: build_book(portfolio, market), runs=20, warmup=1)
    from engine import compute
    t_compute = measure(lambda: compute(portfolio, market, liq_shock=False), runs=5, warmup=1)
    ref_after = host_reference_ms()
    print(f"Machine: {machine()}; host reference {ref_before:.2f} ms before, {ref_after:.2f} ms after\n")
    print("| what | result |\n|---|---|")
    print(f"| default fetch (BTC, ETH x USDT/USDC/USD + options), {len(outcomes)} runs | median {wall.median_ms / 1e3:.2f} s, "
          f"max {max(x.seconds for x in outcomes):.2f} s |")
    print(f"| requests per fetch | {o.requests} ({o.retries} retries) |")
    print(f"| of which waiting on rate limits | {o.rate_wait:.2f} s (last run) |")
    print(f"| load_market, 5,000-instrument snapshot | median {t_load.median_ms:.1f} ms (p95 {t_load.p95_ms:.1f}, n={t_load.runs}) |")
    print(f"| build_book, 5,000 positions, first (ids resolved from the snapshot) | {cold_ms:.1f} ms (incl. load_portfolio) |")
    print(f"| build_book, 5,000 positions, again | median {t_build.median_ms:.1f} ms (p95 {t_build.p95_ms:.1f}, n={t_build.runs}) |")
    print(f"| compute (PM, no liquidation search), 5,000 positions in 5,000 risk units | median {t_compute.median_ms:.0f} ms "
          f"(n={t_compute.runs}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
