"""``riskws explain PORTFOLIO --market MARKET [--json]``: every margin figure of every risk unit down to the position.

Per unit: each position's P&L in the unit's MR1 and MR6 scenarios, its shares of MR4, MR7 and MR9, the unit's MMR if
it were closed, one line per figure in words (assumed parameters named), and the best hedge per candidate
(formats.md §7). Portfolio margin only.
"""

from __future__ import annotations

import argparse

from workstation.cli import one_line
from workstation.commands.engine_args import add_book_arguments, fmt, load_inputs, print_json


def register(subparsers) -> None:
    p = subparsers.add_parser("explain", help="explain every margin figure down to the position (portfolio margin)",
                              description="Per risk unit: positions' P&L in the MR1 and MR6 scenarios, shares of MR4, "
                                          "MR7, MR9, the MMR if each position were closed, a line per figure and the "
                                          "best hedge; --json prints formats.md section 7.")
    add_book_arguments(p)
    p.add_argument("--rules", metavar="ID", default=None,
                   help="rule set id or rule-set JSON file (default: the portfolio's, else the newest)")
    p.add_argument("--no-hedge", action="store_true", help="skip the best-hedge search")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.explain import explain
    portfolio, market = load_inputs(args)
    ex = explain(portfolio, market, rules=args.rules, hedge=not args.no_hedge)
    if args.json:
        print_json(ex.to_dict())
        return 0
    for u in ex.units:
        print(f"== {u.risk_unit}: MMR {fmt(u.mmr)} USD")
        for line in u.lines.values():
            print(f"   {one_line(line)}")
        print(f"   {'position':<28}{'pos':>12}{'mr1Pnl':>14}{'mr6Pnl':>14}{'mr4':>11}{'mr7':>11}{'mr9':>10}"
              f"{'MMR if closed':>16}")
        for row in u.positions():
            print(f"   {row['instId']:<28}{row['pos']:>12,.4g}{fmt(row['mr1Pnl'], 0):>14}{fmt(row['mr6Pnl'], 0):>14}"
                  f"{fmt(row['mr4'], 0):>11}{fmt(row['mr7'], 0):>11}{fmt(row['mr9'], 0):>10}"
                  f"{fmt(row['mmrIfClosed'], 0):>16}")
        for h in u.hedges:
            size = f"spot in use {h.size:,.6g}" if h.is_spot else f"{h.size:+,.2f} contracts"
            print(f"   best hedge {h.inst_id:<22} {size:>26}  -> MMR {fmt(h.mmr)}")
    print(ex.margin_ratio)
    return 0
