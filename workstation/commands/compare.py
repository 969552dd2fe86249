"""``riskws compare PORTFOLIO --market MARKET --rules-from ID --rules-to ID [--json]``: a rule-set transition."""

from __future__ import annotations

import argparse

from workstation.commands.engine_args import add_book_arguments, fmt, load_inputs, print_json

ROW_KEYS = ("mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7", "mr9", "mmr", "imr")


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="compare a portfolio's margin under two rule sets",
                              description="The same portfolio (portfolio margin) under two rule sets: totals, each "
                                          "crypto's MR1..MR9 before and after, merged risk units, where MR9 appeared.")
    add_book_arguments(p)
    p.add_argument("--rules-from", metavar="ID", required=True, help="rule set id before (e.g. okx-2024-06)")
    p.add_argument("--rules-to", metavar="ID", required=True, help="rule set id after (e.g. okx-2025-01)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.compare import compare_rules
    portfolio, market = load_inputs(args)
    result = compare_rules(portfolio, market, args.rules_from, args.rules_to)
    if args.json:
        print_json(result.to_dict())
    else:
        from engine.errors import safe_lines
        print(safe_lines(render(result.to_dict())))
    return 0


def render(d: dict) -> str:
    lines = [f"rules {d['rulesFrom']} -> {d['rulesTo']} (portfolio margin)", "",
             f"  {'':<14}{'before':>18}{'after':>18}{'change':>18}"]
    for key, t in d["totals"].items():
        lines.append(f"  {key:<14}{fmt(t['from']):>18}{fmt(t['to']):>18}{fmt(t['diff']):>18}")
    for r in d["cryptos"]:
        lines += ["", f"  {r['ccy']}: units {', '.join(r['unitsFrom']) or '-'} -> {', '.join(r['unitsTo']) or '-'}"
                      + ("  (merged)" if r["merged"] else ""),
                  f"    MR1 grid: +/-{r['mr1RangeFrom']:.0%} -> +/-{r['mr1RangeTo']:.0%}",
                  f"    {'':<8}" + "".join(f"{k:>12}" for k in ROW_KEYS)]
        for side in ("from", "to", "diff"):
            lines.append(f"    {side:<8}" + "".join(f"{fmt(r[side][k], 0):>12}" for k in ROW_KEYS))
    for m in d["mr9Appeared"]:
        lines.append(f"  MR9 appeared in {m['ccy']}: {fmt(m['mr9'])} USD")
    for m in d["merges"]:
        lines.append(f"  merged: {' + '.join(m['from'])} -> {m['to']}")
    return "\n".join(lines)
