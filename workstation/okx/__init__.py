"""OKX REST API v5: an httpx client with per-endpoint rate limits and retries, and the market-snapshot fetch."""

from .client import OkxClient, OkxError, FetchCancelled, DEFAULT_BASE_URL, base_url_from
from .ratelimit import RateLimiter, ENDPOINT_LIMITS

__all__ = ["OkxClient", "OkxError", "FetchCancelled", "DEFAULT_BASE_URL", "base_url_from", "RateLimiter",
           "ENDPOINT_LIMITS"]
