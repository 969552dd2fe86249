"""``riskws batch BOOKS... [--scenarios NAME|FILE ...] [--mode MODE] [--rules ID ...] [--market M]
[--scheduler ADDRESS] [--workers N] [--ratio-floor X] [--out FILE.csv|FILE.parquet]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstation.cli import add_db_argument


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "batch", help="margin of many books under many scenarios, on a Dask cluster",
        description="Every (book, scenario, mode, rule set) is computed; one row each in the output table "
                    "(formats.md section 8), a summary of the worst books per scenario on screen. Without "
                    "--scheduler (or $DASK_SCHEDULER_ADDRESS) the work runs on a local Dask cluster of processes.")
    p.add_argument("books", metavar="BOOK", nargs="+",
                   help="portfolio file, folder of portfolio files, or stored portfolio name")
    p.add_argument("--scenarios", metavar="NAME|FILE", nargs="+", default=["historical"],
                   help="scenario file, shipped or user set name, SET/SCENARIO or scenario name (default: historical); "
                        "see riskws scenarios list")
    p.add_argument("--mode", default=None, help="pm, mc or both (default: each book's acctLv); any mode the engine "
                                                "accepts")
    p.add_argument("--rules", metavar="ID", nargs="+", default=[None],
                   help="rule set ids (default: each book's, else the newest)")
    p.add_argument("--market", metavar="MARKET", default=None,
                   help="market snapshot file or stored snapshot name (default: the newest stored snapshot)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, help="Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--workers", metavar="N", type=int, default=None, help="local cluster size (default: the CPU count)")
    p.add_argument("--ratio-floor", metavar="X", type=float, default=1.0,
                   help="a row breaches when its marginRatio is below X (default 1, liquidation)")
    p.add_argument("--out", metavar="FILE", type=Path, default=None, help="write the table (.csv or .parquet)")
    add_db_argument(p)
    p.set_defaults(handler=run)


def _modes(text: str | None) -> list[str | None]:
    from engine.modes import parse_mode
    if text is None:
        return [None]
    if text == "both":
        return ["pm", "mc"]
    return [parse_mode(text, "--mode")]


def _market(args: argparse.Namespace):
    from engine import InputError
    from engine.market import load_market
    from workstation.cli import db_path
    if args.market is not None and Path(args.market).is_file():
        return load_market(args.market)
    path = db_path(args)
    if path.is_file():
        from db.store import Store
        with Store(path, create=False) as store:
            if args.market is not None and store.has_market(args.market):
                return store.load_market(args.market)
            markets = store.list_markets()
            if args.market is None and markets:
                return store.load_market(markets[0].name)
    if args.market is not None:
        raise InputError(f"--market: {args.market!r} is neither a file nor a stored market snapshot")
    raise InputError(f"--market: missing, and no market snapshot is stored in {path}")


def _progress(done: int, total: int) -> None:
    width = 30
    fill = width * done // max(total, 1)
    sys.stderr.write(f"\rbatch [{'#' * fill}{'.' * (width - fill)}] {done}/{total} books")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from engine import InputError
    from engine.params import load_rule_set
    from engine.scenario import resolve_scenarios
    from workstation.batch.books import resolve_books
    from workstation.batch.runner import check_scenarios, run_batch, scheduler_address
    from workstation.batch.table import check_out_path, summary, write_table
    from workstation.cli import db_path
    from workstation.scenario_dirs import user_scenario_dirs

    if args.out is not None:
        check_out_path(args.out)
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers: expected a positive count, got {args.workers}")
    modes = _modes(args.mode)
    for r in args.rules:
        if r is not None:
            load_rule_set(r)
    market = _market(args)
    scenarios = resolve_scenarios(args.scenarios, user_scenario_dirs())
    check_scenarios(market, scenarios)              # a bad scenario: one line, nothing started
    refs = resolve_books(args.books, db_path(args))
    rows = run_batch(refs, market, scenarios, modes, args.rules, args.ratio_floor,
                     scheduler=scheduler_address(args.scheduler), workers=args.workers, progress=_progress)
    if args.out is not None:
        write_table(rows, args.out)
    print(summary(rows, args.ratio_floor))
    if args.out is not None:
        print(f"wrote {len(rows)} rows to {args.out}")
    return 0
