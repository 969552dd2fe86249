"""riskws okx record against a local server (pytest-httpserver) that checks OKX's signature headers and replays
the documented position-builder answer (rules spec §7.1). The key never reaches the DB, output, files or errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from workstation.cli import main

FIX = Path(__file__).resolve().parent / "fixtures"
OBS = json.loads((FIX / "okx-observation-7-1.json").read_text())
KEY, SECRET, PASSPHRASE = "k-3f9a1c2e-test", "S3CR3T-b1d2e3f4a5", "pass-phrase-77x"
BUILDER = "/api/v5/account/position-builder"


def _expected_sign(request: Request) -> str:
    """OKX's documented signature, computed here independently of workstation.okx.signing."""
    ts = request.headers["OK-ACCESS-TIMESTAMP"]
    prehash = ts + request.method + request.full_path.rstrip("?") + request.get_data(as_text=True)
    return base64.b64encode(hmac.new(SECRET.encode(), prehash.encode(), hashlib.sha256).digest()).decode()


def _handler(seen: list, answer: dict):
    def handle(request: Request) -> Response:
        seen.append(request)
        h = request.headers
        ok = (h.get("OK-ACCESS-KEY") == KEY and h.get("OK-ACCESS-PASSPHRASE") == PASSPHRASE
              and h.get("OK-ACCESS-SIGN") == _expected_sign(request) and h["OK-ACCESS-TIMESTAMP"].endswith("Z"))
        if not ok:
            return Response(json.dumps({"code": "50113", "msg": "Invalid Sign", "data": []}), 401,
                            content_type="application/json")
        return Response(json.dumps(answer), 200, content_type="application/json")
    return handle


@pytest.fixture
def env(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("OKX_API_KEY", KEY)
    monkeypatch.setenv("OKX_API_SECRET", SECRET)
    monkeypatch.setenv("OKX_API_PASSPHRASE", PASSPHRASE)
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"name": "pb-example", "simPos": OBS["request"]["simPos"],
                                "simAsset": OBS["request"]["simAsset"]}))
    market = tmp_path / "market.json"
    market.write_text(json.dumps(OBS["market"]))
    return book, market, tmp_path / "r.db"


def _no_secret_in(*blobs: bytes | str) -> None:
    for blob in blobs:
        text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
        for s in (KEY, SECRET, PASSPHRASE):
            assert s not in text


def _db_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_record_signed_stored_and_reconciles(env, httpserver, capsys, tmp_path: Path) -> None:
    book, market, db = env
    seen: list = []
    httpserver.expect_request(BUILDER, method="POST").respond_with_handler(_handler(seen, OBS["response"]))
    out = tmp_path / "obs.json"
    assert main(["okx", "record", str(book), "--market", str(market), "--base-url", httpserver.url_for(""),
                 "--db", str(db), "--out", str(out), "--demo"]) == 0
    stdout = capsys.readouterr().out
    assert "recorded observation 1 for 'pb-example'" in stdout
    (req,) = seen
    body = json.loads(req.get_data(as_text=True))
    assert body["inclRealPosAndEq"] is False and body["simPos"][0]["instId"] == "BTC-USDT-SWAP"
    assert req.headers.get("x-simulated-trading") == "1"
    # stored and exported as one observation, which reconciles with OKX's answer to the last digit
    assert main(["okx", "observations", "--db", str(db), "--out", str(tmp_path / "stored.json")]) == 0
    stored = json.loads((tmp_path / "stored.json").read_text())
    assert len(stored) == 1 and stored[0]["response"] == OBS["response"] and stored[0]["demo"] is True
    capsys.readouterr()
    assert main(["reconcile", str(tmp_path / "stored.json"), "--json"]) == 0   # a file of one observation
    assert json.loads(capsys.readouterr().out)["flagged"] == 0
    _no_secret_in(_db_bytes(db), out.read_text(), (tmp_path / "stored.json").read_text(), stdout)


def test_rejected_signature_stores_nothing(env, httpserver, capsys, monkeypatch) -> None:
    book, market, db = env
    monkeypatch.setenv("OKX_API_SECRET", "wrong-secret-123")
    httpserver.expect_request(BUILDER, method="POST").respond_with_handler(_handler([], OBS["response"]))
    rc = main(["okx", "record", str(book), "--market", str(market), "--base-url", httpserver.url_for(""),
               "--db", str(db)])
    err = capsys.readouterr().err
    assert rc != 0 and "50113" in err and len(err.splitlines()) == 1
    _no_secret_in(err, "wrong-secret-123")
    assert "wrong-secret-123" not in err
    if db.exists():
        import sqlite3
        assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0
        _no_secret_in(_db_bytes(db))


def test_answer_for_another_book_is_refused(env, httpserver, capsys) -> None:
    book, market, db = env
    other = json.loads(json.dumps(OBS["response"]))
    other["data"][0]["riskUnitData"][0]["portfolios"][0]["amt"] = "-11"
    httpserver.expect_request(BUILDER, method="POST").respond_with_handler(_handler([], other))
    assert main(["okx", "record", str(book), "--market", str(market), "--base-url", httpserver.url_for(""),
                 "--db", str(db)]) == 2
    assert "another book" in capsys.readouterr().err
    import sqlite3
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 0


def test_market_of_another_minute_is_refused(env, httpserver, capsys, tmp_path: Path) -> None:
    book, _, db = env
    market = tmp_path / "late.json"
    market.write_text(json.dumps(dict(OBS["market"], ts="2025-01-15T10:30:00Z")))
    httpserver.expect_request(BUILDER, method="POST").respond_with_handler(_handler([], OBS["response"]))
    assert main(["okx", "record", str(book), "--market", str(market), "--base-url", httpserver.url_for(""),
                 "--db", str(db)]) == 2
    assert "same minute" in capsys.readouterr().err


def test_key_file_must_be_private(env, tmp_path: Path, capsys, monkeypatch) -> None:
    book, market, db = env
    for name in ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE"):
        monkeypatch.delenv(name)
    key = tmp_path / "okx-key.json"
    key.write_text(json.dumps({"apiKey": KEY, "secretKey": SECRET, "passphrase": PASSPHRASE}))
    os.chmod(key, 0o644)
    assert main(["okx", "record", str(book), "--market", str(market), "--key-file", str(key), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "chmod 600" in err
    _no_secret_in(err)
    assert not db.exists()


def test_no_key_at_all(env, capsys, monkeypatch) -> None:
    book, market, db = env
    for name in ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE"):
        monkeypatch.delenv(name)
    assert main(["okx", "record", str(book), "--market", str(market), "--db", str(db)]) == 2
    assert "OKX_API_KEY" in capsys.readouterr().err and not db.exists()


def test_signature_matches_okx_documented_recipe() -> None:
    from workstation.okx.signing import Credentials, signer
    creds = Credentials(KEY, SECRET, PASSPHRASE, "test")
    headers = signer(creds, clock=lambda: "2020-12-08T09:08:57.715Z")("GET", "/api/v5/account/balance?ccy=BTC", "")
    prehash = "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    assert headers["OK-ACCESS-SIGN"] == base64.b64encode(
        hmac.new(SECRET.encode(), prehash.encode(), hashlib.sha256).digest()).decode()
    assert SECRET not in repr(creds) and KEY not in str(creds)
