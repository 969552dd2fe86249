"""Arguments shared by the commands that price a portfolio file on a market (margin, graph, switch, compare): the
market is a snapshot file or the name of a snapshot stored in the database (``--db``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.modes import cli_mode


def add_book_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("portfolio", metavar="PORTFOLIO", type=Path, help="portfolio file (formats.md section 1)")
    p.add_argument("--market", metavar="MARKET", required=True,
                   help="market snapshot: a file (docs/FORMATS.md) or the name of a stored snapshot (riskws market fetch)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    from workstation.cli import add_db_argument
    add_db_argument(p)


def add_mode_and_rules(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", type=cli_mode, default=None, metavar="MODE",
                   help="override the file's acctLv: spot, futures, mc, pm or OKX's 1-4")
    p.add_argument("--rules", metavar="ID", default=None,
                   help="rule set id or rule-set JSON file (default: the portfolio's, else the newest)")


def load_inputs(args: argparse.Namespace):
    """(Portfolio, Market) from the command's PORTFOLIO and --market files; InputError names the file.

    The book is also checked against the snapshot, so that a position the snapshot cannot value is reported
    with both file names rather than as a bare engine message.
    """
    from engine import load_portfolio
    from engine.importers.checks import check_against_market
    market, label = load_market_arg(args)     # first: its instruments make the book's coins and families known
    portfolio = load_portfolio(args.portfolio)
    check_against_market(portfolio, market, str(args.portfolio), label)
    from engine.sources import stale_market_warning
    stale = stale_market_warning(portfolio, market)
    if stale is not None:                      # once per command, on stderr (stdout may be JSON)
        from workstation.cli import warning
        warning(f"{args.portfolio}: {stale}")
    return portfolio, market


def load_market_arg(args: argparse.Namespace):
    """(Market, label) of ``--market``: a snapshot file when one exists at that path, else a stored snapshot."""
    from db.errors import StoreError
    from engine import load_market
    from workstation.cli import db_path
    value = str(args.market)
    path = Path(value)
    if path.is_file():
        return load_market(path), value
    db = db_path(args)
    if db.is_file():
        from db.store import Store
        with Store(db, create=False, migrate=False) as store:     # reading: never migrate
            if store.has_market(value):
                return store.load_market(value), f"market snapshot {value!r}"
    if path.suffix or "/" in value:
        return load_market(path), value        # meant as a file: the loader's own "file not found" line
    raise StoreError(f"--market: {value!r} is neither a snapshot file nor a snapshot stored in {db}")


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"
