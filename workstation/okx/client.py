"""A small, well-behaved client of OKX's REST API v5 (httpx).

- Base URL: ``--base-url``, else ``$RISKWS_OKX_BASE_URL``, else ``https://www.okx.com`` (tests point it at a local
  server; a desk can point it at a proxy).
- Every request waits for its endpoint's rate limit (``RateLimiter``), and is retried with exponential backoff on
  HTTP 429, 5xx, timeouts, connection failures and OKX code ``50011`` (too many requests).
- Everything that goes wrong ends as one ``OkxError`` line naming the method, the endpoint and OKX's ``code``/``msg``
  (or the HTTP status, or the network problem); an HTML page where JSON was expected says so.
- Public calls send no key. Signed calls (``workstation/okx`` private endpoints) pass ``auth``: a callable that
  returns the signing headers for (method, request path with query, body text), called afresh for each attempt.
  Headers are never recorded, logged or put in an error message.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from engine.errors import InputError
from workstation.cli import CommandError

from .ratelimit import RateLimiter

DEFAULT_BASE_URL = "https://www.okx.com"
ENV_BASE_URL = "RISKWS_OKX_BASE_URL"
RETRY_CODES = {"50011"}          # OKX: "Too Many Requests" inside a 200 answer
RETRY_STATUS = {429, 500, 502, 503, 504}

Auth = Callable[[str, str, str], Mapping[str, str]]


class OkxError(CommandError):
    """A failed OKX request: one line naming the endpoint, and OKX's code and msg when it sent them."""

    def __init__(self, method: str, path: str, problem: str, *, code: str | None = None, msg: str | None = None,
                 status: int | None = None) -> None:
        self.method, self.path, self.code, self.msg, self.status = method, path, code, msg, status
        super().__init__(f"OKX {method} {path}: {problem}")


class FetchCancelled(OkxError):
    """The user cancelled: nothing was stored."""

    def __init__(self, problem: str = "cancelled", method: str = "", path: str = "") -> None:
        CommandError.__init__(self, "cancelled; nothing was stored")
        self.method, self.path, self.code, self.msg, self.status = method, path, None, None, None


@dataclass(frozen=True)
class Exchange:
    """One answered request, as recorded for the snapshot's raw responses (never any header)."""

    method: str
    path: str
    params: dict[str, str]
    status: int
    text: str
    received_at: str


def base_url_from(arg: str | None = None) -> str:
    """The base URL to use: the argument, else $RISKWS_OKX_BASE_URL, else OKX; InputError when not http(s)."""
    url = arg or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        source = "--base-url" if arg else ENV_BASE_URL
        raise InputError(f"{source}: {url!r} is not an http(s) URL (e.g. https://www.okx.com)")
    return url.rstrip("/")


def request_path(path: str, params: Mapping[str, Any] | None) -> str:
    """The path with its query string exactly as sent (what OKX's signature covers)."""
    clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
    return f"{path}?{urlencode(clean)}" if clean else path


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _looks_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in content_type.lower() or head.startswith("<!doctype") or head.startswith("<html")


