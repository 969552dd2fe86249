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
    """(Market, label, given): --market as a file or a stored name, else the observation's own snapshot."""
    from db.errors import StoreError
    from db.store import Store
    from engine import InputError, load_market

    name = args.market if args.market is not None else answer.market_name
    if name is None:
        if answer.market is None:
            raise InputError(f"{answer.label}: market: the answer carries no snapshot: give --market (the snapshot "
                             f"taken when OKX answered)")
        return answer.market, f"{answer.label}: market", False
    if Path(name).is_file():
        return load_market(name), name, args.market is not None
    path = db_path(args)
    if not path.is_file():
        raise StoreError(f"--market: {name!r} is neither a file nor a stored snapshot ({path} does not exist)")
    with Store(path, create=False) as store:
        if not store.has_market(name):
            raise StoreError(f"--market: {name!r} is neither a file nor a snapshot stored in {path}")
        return store.load_market(name), f"stored snapshot {name!r}", args.market is not None


def run(args: argparse.Namespace) -> int:
    from engine import InputError, load_portfolio
    from engine.importers.checks import check_against_market
    from engine.params import load_rule_set
    from engine.reconcile import DEFAULT_ABS_TOL, DEFAULT_REL_TOL, market_notes, read_answer, reconcile

    answer = read_answer(args.okx_file, require_market=False)
    if args.book is not None:
        portfolio, book_label = load_portfolio(args.book), str(args.book)
    elif answer.portfolio is not None:
        portfolio, book_label = answer.portfolio, f"{answer.label} (its own book)"
    else:
        raise InputError(f"{answer.label}: a bare position-builder response does not say which book it is for: "
                         f"give BOOK (the portfolio file sent) or record an observation")
    market, market_label, given = _market(args, answer)
    check_against_market(portfolio, market, book_label, market_label)
    mode = args.mode or {"3": "mc", "4": "pm"}.get(answer.acct_lv or "", None) or (
        "mc" if portfolio.acct_lv == "3" else "pm")
    rules = load_rule_set(args.rules or answer.rules or portfolio.rules)
    rec = reconcile(answer, portfolio, market, mode=mode, rules=rules, book_label=book_label,
                    notes=market_notes(answer, market, market_label, given),
                    rel_tol=DEFAULT_REL_TOL if args.rel_tol is None else args.rel_tol,
                    abs_tol=DEFAULT_ABS_TOL if args.abs_tol is None else args.abs_tol)
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
