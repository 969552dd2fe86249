"""The one-line summaries the store lists (portfolios and market snapshots), without loading them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortfolioSummary:
    name: str
    acct_lv: str
    rules: str | None
    n_positions: int
    updated_at: str
    market: str | None = None


@dataclass(frozen=True)
class MarketSummary:
    name: str
    ts: str
    updated_at: str
    source: str | None = None        # "okx", "recorded", "synthetic"; None: a snapshot file without the field
    fetched_at: str | None = None
