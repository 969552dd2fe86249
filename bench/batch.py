"""Batch what-if throughput: (book x scenario) evaluations per second in one process, on a LocalCluster of 1 and 2
workers, and on 2 workers through a separate ``dask scheduler``; Dask's overhead per task.

    .venv/bin/python -m bench.batch [--books 1000] [--local-books 100] [--scenarios 20]

Books are drawn (seeded) from the synthetic desk of ``bench/synthetic.py``: 10 to 500 of its positions each, with
random sizes, on the desk's market snapshot. Scenarios: the 4 historical episodes and 16 points of the grid.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone

import numpy as np

from bench import synthetic
from engine import portfolio_to_dict
from engine.portfolio import Asset, Portfolio, Position
from engine.scenario import resolve_scenarios
from workstation.batch.books import BookRef
from workstation.batch.runner import dask_client, run_batch, run_local


def books(n: int, seed: int = 14) -> tuple[list[BookRef], object]:
    desk, market = synthetic.desk()
    rng = np.random.default_rng(seed)
    pool = desk.positions
    out = []
    for i in range(n):
        k = int(rng.integers(10, 501))
        pick = rng.choice(len(pool), size=k, replace=False)
        pos = tuple(Position(pool[j].inst_id, float(max(1, round(abs(pool[j].pos) * rng.uniform(0.2, 2.0))))
                             * float(np.sign(pool[j].pos) or 1), pool[j].avg_px) for j in sorted(pick))
        scale = k / len(pool)
        assets = (Asset("BTC", 12.0 * scale * 4), Asset("ETH", 250.0 * scale * 4), Asset("USDT", 300_000.0 * scale * 4))
        p = Portfolio(name=f"book {i}", acct_lv="4", assets=assets, positions=pos)
        out.append(BookRef(label=f"book-{i:04d}", doc=portfolio_to_dict(p)))
    return out, market


def scenarios(n: int):
    grid = [s for s in resolve_scenarios(["grid"]) if s.vol_shift("BTC") is None or s.vol_shift("BTC").shift[0] in (0.2,)]
    return (resolve_scenarios(["historical"]) + grid)[:n]


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _noop(x: int) -> int:
    return x


def dask_overhead(client, n: int = 400) -> float:
    """Wall seconds per trivial task submitted and gathered through ``client`` (scheduling + transport)."""
    client.gather(client.map(_noop, range(20), pure=False))      # warm
    t, _ = timed(lambda: client.gather(client.map(_noop, range(n), pure=False)))
    return t / n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--books", type=int, default=1000)
    ap.add_argument("--local-books", type=int, default=100)
    ap.add_argument("--scenarios", type=int, default=20)
    ap.add_argument("--configs", default="local,lc1,lc2,sched2")
    a = ap.parse_args(argv)
    from bench.jobs import host_reference_ms
    refs, market = books(a.books)
    sc = scenarios(a.scenarios)
    n_pos = [len(r.doc["simPos"]) for r in refs]
    print(f"# batch bench {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, host reference {host_reference_ms():.2f} ms")
    print(f"# {len(refs)} books ({min(n_pos)}-{max(n_pos)} positions, mean {np.mean(n_pos):.0f}) x {len(sc)} scenarios, pm")
    configs = a.configs.split(",")
    if "local" in configs:
        per_book, cpu = [], []
        for ref in refs[:a.local_books]:
            c0 = time.process_time()
            t, _ = timed(lambda: run_local([ref], market, sc, [None], [None], 1.0))
            per_book.append(t)
            cpu.append(time.process_time() - c0)
        total = sum(per_book)
        ev = a.local_books * len(sc)
        print(f"one process: {ev} evaluations in {total:.1f} s = {ev / total:.1f} evaluations/s "
              f"(CPU {sum(cpu) / ev * 1e3:.2f} ms per evaluation); per book (x{len(sc)} scenarios) median "
              f"{np.median(per_book) * 1e3:.0f} ms, p95 {np.percentile(per_book, 95) * 1e3:.0f} ms")
    for name in configs:                      # in the order given: a shared machine's load drifts over a run
        if name in ("lc1", "lc2"):
            workers = int(name[2])
            with dask_client(None, workers) as client:
                over = dask_overhead(client)
                t, rows = timed(lambda: run_batch(refs, market, sc, [None], [None], 1.0, client=client))
            bad = sum(1 for r in rows if r["error"])
            print(f"LocalCluster {workers} worker(s): {len(rows)} evaluations in {t:.1f} s = {len(rows) / t:.1f} "
                  f"evaluations/s ({bad} errors); no-op task overhead {over * 1e3:.2f} ms/task", flush=True)
        elif name == "sched2":
            t, rows, over = _with_scheduler(refs, market, sc)
            print(f"scheduler + 2 workers: {len(rows)} evaluations in {t:.1f} s = {len(rows) / t:.1f} evaluations/s; "
                  f"no-op task overhead {over * 1e3:.2f} ms/task", flush=True)
    return 0


def _with_scheduler(refs, market, sc):
    import socket
    from distributed import Client
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    addr = f"tcp://127.0.0.1:{port}"
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--dashboard-address", "127.0.0.1:0"], **quiet)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", addr, "--nthreads", "1",
                                           "--host", "127.0.0.1", "--no-dashboard"], **quiet))
        with Client(addr, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            over = dask_overhead(client)
            t, rows = timed(lambda: run_batch(refs, market, sc, [None], [None], 1.0, client=client))
        return t, rows, over
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    raise SystemExit(main())
