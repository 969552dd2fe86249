"""The demo market snapshot and portfolios shipped in ``resources/demo``, and seeding a new database with them."""

from __future__ import annotations

import json
from functools import lru_cache

from engine.market import Market, market_from_dict
from engine.portfolio import Portfolio, portfolio_from_dict
from engine.resources import resource_path

from .store import Store

DEMO_MARKET_FILE = "market-2025-02-06.json"
DEMO_MARKET_NAME = "demo 2025-02-06 08:00 UTC"
SEEDED_KEY = "demo_seeded"


def _read(*parts: str) -> dict:
    node = resource_path("demo", *parts)
    return json.loads(node.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def demo_market() -> Market:
    return market_from_dict(_read(DEMO_MARKET_FILE), label=f"resources/demo/{DEMO_MARKET_FILE}")


def demo_portfolio_files() -> list[str]:
    """File names of the demo portfolios, sorted (the order the workstation lists them in)."""
    folder = resource_path("demo", "portfolios")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))


def demo_portfolios() -> list[Portfolio]:
    return [portfolio_from_dict(_read("portfolios", f), label=f"resources/demo/portfolios/{f}")
            for f in demo_portfolio_files()]


def ensure_demo(store: Store) -> bool:
    """Seed the demo market and portfolios once per database file; never overwrites a user's portfolio.

    Returns True when it seeded. Deleting the demo portfolios later does not bring them back.
    """
    if store.get_meta(SEEDED_KEY) is not None:
        return False
    market = demo_market()
    books = demo_portfolios()
    with store.transaction():
        if not store.has_market(DEMO_MARKET_NAME):
            store.save_market(DEMO_MARKET_NAME, market)
        for book in books:
            if book.name is not None and not store.has_portfolio(book.name):
                store.save_portfolio(book, market_name=DEMO_MARKET_NAME)
        store.set_meta(SEEDED_KEY, "1")
    return True
