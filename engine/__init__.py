"""The margin engine: OKX unified-account margin (portfolio margin and multi-currency), numpy only, never Qt.

    from engine import load_portfolio, load_market, compute
    result = compute(load_portfolio("book.json"), load_market("market.json"), mode="pm")
    result.to_dict()
"""

from .errors import InputError
from .market import Market, load_market
from .portfolio import Portfolio, load_portfolio, portfolio_to_dict

__all__ = ["InputError", "Market", "Portfolio", "compute", "load_market", "load_portfolio", "portfolio_to_dict"]


def __getattr__(name: str):
    # compute and friends live in engine.api; imported lazily so that loading a file stays cheap.
    if name in ("compute", "graph", "switch_mode", "compare_rules"):
        from . import api
        return getattr(api, name)
    raise AttributeError(name)
