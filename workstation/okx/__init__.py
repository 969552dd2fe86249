"""OKX REST API v5: an httpx client with per-endpoint rate limits and retries, and the market-snapshot fetch.

The names below are loaded on first use: the window imports ``workstation.okx.age`` at start-up, which must not
import httpx (tens of ms of every cold start).
"""

from __future__ import annotations

from typing import Any

__all__ = ["OkxClient", "OkxError", "FetchCancelled", "DEFAULT_BASE_URL", "base_url_from", "RateLimiter",
           "ENDPOINT_LIMITS"]

_FROM = {"OkxClient": "client", "OkxError": "client", "FetchCancelled": "client", "DEFAULT_BASE_URL": "client",
         "base_url_from": "client", "RateLimiter": "ratelimit", "ENDPOINT_LIMITS": "ratelimit"}


def __getattr__(name: str) -> Any:
    if name in _FROM:
        from importlib import import_module
        return getattr(import_module(f"{__name__}.{_FROM[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
