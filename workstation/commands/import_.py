"""``riskws import FILE [--db PATH] [--name NAME]``: a portfolio file (or a market snapshot) into the database."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from workstation.cli import add_db_argument, db_path

if TYPE_CHECKING:
    from db.store import Store


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import", help="import a portfolio file (or a market snapshot) into the database",
        description="Validate FILE and store it. A portfolio (formats.md section 1) is stored under --name, else "
                    "its \"name\" field, else the file name; a portfolio of the same name is replaced. A market "
                    "snapshot (formats.md section 2, recognised by its \"index\" and \"ts\" fields) is stored "
                    "under --name or the file name. Nothing is written when FILE is invalid.")
    p.add_argument("file", metavar="FILE", type=Path, help="portfolio or market snapshot JSON file")
    p.add_argument("--name", help="name to store it under")
    p.add_argument("--market", metavar="SNAPSHOT",
                   help="for a portfolio: the stored market snapshot it was built with")
    add_db_argument(p)
    p.set_defaults(handler=run)


@contextmanager
def open_for_write(path: Path) -> Iterator["Store"]:
    """A Store; when the command fails on a database file it created, the file is removed again."""
    from db.store import Store

    new = not path.exists()
    store = Store(path)
    try:
        yield store
    except BaseException:
        store.close()
        if new:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
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


def is_market_document(doc: dict) -> bool:
    return "index" in doc and "ts" in doc and "simPos" not in doc and "simAsset" not in doc


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from db.errors import StoreError
    from engine.jsonio import read_json_object
    from engine.market import market_from_dict
    from engine.portfolio import portfolio_from_dict

    # Validate everything before the database is opened, so that a bad file never creates or changes it.
    doc, label = read_json_object(args.file, "file")
    name = args.name
    if is_market_document(doc):
        if args.market is not None:
            raise StoreError(f"{label}: --market applies to portfolio files, and this is a market snapshot")
        market = market_from_dict(doc, label)
        name = valid_name(name if name is not None else args.file.stem, args, label)
        with open_for_write(db_path(args)) as store:
            existed = store.has_market(name)
            store.save_market(name, market)
        print(f"{'replaced' if existed else 'imported'} market snapshot {name!r} "
              f"({len(market.mark_px)} marks, {len(market.mark_vol)} option vols) into {db_path(args)}")
        return 0
    portfolio = portfolio_from_dict(doc, label)
    name = valid_name(name if name is not None else portfolio.name or args.file.stem, args, label)
    portfolio = replace(portfolio, name=name)
    with open_for_write(db_path(args)) as store:
        existed = store.has_portfolio(name)
        if args.market is not None and not store.has_market(args.market):
            raise StoreError(f"--market: no market snapshot named {args.market!r} in {db_path(args)}")
        store.save_portfolio(portfolio, market_name=args.market)
    print(f"{'replaced' if existed else 'imported'} portfolio {name!r} "
          f"({len(portfolio.positions)} positions) into {db_path(args)}")
    return 0
