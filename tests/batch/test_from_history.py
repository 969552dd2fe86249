"""riskws scenarios from-history against a local server replaying OKX's documented history-index-candles shape."""

from __future__ import annotations

import json

from workstation.cli import main

PATH = "/api/v5/market/history-index-candles"
H = 3_600_000
T0 = 1621382400000        # 2021-05-19T00:00:00Z


def candles(rows):
    """OKX answer: data = [[ts, o, h, l, c, confirm]] newest first, numbers as strings."""
    return {"code": "0", "msg": "", "data": [[str(t), str(o), str(h), str(lo), str(c), "1"] for t, o, h, lo, c in rows]}


def test_from_history_builds_the_largest_excursion(httpserver, tmp_path, capsys):
    btc = [(T0 + 2 * H, 36000, 37000, 30000, 33000), (T0 + H, 40000, 40500, 35500, 36000), (T0, 42000, 43000, 39000, 40000)]
    eth = [(T0 + 2 * H, 2500, 2600, 2000, 2400), (T0 + H, 3000, 3050, 2450, 2500), (T0, 3400, 3500, 2950, 3000)]
    httpserver.expect_request(PATH, query_string={"instId": "BTC-USD", "after": str(T0 + 3 * H), "bar": "1H",
                                                  "limit": "100"}).respond_with_json(candles(btc))
    httpserver.expect_request(PATH, query_string={"instId": "ETH-USD", "after": str(T0 + 3 * H), "bar": "1H",
                                                  "limit": "100"}).respond_with_json(candles(eth))
    httpserver.expect_request(PATH).respond_with_json({"code": "0", "msg": "", "data": []})
    out = tmp_path / "mine.json"
    code = main(["scenarios", "from-history", "--ccy", "BTC", "ETH", "--start", "2021-05-19T00:00:00Z",
                 "--end", "2021-05-19T03:00:00Z", "--out", str(out), "--base-url", httpserver.url_for("")])
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    [s] = doc["scenarios"]
    # BTC: first open 42000, low 30000 (-28.57 %) beats high 43000 (+2.38 %); ETH: open 3400, low 2000 (-41.18 %)
    assert abs(s["index"]["BTC"] - (30000 / 42000 - 1)) < 1e-15
    assert abs(s["index"]["ETH"] - (2000 / 3400 - 1)) < 1e-15
    assert s["days"] == 1 and "2021-05-19 00:00..2021-05-19 03:00 UTC" in s["source"]


def test_from_history_unknown_crypto_is_one_line(tmp_path, capsys):
    code = main(["scenarios", "from-history", "--ccy", "NOPE", "--start", "2021-05-19", "--end", "2021-05-20",
                 "--out", str(tmp_path / "x.json"), "--base-url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "unknown crypto 'NOPE'" in err
    assert not (tmp_path / "x.json").exists()
