"""``riskws export NAME [--db PATH] --out FILE``: a stored portfolio (or market snapshot) to a JSON file."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from workstation.cli import CommandError, add_db_argument, db_path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="export a stored portfolio (or market snapshot) to a JSON file",
        description="Write the portfolio NAME as a portfolio file (formats.md section 1; numbers as OKX-style "
                    "decimal strings) that `riskws import` reads back unchanged.")
    p.add_argument("name", metavar="NAME", help="portfolio name (see the workstation's list)")
    p.add_argument("--out", metavar="FILE", required=True, help="output file; - for standard output")
    p.add_argument("--market", action="store_true", help="NAME is a market snapshot, not a portfolio")
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


def run(args: argparse.Namespace) -> int:
    from db.store import Store
    from engine.market import market_to_dict
    from engine.portfolio import portfolio_to_dict

    with Store(db_path(args), create=False) as store:
        if args.market:
            doc = market_to_dict(store.load_market(args.name))
        else:
            doc = portfolio_to_dict(store.load_portfolio(args.name))
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        write_text_atomic(Path(args.out), text)
    return 0
