"""``riskws reconcile OKX_FILE [BOOK] [--market MARKET] [--mode pm|mc] [--rules ID] [--json]``.

OKX's figures beside riskws's for the same book. OKX_FILE is an observation (formats.md §6: request, response,
market), a position-builder response, or OKX balance + positions responses. BOOK (a portfolio file) is needed when
OKX_FILE does not say what the book was (a bare position-builder response); when given, the answer must be for it.
MARKET defaults to the observation's own snapshot; another one is allowed and the output says it is not the one the
answer was taken on. Reads the database (a stored snapshot by name) but never writes to it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workstation.cli import add_db_argument, db_path
from workstation.commands.engine_args import print_json


def register(subparsers) -> None:
    p = subparsers.add_parser("reconcile", help="OKX's figures beside riskws's for the same book, with differences",
                              description="Compares every figure OKX's answer and riskws both have (account, "
                                          "per currency, per risk unit incl. the MR1 grid, per position), flags "
                                          "differences beyond the tolerance and names the assumed parameters "
                                          "behind each riskws figure.")
    p.add_argument("okx_file", metavar="OKX_FILE", type=Path,
                   help="observation, position-builder response, or balance + positions responses")
    p.add_argument("book", metavar="BOOK", type=Path, nargs="?", default=None, help="portfolio file the answer is for")
    p.add_argument("--market", metavar="MARKET", default=None,
                   help="snapshot file or stored snapshot name (default: the observation's own snapshot)")
    p.add_argument("--mode", choices=("pm", "mc"), default=None,
                   help="account mode (default: the request's acctLv, else the book's)")
    p.add_argument("--rules", metavar="ID", default=None,
                   help="rule set id or JSON file (default: the observation's, else the book's, else the newest)")
    p.add_argument("--rel-tol", type=float, default=None, help="relative tolerance before a difference is flagged")
    p.add_argument("--abs-tol", type=float, default=None, help="absolute tolerance (USD or units of the figure)")
    p.add_argument("--json", action="store_true", help="print the reconciliation as JSON")
    add_db_argument(p)
    p.set_defaults(handler=run)


def _market(args: argparse.Namespace, answer):
    """(Market, label) from --market (a file or a stored name) or the observation's stored snapshot name; None
    when the observation's own snapshot is to be used."""
    from db.errors import StoreError
    from db.store import Store
    from engine import load_market

    name = args.market if args.market is not None else answer.market_name
    if name is None:
        return None, "market"
    if Path(name).is_file():
        return load_market(name), name
    path = db_path(args)
    if not path.is_file():
        raise StoreError(f"--market: {name!r} is neither a file nor a stored snapshot ({path} does not exist)")
    with Store(path, create=False) as store:
        if not store.has_market(name):
            raise StoreError(f"--market: {name!r} is neither a file nor a snapshot stored in {path}")
        return store.load_market(name), f"stored snapshot {name!r}"


def run(args: argparse.Namespace) -> int:
    from engine import load_portfolio
    from engine.reconcile import read_answer
    from engine.reconcile.run import reconcile_answer

    answer = read_answer(args.okx_file, require_market=False)
    book = load_portfolio(args.book) if args.book is not None else None
    market, market_label = _market(args, answer)
    rec = reconcile_answer(answer, book=book, book_label=str(args.book), market=market, market_label=market_label,
                           mode=args.mode, rules=args.rules, rel_tol=args.rel_tol, abs_tol=args.abs_tol)
    if args.json:
        print_json(rec.to_dict())
    else:
        print(render(rec))
    return 0


def _cell(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:,.6g}" if abs(x) < 1000 else f"{x:,.2f}"


def render(rec) -> str:
    """A readable table: flagged rows marked with '!', assumed parameters after a dagger."""
    mode = "portfolio margin" if rec.mode == "pm" else "multi-currency margin"
    lines = [f"reconcile {rec.source} ({rec.kind}), {mode}, rules {rec.rules}, market {rec.market_ts:%Y-%m-%d %H:%M:%S} UTC",
             f"  {len(rec.rows)} figures compared, {len(rec.flagged)} beyond tolerance (rel {rec.rel_tol:g}, "
             f"abs {rec.abs_tol:g}); largest relative difference {rec.max_rel():.3g}"]
    lines += [f"  NOTE: {n}" for n in rec.notes]
    lines.append(f"  {'':1} {'figure':<44}{'OKX':>18}{'riskws':>18}{'difference':>16}{'rel':>10}")
    for r in rec.rows:
        name = "/".join(x for x in (r.scope if r.scope != "account" else "", r.name, r.field) if x)
        rel = "-" if r.rel is None else f"{r.rel:.2e}"
        line = (f"  {'!' if r.flagged else ' '} {name:<44}{_cell(r.okx):>18}{_cell(r.riskws):>18}"
                f"{_cell(r.diff):>16}{rel:>10}")
        if r.assumed:
            line += f"  † {', '.join(r.assumed)}"
        lines.append(line)
    if rec.okx_only:
        lines.append(f"  OKX figures riskws does not compute: {', '.join(rec.okx_only)}")
    return "\n".join(lines)
