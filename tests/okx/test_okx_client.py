"""The OKX client against a real HTTP server on 127.0.0.1 (pytest-httpserver): rate limits, retries, errors."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from werkzeug import Response

from workstation.okx import OkxClient, OkxError, RateLimiter
from workstation.okx.client import FetchCancelled, base_url_from

PATH = "/api/v5/public/mark-price"
OK = {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP", "instType": "SWAP", "markPx": "96871.5",
                                        "ts": "1738828800000"}]}


def _client(server, **kw) -> OkxClient:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 2.0)
    return OkxClient(server.url_for(""), **kw)


def test_data_and_no_key_sent(httpserver):
    httpserver.expect_request(PATH, query_string={"instType": "SWAP"}).respond_with_json(OK)
    with _client(httpserver) as c:
        data = c.get(PATH, {"instType": "SWAP"})
    assert data[0]["markPx"] == "96871.5"
    req = httpserver.log[0][0]
    assert not [h for h in req.headers.keys() if h.upper().startswith("OK-ACCESS")]


def test_429_first_then_success_is_retried(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_response(Response("Too Many Requests", status=429))
    httpserver.expect_ordered_request(PATH).respond_with_json(OK)
    with _client(httpserver) as c:
        assert c.get(PATH, {"instType": "SWAP"})[0]["instId"] == "BTC-USDT-SWAP"
        assert c.retries == 1
    assert len(httpserver.log) == 2


def test_code_50011_is_retried_and_other_codes_are_not(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_json({"code": "50011", "msg": "Too Many Requests", "data": []})
    httpserver.expect_ordered_request(PATH).respond_with_json(OK)
    with _client(httpserver) as c:
        assert c.get(PATH)[0]["markPx"] == "96871.5"
    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_json({"code": "51001", "msg": "Instrument ID does not exist", "data": []})
    with _client(httpserver) as c, pytest.raises(OkxError) as exc:
        c.get(PATH)
    assert str(exc.value) == f"OKX GET {PATH}: OKX code 51001: Instrument ID does not exist"
    assert len(httpserver.log) == 1   # not retried


def test_5xx_gives_up_after_max_attempts(httpserver):
    httpserver.expect_request(PATH).respond_with_response(Response("oops", status=503))
    with _client(httpserver, max_attempts=3) as c, pytest.raises(OkxError) as exc:
        c.get(PATH)
    assert "503" in str(exc.value) and "gave up after 3 attempts" in str(exc.value)
    assert "\n" not in str(exc.value)
    assert len(httpserver.log) == 3


def test_html_instead_of_json(httpserver):
    httpserver.expect_request(PATH).respond_with_data("<!DOCTYPE html><html><body>Access denied</body></html>",
                                                      content_type="text/html")
    with _client(httpserver) as c, pytest.raises(OkxError) as exc:
        c.get(PATH)
    assert "HTML page instead of JSON" in str(exc.value) and PATH in str(exc.value)


def test_timeout(httpserver):
    release = threading.Event()

    def slow(request):
        release.wait(5)        # longer than the client's timeout; released when the test is done
        return Response(json.dumps(OK), content_type="application/json")
    httpserver.expect_request(PATH).respond_with_handler(slow)
    try:
        with _client(httpserver, timeout=0.2, max_attempts=2) as c, pytest.raises(OkxError) as exc:
            c.get(PATH)
    finally:
        release.set()
    assert "timeout" in str(exc.value) and PATH in str(exc.value)
    assert "gave up after 2 attempts" in str(exc.value)


def test_unreachable_host():
    with socket.socket() as s:      # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with OkxClient(f"http://127.0.0.1:{port}", backoff=0.01, max_attempts=2) as c, pytest.raises(OkxError) as exc:
        c.get(PATH)
    assert "cannot reach" in str(exc.value) and "gave up after 2 attempts" in str(exc.value)


def test_base_url_env_and_validation(monkeypatch):
    from engine.errors import InputError
    monkeypatch.setenv("RISKWS_OKX_BASE_URL", "http://127.0.0.1:9/")
    assert base_url_from(None) == "http://127.0.0.1:9"
    assert base_url_from("https://proxy.example") == "https://proxy.example"
    with pytest.raises(InputError, match="--base-url"):
        base_url_from("ftp://x")


def test_rate_limiter_spaces_requests_on_a_fake_clock():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s
    lim = RateLimiter({"/p": (2, 2.0)}, clock=lambda: now[0], sleep=sleep)
    assert lim.wait("/p") == 0 and lim.wait("/p") == 0
    waited = lim.wait("/p")            # third in the same 2 s window: waits until the first leaves it
    assert waited == pytest.approx(2.0, abs=0.01) and now[0] == pytest.approx(2.0, abs=0.01)
    assert lim.wait("/other") == 0     # another endpoint has its own window


def test_cancel_stops_before_sending(httpserver):
    httpserver.expect_request(PATH).respond_with_json(OK)
    with _client(httpserver, cancelled=lambda: True) as c, pytest.raises(FetchCancelled):
        c.get(PATH)
    assert len(httpserver.log) == 0


def test_auth_hook_signs_each_attempt_with_path_and_body(httpserver):
    seen = []
    httpserver.expect_request("/api/v5/account/position-builder", method="POST").respond_with_json(
        {"code": "0", "msg": "", "data": [{"totalMmr": "1"}]})

    def auth(method, target, body):
        seen.append((method, target, body))
        return {"OK-ACCESS-SIGN": "sig"}
    with _client(httpserver) as c:
        c.request("POST", "/api/v5/account/position-builder", body={"acctLv": "4"}, auth=auth)
    assert seen == [("POST", "/api/v5/account/position-builder", '{"acctLv":"4"}')]
    assert httpserver.log[-1][0].headers["OK-ACCESS-SIGN"] == "sig"