class OkxClient:
    """``request(method, path, params, body, headers)`` returns the ``data`` list of OKX's answer, or raises OkxError."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 10.0, max_attempts: int = 5,
                 backoff: float = 0.5, max_backoff: float = 8.0, limiter: RateLimiter | None = None,
                 cancelled: Callable[[], bool] | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url_from(base_url)
        self.max_attempts = max(1, max_attempts)
        self.backoff, self.max_backoff = backoff, max_backoff
        self.limiter = limiter or RateLimiter(sleep=sleep)
        self.cancelled = cancelled
        self._sleep = sleep
        self.on_exchange: Callable[[Exchange], None] | None = None
        self.retries = 0               # attempts repeated after a retryable failure
        self.backoff_waited = 0.0      # seconds slept between those attempts
        self._http = httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(timeout), transport=transport,
                                  headers={"Accept": "application/json", "User-Agent": "riskws"},
                                  follow_redirects=False, trust_env=True)

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "OkxClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> list:
        return self.request("GET", path, params)

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None,
                headers: Mapping[str, str] | None = None, *, auth: Auth | None = None) -> list:
        """Send one request (rate-limited, retried) and return OKX's ``data`` (a list)."""
        method = method.upper()
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
        target = request_path(path, clean)
        body_text = "" if body is None else (body if isinstance(body, str) else json.dumps(body, separators=(",", ":")))
        last: OkxError | None = None
        for attempt in range(self.max_attempts):
            self._check_cancel(method, path)
            self.limiter.wait(path, self.cancelled)
            send_headers = dict(headers or {})
            if body_text:
                send_headers.setdefault("Content-Type", "application/json")
            if auth is not None:
                send_headers.update(auth(method, target, body_text))
            try:
                resp = self._http.request(method, target, content=body_text or None, headers=send_headers)
            except httpx.TimeoutException:
                last = OkxError(method, path, f"no answer from {self.base_url} within "
                                              f"{self._http.timeout.read:g} s (timeout)")
                retry_after = None
            except httpx.TransportError as exc:
                last = OkxError(method, path, f"cannot reach {self.base_url} ({_reason(exc)})")
                retry_after = None
            else:
                result, last, retry_after = self._interpret(method, path, clean, resp)
                if last is None:
                    return result
            if attempt + 1 < self.max_attempts and self._retryable(last):
                self._pause(attempt, retry_after, path, method)
                continue
            break
        assert last is not None
        if self._retryable(last) and self.max_attempts > 1:
            raise OkxError(last.method, last.path, f"{str(last).split(': ', 1)[1]} (gave up after "
                                                   f"{self.max_attempts} attempts)", code=last.code, msg=last.msg,
                           status=last.status)
        raise last

    # -- internals -------------------------------------------------------------------------------------
    def _interpret(self, method: str, path: str, params: dict[str, str],
                   resp: httpx.Response) -> tuple[list, OkxError | None, float | None]:
        text = resp.text
        status = resp.status_code
        retry_after = _retry_after(resp.headers.get("Retry-After"))
        if status == 429:
            self.limiter.penalise(path)
            return [], OkxError(method, path, "HTTP 429 too many requests", status=status), retry_after
        if _looks_html(text, resp.headers.get("Content-Type", "")):
            return [], OkxError(method, path, f"answered with an HTML page instead of JSON (HTTP {status}; a proxy, "
                                              f"captive portal or maintenance page?)", status=status), retry_after
        try:
            doc = json.loads(text)
        except ValueError:
            snippet = " ".join(text.split())[:60]
            return [], OkxError(method, path, f"answer is not JSON (HTTP {status}): {snippet!r}", status=status), None
        code = str(doc.get("code", "")) if isinstance(doc, dict) else ""
        msg = str(doc.get("msg", "")) if isinstance(doc, dict) else ""
        if status >= 400 and not code:
            return [], OkxError(method, path, f"HTTP {status}", status=status), retry_after
        if not isinstance(doc, dict) or "code" not in doc:
            return [], OkxError(method, path, f"unexpected answer (HTTP {status}): no 'code' field", status=status), None
        if code != "0":
            return [], OkxError(method, path, f"OKX code {code}: {msg or '(no message)'}", code=code, msg=msg,
                                status=status), retry_after
        if status >= 400:
            return [], OkxError(method, path, f"HTTP {status}", status=status), retry_after
        data = doc.get("data", [])
        if not isinstance(data, list):
            return [], OkxError(method, path, "unexpected answer: 'data' is not a list", status=status), None
        if self.on_exchange is not None:
            self.on_exchange(Exchange(method, path, params, status, text, _now_iso()))
        return data, None, None

    @staticmethod
    def _retryable(err: OkxError) -> bool:
        if err.code in RETRY_CODES:
            return True
        if err.status is None:
            return err.code is None        # timeouts and connection failures
        return err.status in RETRY_STATUS

    def _pause(self, attempt: int, retry_after: float | None, path: str, method: str) -> None:
        delay = min(self.max_backoff, self.backoff * (2 ** attempt)) * (0.75 + 0.5 * random.random())
        if retry_after is not None:
            delay = min(max(delay, retry_after), self.max_backoff)
        self.retries += 1
        end = delay
        while end > 0:        # in short naps so that a Cancel is noticed
            self._check_cancel(method, path)
            step = min(end, 0.25)
            self._sleep(step)
            end -= step
        self.backoff_waited += delay

    def _check_cancel(self, method: str, path: str) -> None:
        if self.cancelled is not None and self.cancelled():
            raise FetchCancelled(method=method, path=path)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
        return "host name not found"
    return " ".join(text.split())[:120]
