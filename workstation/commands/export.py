"""``riskws export NAME --out FILE [--format json|csv|result] [--market [SNAPSHOT]]``: a stored portfolio as a
portfolio file, CSV or margin result (or, with --market alone, a stored market snapshot)."""

from __future__ import annotations

import argparse
import json
import sys
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


def write_text_atomic(path: Path, text: str, protect: tuple[Path, ...] = ()) -> None:
    """Write through a temporary file in the same folder (workstation/output.py: never the database itself, never
    replacing a FIFO or device, the temporary file removed on failure)."""
    from workstation.output import write_output
    write_output(path, text, protect=protect)


def _open_for_reading(path: Path, name: str, market: bool):
    """The store, opened without writing: an old schema is migrated only when the item to export is there."""
    from db.errors import NotFoundError
    from db.migrations import LATEST_VERSION
    from db.store import Store

    store = Store(path, create=False, migrate=False)
    if store.schema_version >= LATEST_VERSION:
        return store
    found = store.has_market(name) if market else store.has_portfolio(name)
    store.close()
    if not found:
        raise NotFoundError(f"no {'market snapshot' if market else 'portfolio'} named {name!r} in {path}")
    return Store(path, create=False)


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
    from engine.market import market_to_dict
    from workstation.output import protected_files
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
    db = db_path(args)
    if args.out != "-":
        from workstation.output import check_target, protected_files
        check_target(Path(args.out), protected_files(db))  # before anything is read or computed
    with _open_for_reading(db, args.name, args.market is True and args.format is None) as store:
        if args.market is True and args.format is None:
            text = _json(market_to_dict(store.load_market(args.name)))
        elif fmt == "json":
            text = _json(portfolio_to_dict(store.load_portfolio(args.name)))
        elif fmt == "csv":
            from engine.importers import portfolio_to_csv
            text = portfolio_to_csv(store.load_portfolio(args.name))
        else:
            market, market_label = _result_market(store, args)   # first: its instruments make the book's ids known
            portfolio = store.load_portfolio(args.name)
            text = _json(_result(portfolio, market, args, market_label))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        write_text_atomic(Path(args.out), text, tuple(protected_files(db)))
    return 0


def _json(doc) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _result(portfolio, market, args: argparse.Namespace, market_label: str) -> dict:
    from engine import compute
    from engine.importers import check_against_market

    check_against_market(portfolio, market, f"portfolio {args.name!r}", market_label)
    from engine.sources import stale_market_warning
    stale = stale_market_warning(portfolio, market)
    if stale is not None:
        from workstation.cli import warning
        warning(f"portfolio {args.name!r}: {stale}")
    return compute(portfolio, market, mode=args.mode).to_dict()
