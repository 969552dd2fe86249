"""``riskws okx record BOOK... [--graph] [--demo] [--market MARKET] [--key-file PATH] [--out FILE]`` and
``riskws okx observations [--book NAME] [--out FILE]``.

record: with the user's read-only OKX key (``OKX_API_KEY``/``OKX_API_SECRET``/``OKX_API_PASSPHRASE`` or a key file
readable by its owner only), asks OKX's position builder about each book (``inclRealPosAndEq=false``) and stores
request, response and the market snapshot of the same minute as one observation per book, all books or none.
The key is used for the signature headers only: never stored, printed, exported or put in a message.
observations: prints (or writes) the stored observations as an observation file for reconcile and calibrate.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workstation.cli import add_db_argument, db_path
from workstation.commands.engine_args import print_json


def register(subparsers) -> None:
    p = subparsers.add_parser("okx", help="signed OKX calls: record position-builder answers as observations",
                              description="Private OKX API calls with your own read-only key.")
    sub = p.add_subparsers(dest="okx_command", metavar="SUBCOMMAND", required=True)
    r = sub.add_parser("record", help="ask OKX's position builder about books and store the answers",
                       description="POST /api/v5/account/position-builder (and -graph with --graph) for each BOOK "
                                   "with inclRealPosAndEq=false, stored with the market snapshot of the same minute.")
    r.add_argument("books", metavar="BOOK", nargs="+", help="stored portfolio name or portfolio file")
    r.add_argument("--graph", action="store_true", help="also record position-builder-graph (MMR across index moves)")
    r.add_argument("--demo", action="store_true", help="OKX demo trading (header x-simulated-trading: 1)")
    r.add_argument("--market", metavar="MARKET", default=None,
                   help="the snapshot taken this minute (file or stored name); default: fetched from OKX now")
    r.add_argument("--key-file", metavar="PATH", default=None,
                   help="file with apiKey, secretKey, passphrase (mode 600); default: the OKX_API_* variables")
    r.add_argument("--base-url", metavar="URL", default=None, help="replaces https://www.okx.com")
    r.add_argument("--out", metavar="FILE", type=Path, default=None, help="also write the observations to FILE")
    add_db_argument(r)
    r.set_defaults(handler=run_record)
    o = sub.add_parser("observations", help="the stored observations as an observation file",
                       description="Prints (or writes with --out) the stored observations, oldest first.")
    o.add_argument("--book", metavar="NAME", default=None, help="only this book's")
    o.add_argument("--out", metavar="FILE", type=Path, default=None, help="write to FILE instead of printing")
    add_db_argument(o)
    o.set_defaults(handler=run_observations)


def _books(args: argparse.Namespace, store) -> list[tuple[str, object]]:
    from engine import load_portfolio
    from db.errors import StoreError
    out = []
    for name in args.books:
        if store.has_portfolio(name):
            out.append((name, store.load_portfolio(name)))
        elif Path(name).is_file():
            p = load_portfolio(name)
            out.append((p.name or Path(name).stem, p))
        else:
            raise StoreError(f"{name}: neither a portfolio stored in {store.label} nor a portfolio file")
    return out


def _market_source(args: argparse.Namespace, store, client, books):
    """A callable giving the snapshot of this minute: --market, else one fetch from OKX's public API (the books'
    instrument families), taken when the first book is recorded."""
    from engine import InputError, load_market
    if args.market is not None:
        if store.has_market(args.market):
            m = store.load_market(args.market)
        elif Path(args.market).is_file():
            m = load_market(args.market)
        else:
            raise InputError(f"--market: {args.market!r} is neither a stored snapshot nor a file")
        return lambda: m
    from engine.market import market_from_dict
    from workstation.okx.fetch import default_families, fetch
    ids = [q.inst_id for _, p in books for q in p.positions]
    taken: dict = {}

    def snapshot():
        if "market" not in taken:
            taken["market"] = market_from_dict(fetch(client, default_families(ids)).snapshot, "OKX snapshot")
        return taken["market"]
    return snapshot


def run_record(args: argparse.Namespace) -> int:
    from db.observations import save_observation
    from db.store import Store
    from workstation.okx.client import OkxClient
    from workstation.okx.record import record_book
    from workstation.okx.signing import load_credentials, signer

    creds = load_credentials(args.key_file)        # before anything is opened: a bad key file stores nothing
    auth = signer(creds, demo=args.demo)
    with Store(db_path(args)) as store, OkxClient(args.base_url) as client:
        books = _books(args, store)
        market = _market_source(args, store, client, books)
        recorded = [(name, record_book(client, auth, p, market, graph=args.graph, rules=p.rules, label=name))
                    for name, p in books]
        with store.transaction():
            ids = [save_observation(store, name, obs, demo=args.demo) for name, obs in recorded]
    if args.out is not None:
        args.out.write_text(json.dumps([obs for _, obs in recorded], indent=1) + "\n", encoding="utf-8")
    for (name, obs), oid in zip(recorded, ids):
        units = len(obs["response"]["data"][0].get("riskUnitData") or [])
        print(f"recorded observation {oid} for {name!r}: {units} risk unit(s), taken {obs['takenAt']}"
              f"{' (demo trading)' if args.demo else ''}{', with graph' if args.graph else ''}")
    return 0


def run_observations(args: argparse.Namespace) -> int:
    from db.errors import StoreError
    from db.observations import list_observations
    from db.store import Store
    path = db_path(args)
    if not path.is_file():
        raise StoreError(f"{path}: no such database file")
    with Store(path, create=False) as store:
        docs = list_observations(store, args.book)
    if args.out is not None:
        args.out.write_text(json.dumps(docs, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {len(docs)} observation(s) to {args.out}")
    else:
        print_json(docs)
    return 0
