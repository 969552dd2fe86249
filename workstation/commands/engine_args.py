"""Arguments shared by the commands that price a portfolio file on a market file (margin, graph, switch, compare)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.modes import cli_mode


def add_book_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("portfolio", metavar="PORTFOLIO", type=Path, help="portfolio file (formats.md section 1)")
    p.add_argument("--market", metavar="MARKET", type=Path, required=True, help="market snapshot file (formats.md section 2)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


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
    from engine import load_market, load_portfolio
    from engine.importers.checks import check_against_market
    portfolio, market = load_portfolio(args.portfolio), load_market(args.market)
    check_against_market(portfolio, market, str(args.portfolio), str(args.market))
    return portfolio, market


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"
