"""Client-side rate limits per OKX endpoint: at most N requests in any window of W seconds.

OKX states its limits per endpoint ("20 requests per 2 seconds"); a sliding window of the last N send times per
endpoint keeps under them without ever sending a request that OKX would answer with 429. The limiter records how
long it made callers wait, which the fetch reports and the benchmark measures.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# path -> (requests, window seconds), from OKX's documentation of each endpoint (../shared/okx-api.md)
ENDPOINT_LIMITS: dict[str, tuple[int, float]] = {
    "/api/v5/market/index-tickers": (20, 2.0),
    "/api/v5/public/mark-price": (10, 2.0),
    "/api/v5/public/opt-summary": (20, 2.0),
    "/api/v5/public/instruments": (20, 2.0),
    "/api/v5/public/underlying": (20, 2.0),
    "/api/v5/public/position-tiers": (10, 2.0),
    "/api/v5/public/discount-rate-interest-free-quota": (2, 2.0),
    "/api/v5/public/interest-rate-loan-quota": (2, 2.0),
    "/api/v5/market/history-index-candles": (10, 2.0),
    "/api/v5/account/config": (5, 2.0),
    "/api/v5/account/balance": (10, 2.0),
    "/api/v5/account/positions": (10, 2.0),
    "/api/v5/account/position-builder": (2, 2.0),
    "/api/v5/account/position-builder-graph": (1, 5.0),
}
DEFAULT_LIMIT = (5, 2.0)   # an endpoint not listed: a cautious limit


class RateLimiter:
    """Sliding-window limiter keyed by endpoint path; thread-safe. ``wait(path)`` blocks until a send is allowed."""

    def __init__(self, limits: dict[str, tuple[int, float]] | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = dict(ENDPOINT_LIMITS if limits is None else limits)
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.waited = 0.0          # seconds callers spent waiting here, in total
        self.requests = 0          # sends allowed, in total

    def limit(self, path: str) -> tuple[int, float]:
        return self.limits.get(path, DEFAULT_LIMIT)

    def delay(self, path: str) -> float:
        """Seconds until ``path`` may be sent again (0 = now); does not reserve a slot."""
        count, window = self.limit(path)
        with self._lock:
            sent = self._sent.get(path)
            if not sent or len(sent) < count:
                return 0.0
            return max(0.0, sent[-count] + window - self._clock())

    def wait(self, path: str, cancelled: Callable[[], bool] | None = None) -> float:
        """Block until a request to ``path`` is allowed, record it, and return the seconds waited."""
        count, window = self.limit(path)
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                sent = self._sent.setdefault(path, deque())
                while sent and sent[0] <= now - window:
                    sent.popleft()
                if len(sent) < count:
                    sent.append(now)
                    self.requests += 1
                    self.waited += waited
                    return waited
                pause = sent[0] + window - now
            if cancelled is not None and cancelled():
                from .client import FetchCancelled
                raise FetchCancelled("cancelled")
            pause = min(max(pause, 0.001), 0.25)   # short naps so that a Cancel is noticed quickly
            self._sleep(pause)
            waited += pause

    def penalise(self, path: str) -> None:
        """After a 429: treat the endpoint's window as full from now on (the server saw more than we counted)."""
        count, _ = self.limit(path)
        with self._lock:
            now = self._clock()
            self._sent[path] = deque([now] * count)
