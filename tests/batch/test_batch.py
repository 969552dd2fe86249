"""riskws batch: every row equals engine.compute on apply_scenario; LocalCluster and a real scheduler with two
worker processes give the same rows, also when a worker is killed mid-batch; a bad scenario file starts nothing."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import compute, load_market, load_portfolio
from engine.scenario import apply_scenario, resolve_scenarios
from workstation.batch.books import BookRef, resolve_books
from workstation.batch.runner import run_batch
from workstation.cli import main

ROOT = Path(__file__).resolve().parents[2]
MARKET = ROOT / "resources" / "demo" / "market-2025-02-06.json"
DEMO = ROOT / "resources" / "demo" / "portfolios"
SCENARIOS = ["historical", "grid/index -30 %, vol +20", "grid/index +20 %, vol -10"]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list[BookRef]:
    folder = tmp_path_factory.mktemp("books")
    (folder / "zz-bad.json").write_text(json.dumps({"acctLv": "4", "simPos": [{"instId": "FOO-USDT-SWAP", "pos": "1"}]}))
    return resolve_books([str(DEMO), str(folder)], None)


def reference_rows(refs, scenarios, market) -> dict:
    """(book, scenario, mode) -> result computed here, independently of the batch code path."""
    out = {}
    for ref in refs:
        try:
            p = load_portfolio(ref.path)
        except Exception:  # noqa: BLE001 - the bad book
            continue
        for s in scenarios:
            q, n = apply_scenario(p, market, s)
            for mode in ("pm", "mc"):
                out[(ref.label, s.name, mode)] = compute(q, n, mode, liq_shock=False)
    return out


def assert_rows_match(rows, ref, n_books_ok, n_scenarios):
    ok = [r for r in rows if not r["error"]]
    assert len(ok) == len(ref) == n_books_ok * n_scenarios * 2
    assert len({(r["book"], r["scenario"], r["mode"]) for r in ok}) == len(ok)       # no duplicate
    for r in ok:
        want = ref[(r["book"], r["scenario"], r["mode"])]
        for col, x in (("totalMmr", want.total_mmr), ("totalImr", want.total_imr), ("adjEq", want.adj_eq)):
            assert r[col] == pytest.approx(x, rel=1e-12, abs=1e-9), (r["book"], r["scenario"], col)
        if want.margin_ratio is None:
            assert r["marginRatio"] is None
        else:
            assert r["marginRatio"] == pytest.approx(want.margin_ratio, rel=1e-12)
            assert r["breach"] == (want.margin_ratio < 3.0)
        for u in want.units:
            assert r["mmr." + u.risk_unit] == pytest.approx(u.mmr, rel=1e-12, abs=1e-9)
    bad = [r for r in rows if r["error"]]
    assert len(bad) == 1 and "zz-bad.json" in bad[0]["book"] and "unknown instrument family 'FOO-USDT'" in bad[0]["error"]


def test_cli_on_local_cluster_matches_engine_compute(books, tmp_path, capsys):
    out = tmp_path / "rows.parquet"
    code = main(["batch", str(DEMO), str(books[-1].path), "--market", str(MARKET), "--scenarios", *SCENARIOS,
                 "--mode", "both", "--ratio-floor", "3", "--workers", "2", "--out", str(out),
                 "--db", str(tmp_path / "none.db")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "books" in captured.err and "2020-03-12 Black Thursday" in captured.out
    import pyarrow.parquet as pq
    rows = pq.read_table(out).to_pylist()
    market = load_market(MARKET)
    scenarios = resolve_scenarios(SCENARIOS)
    ref = reference_rows(books, scenarios, market)
    assert_rows_match(rows, ref, len(books) - 1, len(scenarios))
    assert not (tmp_path / "none.db").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_scheduler_and_two_workers_survive_a_killed_worker(books):
    from distributed import Client
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--dashboard-address", "127.0.0.1:0"])]
    try:
        for _ in range(2):
            procs.append(_spawn(["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
                                 "--host", "127.0.0.1", "--no-dashboard"]))
        client = Client(address, timeout="60s")
        try:
            client.wait_for_workers(2, timeout=60)
            market = load_market(MARKET)
            scenarios = resolve_scenarios(SCENARIOS)
            many = list(books) * 3            # enough tasks that the kill lands while some are queued or running
            killed = []

            def progress(done: int, total: int) -> None:
                if done == 2 and not killed:
                    _kill(procs[1])
                    killed.append(done)

            rows = run_batch(many, market, scenarios, ["pm", "mc"], [None], 3.0, client=client, progress=progress)
        finally:
            client.close()
    finally:
        for p in reversed(procs):
            _kill(p)
    assert killed
    ref = reference_rows(books, scenarios, market)
    assert len(rows) == 3 * (len(books) - 1) * len(scenarios) * 2 + 3
    for k in range(3):
        block = rows[k * len(rows) // 3:(k + 1) * len(rows) // 3]
        assert_rows_match(block, ref, len(books) - 1, len(scenarios))


def test_bad_scenario_file_is_one_line_and_starts_nothing(tmp_path, capsys, monkeypatch):
    import workstation.batch.runner as runner
    monkeypatch.setattr(runner, "dask_client", lambda *a, **k: pytest.fail("a cluster was started"))
    out = tmp_path / "rows.csv"
    for doc, needle in [({"name": "s", "scenarios": [{"name": "a", "index": {"NOPE": -0.1}}]}, "index.NOPE: unknown crypto"),
                        ({"name": "s", "scenarios": [{"name": "a", "vol": {"BTC": -0.9}}]}, "a vol must stay above 0"),
                        ({"name": "s", "scenarios": [{"name": "a", "index": {"BTC": "inf"}}]}, "is not a finite number")]:
        f = tmp_path / "bad.json"
        f.write_text(json.dumps(doc))
        code = main(["batch", str(DEMO), "--market", str(MARKET), "--scenarios", str(f), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and err.startswith("riskws: error: ") and needle in err, err
        assert not out.exists()


def test_scenario_library_names_resolve():
    assert len(resolve_scenarios(["historical"])) == 4
    assert [s.name for s in resolve_scenarios(["2022-11 FTX week"])] == ["2022-11 FTX week"]
    grid = resolve_scenarios(["grid"])
    assert len(grid) == 55 and all(math.isfinite(s.index_move("BTC")) for s in grid)
