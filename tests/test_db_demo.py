"""Seeding a new database with the demo market and portfolios."""

from __future__ import annotations

from db.demo import DEMO_MARKET_NAME, ensure_demo
from db.store import Store
from engine.portfolio import Portfolio


def test_ensure_demo_seeds_once(tmp_db: Store, demo_portfolios: dict, demo_market) -> None:
    assert ensure_demo(tmp_db) is True
    names = [s.name for s in tmp_db.list_portfolios()]
    assert sorted(names) == sorted(demo_portfolios) and len(names) == 6
    for name, book in demo_portfolios.items():
        assert tmp_db.load_portfolio(name) == book
        assert tmp_db.market_for_portfolio(name) == demo_market
    assert [m.name for m in tmp_db.list_markets()] == [DEMO_MARKET_NAME]
    tmp_db.delete_portfolio(names[0])
    assert ensure_demo(tmp_db) is False
    assert len(tmp_db.list_portfolios()) == 5  # a deleted demo book does not come back


def test_ensure_demo_never_overwrites_a_user_portfolio(tmp_db: Store, demo_portfolios: dict) -> None:
    name = next(iter(demo_portfolios))
    mine = Portfolio(name=name, acct_lv="3")
    tmp_db.save_portfolio(mine)
    ensure_demo(tmp_db)
    assert tmp_db.load_portfolio(name) == mine
    assert len(tmp_db.list_portfolios()) == 6
