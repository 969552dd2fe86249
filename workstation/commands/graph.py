"""``riskws graph PORTFOLIO --market MARKET [--json]``: MMR and margin ratio across index moves -100 %..+100 %."""

from __future__ import annotations

import argparse

from workstation.commands.engine_args import add_book_arguments, add_mode_and_rules, fmt, load_inputs, print_json


def register(subparsers) -> None:
    p = subparsers.add_parser("graph", help="MMR and margin ratio across index moves -100%%..+100%%",
                              description="OKX's position-builder graph: every crypto index moved together in 1 % "
                                          "steps; JSON {\"mmrData\": [{\"shockFactor\", \"mmr\", \"mmrRatio\"}]}.")
    add_book_arguments(p)
    add_mode_and_rules(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.api import margin_curve
    portfolio, market = load_inputs(args)
    curve = margin_curve(portfolio, market, mode=args.mode, rules=args.rules)
    doc = curve.to_dict()
    if args.json:
        print_json(doc)
        return 0
    print(f"{'shock':>8}{'mmr':>18}{'marginRatio':>14}")
    for row in doc["mmrData"][::10]:
        ratio = "-" if row["mmrRatio"] is None else f"{row['mmrRatio']:,.2f}"
        print(f"{row['shockFactor']:>+8.0%}{fmt(row['mmr']):>18}{ratio:>14}")
    down, up = curve.liq_shock
    print(f"liquidation: down {'-' if down is None else f'{down:+.2%}'}, up {'-' if up is None else f'{up:+.2%}'}")
    return 0
