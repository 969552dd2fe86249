"""``riskws export NAME --out FILE [--format json|csv|result] [--market [SNAPSHOT]]``: a stored portfolio as a
portfolio file, CSV or margin result (or, with --market alone, a stored market snapshot)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from engine.modes import cli_mode
from workstation.cli import CommandError, add_db_argument, db_path


FORMATS = ("json", "csv", "result")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="export a stored portfolio (JSON, CSV or its margin result) or a market snapshot",
        description="Write the portfolio NAME as a portfolio file (--format json, the default: formats.md "
                    "section 1, numbers as OKX-style decimal strings, which `riskws import` reads back unchanged), "
                    "as CSV (--format csv: instId,pos,avgPx,ccy,amt rows, positions then balances; name, acctLv, "
                    "rules, spot in use and leverage are not part of it), or as the margin result JSON of "
                    "formats.md section 3 (--format result --market SNAPSHOT: a stored snapshot name or a snapshot "
                    "file; without a value, the snapshot the portfolio was saved with, else the newest). "
                    "With --market and no --format, NAME is a stored market snapshot, written as a snapshot file.")
    p.add_argument("name", metavar="NAME", help="portfolio name (see the workstation's list)")
    p.add_argument("--out", metavar="FILE", required=True, help="output file; - for standard output")
    p.add_argument("--format", choices=FORMATS, default=None, help="json (default), csv or result")
    p.add_argument("--market", metavar="SNAPSHOT", nargs="?", const=True, default=None,
                   help="alone: NAME is a market snapshot; with --format result: the market snapshot (stored name "
                        "or file) to compute on")
    p.add_argument("--mode", type=cli_mode, default=None, metavar="MODE",
                   help="with --format result: override the portfolio's acctLv (spot, futures, mc, pm or 1-4)")
    add_db_argument(p)
    p.set_defaults(handler=run)


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a failure never leaves half a file."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _result_market(store, args: argparse.Namespace):
    """(Market, label) for --format result: a stored snapshot by name, else a snapshot file, else the linked one."""
    from db.errors import StoreError
    from engine.market import load_market

    if args.market is True or args.market is None:
        market = store.market_for_portfolio(args.name)
        if market is None:
            raise StoreError(f"--market: no market snapshot in {store.label} to compute {args.name!r} on")
        linked = store.portfolio_market_name(args.name)
        return market, f"market snapshot {linked or store.list_markets()[0].name!r}"
    if store.has_market(args.market):
        return store.load_market(args.market), f"market snapshot {args.market!r}"
    path = Path(args.market)
    if path.exists():
        return load_market(path), str(path)
    raise StoreError(f"--market: {args.market!r} is neither a market snapshot in {store.label} nor a file")


def run(args: argparse.Namespace) -> int:
    from db.errors import StoreError
    from db.store import Store
    from engine.market import market_to_dict
    from engine.portfolio import portfolio_to_dict

    fmt = args.format
    if fmt is None:
        fmt = "json"
    elif args.market is True and fmt != "result":
        raise StoreError(f"--market without a value exports a market snapshot; it does not combine with --format {fmt}")
    if isinstance(args.market, str) and fmt != "result":
        raise StoreError(f"--market {args.market}: a snapshot to compute on applies to --format result only")
    if args.mode is not None and fmt != "result":
        raise StoreError("--mode applies to --format result only")
    with Store(db_path(args), create=False) as store:
        if args.market is True and args.format is None:
            text = _json(market_to_dict(store.load_market(args.name)))
        elif fmt == "json":
            text = _json(portfolio_to_dict(store.load_portfolio(args.name)))
        elif fmt == "csv":
            from engine.importers import portfolio_to_csv
            text = portfolio_to_csv(store.load_portfolio(args.name))
        else:
            portfolio = store.load_portfolio(args.name)
            market, market_label = _result_market(store, args)
            text = _json(_result(portfolio, market, args, market_label))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        write_text_atomic(Path(args.out), text)
    return 0


def _json(doc) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _result(portfolio, market, args: argparse.Namespace, market_label: str) -> dict:
    from engine import compute
    from engine.importers import check_against_market

    check_against_market(portfolio, market, f"portfolio {args.name!r}", market_label)
    return compute(portfolio, market, mode=args.mode).to_dict()
