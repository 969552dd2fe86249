"""``riskws import FILE [FILE2] [--db PATH] [--name NAME] [--market SNAPSHOT]``: a book in any supported format
(docs/IMPORTS.md) or a market snapshot into the database."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from workstation.cli import add_db_argument, db_path, warning

if TYPE_CHECKING:
    from db.store import Store


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import", help="import a portfolio (any supported format) or a market snapshot into the database",
        description="Validate FILE and store it. The format is detected from the content: a portfolio file "
                    "(formats.md section 1), an OKX position-builder request body, an OKX positions and/or "
                    "balance response (one file each, or combined as {\"positions\": ..., \"balance\": ...}), "
                    "ccxt fetch_positions output, or a CSV with an instId,pos[,avgPx] (and/or ccy,amt) header. "
                    "A portfolio is stored under --name, else its \"name\" field, else the first file's name; a "
                    "portfolio of the same name is replaced. A market snapshot (formats.md section 2, recognised "
                    "by its \"index\" and \"ts\" fields) is stored under --name or the file name. Warnings "
                    "(ignored fields, isolated positions, ...) go to standard error. Nothing is written when a "
                    "file is invalid.")
    p.add_argument("file", metavar="FILE", type=Path, nargs="+",
                   help="portfolio, OKX response, ccxt positions, CSV or market snapshot file; two files (e.g. OKX "
                        "positions and balance responses) make one portfolio")
    p.add_argument("--name", help="name to store it under")
    p.add_argument("--market", metavar="SNAPSHOT",
                   help="for a portfolio: the stored market snapshot it was built with (expired contracts and "
                        "positions the snapshot cannot price are refused)")
    add_db_argument(p)
    p.set_defaults(handler=run)


@contextmanager
def open_for_write(path: Path) -> Iterator["Store"]:
    """A Store; when the command fails on a database file this process created, the file is removed again, unless
    another process wrote to it or has it open meanwhile (the decision is db/ownership.py's)."""
    from db.store import Store

    store = Store(path)
    try:
        yield store
    except BaseException:
        store.discard_if_created()
        raise
    else:
        store.close()


def valid_name(name: str, args: argparse.Namespace, label: str) -> str:
    """The name to store under; a bad one is reported against --name or the file's name field."""
    from db.errors import StoreError
    from db.store import check_name

    try:
        return check_name(name)
    except StoreError as exc:
        where = "--name" if args.name is not None else f"{label}: name"
        raise StoreError(f"{where}: {exc}") from None


def _single_market_document(args: argparse.Namespace) -> tuple[dict, str] | None:
    """The parsed snapshot when FILE is one market snapshot, else None (the importers take it from there)."""
    from engine.importers import is_market_document
    from engine.jsonio import parse_json_text, read_text_file

    if len(args.file) != 1:
        return None
    text, label = read_text_file(args.file[0])
    if not text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    doc = parse_json_text(text, label)
    return (doc, label) if is_market_document(doc) else None


def _load_stored_market(args: argparse.Namespace):
    """The --market snapshot, read without creating or changing the database."""
    from db.errors import StoreError
    from db.store import Store

    path = db_path(args)
    if not path.is_file():
        raise StoreError(f"--market: no market snapshot named {args.market!r} ({path} does not exist)")
    with Store(path, create=False) as store:
        if not store.has_market(args.market):
            raise StoreError(f"--market: no market snapshot named {args.market!r} in {path}")
        return store.load_market(args.market)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from db.errors import StoreError
    from engine.importers import import_files
    from engine.market import market_from_dict

    # Validate everything before the database is opened for writing, so that a bad file never creates or changes it.
    single = _single_market_document(args)
    name = args.name
    if single is not None:
        doc, label = single
        if args.market is not None:
            raise StoreError(f"{label}: --market applies to portfolio files, and this is a market snapshot")
        market = market_from_dict(doc, label)
        name = valid_name(name if name is not None else args.file[0].stem, args, label)
        with open_for_write(db_path(args)) as store:
            existed = store.has_market(name)
            store.save_market(name, market)
        print(f"{'replaced' if existed else 'imported'} market snapshot {name!r} "
              f"({len(market.mark_px)} marks, {len(market.mark_vol)} option vols) into {db_path(args)}")
        return 0
    stored_market = _load_stored_market(args) if args.market is not None else None
    book = import_files(args.file, market=stored_market, market_label=f"--market {args.market!r}")
    label = " + ".join(str(f) for f in args.file)
    portfolio = book.portfolio
    name = valid_name(name if name is not None else portfolio.name, args, label)
    portfolio = replace(portfolio, name=name)
    with open_for_write(db_path(args)) as store:
        existed = store.has_portfolio(name)
        if args.market is not None and not store.has_market(args.market):
            raise StoreError(f"--market: no market snapshot named {args.market!r} in {db_path(args)}")
        store.save_portfolio(portfolio, market_name=args.market)
    for w in book.warnings:
        warning(w)
    print(f"{'replaced' if existed else 'imported'} portfolio {name!r} ({len(portfolio.positions)} positions, "
          f"{book.source_kind}) into {db_path(args)}")
    return 0
