"""riskws okx record without --market: the snapshot is fetched from (a local fake of) OKX's public API in the same
run, and stored inside the observation beside the signed position-builder answer."""

from __future__ import annotations

import json
import time

from werkzeug import Request, Response

import okx_fake
from workstation.cli import main


def test_record_fetches_the_snapshot_itself(httpserver, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OKX_API_KEY", "k-1")
    monkeypatch.setenv("OKX_API_SECRET", "s-1")
    monkeypatch.setenv("OKX_API_PASSPHRASE", "p-1")

    def builder(request: Request) -> Response:
        assert request.headers.get("OK-ACCESS-SIGN")
        data = [{"ts": str(int(time.time() * 1000)), "totalMmr": "12.5", "eq": "1000",
                 "riskUnitData": [{"riskUnit": "BTC", "mmr": "12.5", "mr1": "10",
                                   "portfolios": [{"instId": "BTC-USDT-SWAP", "instType": "SWAP", "amt": "10",
                                                   "markPx": "91050.1"}]}]}]
        return Response(json.dumps({"code": "0", "msg": "", "data": data}), content_type="application/json")
    httpserver.expect_request("/api/v5/account/position-builder", method="POST").respond_with_handler(builder)
    url = okx_fake.serve(httpserver)
    book = tmp_path / "b.json"
    book.write_text(json.dumps({"name": "perp", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10"}],
                                "simAsset": [{"ccy": "USDT", "amt": "5000"}]}))
    db, out = tmp_path / "r.db", tmp_path / "obs.json"
    assert main(["okx", "record", str(book), "--base-url", url, "--db", str(db), "--out", str(out)]) == 0
    (obs,) = json.loads(out.read_text())
    assert obs["market"]["index"]["BTC-USD"] == 91000.5          # the fake OKX's index, fetched in this run
    assert obs["market"]["markPx"]["BTC-USDT-SWAP"] == 91050.1
    assert "recorded observation 1 for 'perp'" in capsys.readouterr().out
