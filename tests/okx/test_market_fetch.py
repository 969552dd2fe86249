"""``riskws market fetch`` end to end against a local server playing OKX (tests/okx/okx_fake.py): stored, exported,
and a book valued with the fetched contract sizes, vols and forwards (figures computed by hand below)."""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime

import pytest
from scipy.stats import norm
from werkzeug import Response

import okx_fake
from workstation.cli import main

FAMS = "BTC-USDT,BTC-USD,TON-USDT"


def _dump(db) -> list:
    """Everything in the database, to show that a failed fetch changed nothing."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [(t, sorted(map(repr, conn.execute(f"SELECT * FROM {t}").fetchall()))) for t in tables]
    finally:
        conn.close()


@pytest.fixture
def fetched(httpserver, tmp_path, capsys):
    """A snapshot 'today' fetched through a 429 on the very first request."""
    url = okx_fake.serve(httpserver, first=Response("Too Many Requests", status=429))
    db = tmp_path / "r.db"
    assert main(["market", "fetch", "--base-url", url, "--families", FAMS, "--name", "today", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    return db, out, httpserver


def test_fetch_stores_snapshot_and_raw_responses(fetched, tmp_path):
    db, out, server = fetched
    assert "stored market snapshot 'today'" in out and "1 retries" in out
    assert not [h for req, _ in server.log for h in req.headers.keys() if h.upper().startswith("OK-ACCESS")]
    f = tmp_path / "today.json"
    assert main(["export", "today", "--market", "--out", str(f), "--db", str(db)]) == 0
    snap = json.loads(f.read_text())
    assert snap["source"] == "okx" and snap["fetchedAt"] == snap["ts"]
    assert snap["instruments"]["TON-USDT-SWAP"]["ctVal"] == 10
    assert snap["instruments"]["BTC-USDT-SWAP"]["ctVal"] == 0.001
    assert "TONX-USDT-SWAP" not in snap["instruments"]           # ctVal "" : left out, not 0
    assert snap["index"]["TON-USD"] == 5.4321 and "XYZ-USD" not in snap["index"] and "FOO-USD" not in snap["index"]
    assert snap["markPx"][okx_fake.OPTION] == 0.0123                # OKX's option mark, in coin
    assert snap["fwdPx"] == {okx_fake.OPTION: 92100.5} and snap["markVol"] == {okx_fake.OPTION: 0.55}
    assert snap["instruments"]["BTC-USD-261225"]["expTime"] == "2026-12-25T08:00:00Z"
    assert snap["positionTiers"]["TON-USDT"][0]["mmr"] == 0.02
    assert snap["discountTiers"]["BTC"][2] == {"tier": 3, "minAmt": 25, "maxAmt": None, "discountRate": 0.95,
                                               "liqPenaltyRate": 0.05}
    assert snap["interestRates"]["USDT"] == 0.0001
    conn = sqlite3.connect(db)
    raw = json.loads(conn.execute("SELECT responses FROM market_responses WHERE name='today'").fetchone()[0])
    src = conn.execute("SELECT source, fetched_at FROM markets WHERE name='today'").fetchone()
    conn.close()
    assert src[0] == "okx" and src[1] == snap["fetchedAt"]
    assert {r["path"] for r in raw["responses"]} >= {"/api/v5/public/instruments", "/api/v5/public/opt-summary"}


def test_margin_on_the_stored_snapshot_uses_fetched_specs(fetched, tmp_path, capsys):
    db, _, _ = fetched
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "50000"}],
                                "simPos": [{"instId": "TON-USDT-SWAP", "pos": "100"},
                                           {"instId": "BTC-USDT-SWAP", "pos": "1000"},
                                           {"instId": okx_fake.OPTION, "pos": "-100"}]}))
    assert main(["margin", str(book), "--market", "today", "--db", str(db), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    rows = {p["instId"]: p for u in res["riskUnitData"] for p in u["portfolios"]}
    # OKX cash delta (at the mark, `cashDelta`): TON 100 contracts x 10 TON (fetched ctVal) x 5.44 USDT x 0.9995
    assert rows["TON-USDT-SWAP"]["cashDelta"] == pytest.approx(100 * 10 * 5.44 * 0.9995, rel=1e-9)
    # BTC-USDT-SWAP: 1000 contracts x 0.001 BTC (fetched; the shipped catalogue says 0.01) x 91050.1 x 0.9995
    assert rows["BTC-USDT-SWAP"]["cashDelta"] == pytest.approx(1000 * 0.001 * 91050.1 * 0.9995, rel=1e-9)
    # option: Black-76 on OKX's forward 92100.5 (not the future's mark 92000) and markVol 0.55, r = 0
    ts = datetime.fromisoformat(res["ts"].replace("Z", "+00:00"))
    t = (okx_fake.EXPIRY - ts).total_seconds() / (365 * 86400)
    f, k, v = 92100.5, 100000.0, 0.55
    d1 = (math.log(f / k) + 0.5 * v * v * t) / (v * math.sqrt(t))
    coin_delta = -100 * 0.01 * norm.cdf(d1)
    assert rows[okx_fake.OPTION]["delta"] == pytest.approx(coin_delta * 91000.5, rel=1e-6)
    assert res["sources"]["instruments"].startswith("snapshot (okx) of ")
    assert res["sources"]["market"]["source"] == "okx"


@pytest.mark.parametrize("first, expect", [
    (Response(json.dumps({"code": "50038", "msg": "This feature is unavailable in demo trading", "data": []}),
              content_type="application/json"), "OKX code 50038: This feature is unavailable in demo trading"),
    (Response("<html><body>Maintenance</body></html>", content_type="text/html"), "HTML page instead of JSON"),
])
def test_failed_fetch_leaves_the_database_unchanged(httpserver, tmp_path, capsys, first, expect):
    url = okx_fake.serve(httpserver)
    db = tmp_path / "r.db"
    assert main(["market", "fetch", "--base-url", url, "--families", "BTC-USD", "--name", "a", "--db", str(db)]) == 0
    before = _dump(db)
    httpserver.clear()
    okx_fake.serve(httpserver, first=first)
    capsys.readouterr()
    assert main(["market", "fetch", "--base-url", url, "--families", "BTC-USD", "--name", "a", "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expect in err[0] and "/api/v5/market/index-tickers" in err[0]
    assert _dump(db) == before


def test_unreachable_host_one_line_and_no_database(tmp_path, capsys):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "none.db"
    rc = main(["market", "fetch", "--base-url", f"http://127.0.0.1:{port}", "--name", "x", "--db", str(db),
               "--timeout", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "cannot reach" in err[0]
    assert not db.exists()


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert main(["market", "fetch", "--base-url", "ftp://x", "--db", str(tmp_path / "d.db")]) == 2
    assert main(["market", "fetch", "--families", "btc usd!", "--db", str(tmp_path / "d.db")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--base-url" in err[0] and "--families" in err[1]


def test_import_recorded_responses_rebuilds_the_same_snapshot(fetched, tmp_path, capsys):
    db, _, _ = fetched
    raw = tmp_path / "raw.json"
    assert main(["market", "responses", "today", "--out", str(raw), "--db", str(db)]) == 0
    db2 = tmp_path / "air-gapped.db"
    assert main(["market", "import", str(raw), "--name", "rec", "--db", str(db2)]) == 0
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    main(["export", "today", "--market", "--out", str(a), "--db", str(db)])
    main(["export", "rec", "--market", "--out", str(b), "--db", str(db2)])
    sa, sb = json.loads(a.read_text()), json.loads(b.read_text())
    assert sb.pop("source") == "recorded" and sa.pop("source") == "okx"
    assert sa == sb
    folder = tmp_path / "folder"
    folder.mkdir()
    for i, r in enumerate(json.loads(raw.read_text())["responses"]):
        (folder / f"{i:03d}.json").write_text(json.dumps(r))
    assert main(["market", "import", str(folder), "--name", "rec2", "--db", str(db2)]) == 0


def test_fetch_all_asks_tiers_of_every_listed_family_and_list_shows_age(httpserver, tmp_path, capsys):
    url = okx_fake.serve(httpserver)
    db = tmp_path / "all.db"
    assert main(["market", "fetch", "--all", "--base-url", url, "--name", "everything", "--db", str(db)]) == 0
    tier_calls = [req.args.get("instFamily") for req, _ in httpserver.log
                  if req.path == "/api/v5/public/position-tiers" and req.args.get("instType") == "SWAP"]
    assert tier_calls == ["BTC-USD,BTC-USDT,TON-USDT"]       # the SWAP families OKX listed, 5 per request
    # options of every underlying OKX lists (public/underlying), not only BTC and ETH, within the rate limits
    opt_calls = [req.args.get("instFamily") for req, _ in httpserver.log
                 if req.path == "/api/v5/public/instruments" and req.args.get("instType") == "OPTION"]
    assert opt_calls == okx_fake.OPTION_UNDERLYINGS
    from db.store import Store
    with Store(db, create=False) as store:
        snap = store.load_market("everything")
    assert okx_fake.SOL_OPTION in snap.instruments and snap.mark_vol[okx_fake.SOL_OPTION] == 0.8
    assert snap.fwd_px[okx_fake.SOL_OPTION] == 201.5
    capsys.readouterr()
    assert main(["market", "list", "--db", str(db)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("everything") and line.endswith("OKX, just now")


def test_graph_and_switch_take_a_stored_snapshot_name(fetched, tmp_path, capsys):
    db, _, _ = fetched
    book = tmp_path / "b.json"
    book.write_text(json.dumps({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "50000"}],
                                "simPos": [{"instId": "TON-USDT-SWAP", "pos": "100"}]}))
    capsys.readouterr()
    assert main(["graph", str(book), "--market", "today", "--db", str(db), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["mmrData"]) == 201
    assert main(["switch", str(book), "--market", "today", "--db", str(db), "--to", "mc", "--json"]) == 0
    assert "sCode" in json.loads(capsys.readouterr().out)
    assert main(["margin", str(book), "--market", "nonesuch", "--db", str(db)]) == 2
    assert "neither a snapshot file nor a snapshot stored in" in capsys.readouterr().err
