"""Storage of portfolios and market snapshots (sqlite-utils over a path passed in; no connection at import)."""

from .errors import NameTakenError, NotFoundError, SchemaError, StoreError
from .store import MarketSummary, PortfolioSummary, Store

__all__ = ["MarketSummary", "NameTakenError", "NotFoundError", "PortfolioSummary", "SchemaError", "Store",
           "StoreError", "ensure_demo"]


def __getattr__(name: str):
    if name == "ensure_demo":  # lazy: reading the demo resources is only needed on first start
        from .demo import ensure_demo
        return ensure_demo
    raise AttributeError(name)
