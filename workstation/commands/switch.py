"""``riskws switch PORTFOLIO --market MARKET --to spot|futures|mc|pm|1-4 [--json]``: simulate an account-mode switch
(OKX precheck)."""

from __future__ import annotations

import argparse

from engine.modes import cli_mode
from workstation.commands.engine_args import add_book_arguments, fmt, load_inputs, print_json

S_CODES = {"0": "pass", "1": "unmatched information", "3": "leverage not preset",
           "4": "position-tier or margin check failed"}
MODE_NAMES = {"spot": "spot", "futures": "spot and futures", "mc": "multi-currency margin", "pm": "portfolio margin"}


def register(subparsers) -> None:
    p = subparsers.add_parser("switch", help="simulate switching the account mode (any of spot, futures, mc, pm)",
                              description="Simulates OKX's account-mode switch precheck: sCode 0 pass, 1 unmatched "
                                          "information (positions to close, borrowings to repay, isolated positions, "
                                          "the portfolio-margin equity minimum), 3 leverage not "
                                          "preset, 4 position-tier or margin check failed; margin before and after. "
                                          "Modes: spot (1), futures (2, spot and futures), mc (3), pm (4). "
                                          "JSON with --json: {sCode, reasons, mgnBf, mgnAft, currencyDiff, from, to, "
                                          "...}.")
    add_book_arguments(p)
    p.add_argument("--to", type=cli_mode, required=True, metavar="MODE",
                   help="target mode: spot, futures, mc, pm or OKX's acctLv 1-4")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.switch import switch_mode
    portfolio, market = load_inputs(args)
    result = switch_mode(portfolio, market, args.to)
    if args.json:
        print_json(result.to_dict())
    else:
        from engine.errors import safe_lines
        print(safe_lines(render(result)))
    return 0


def _ratio(x) -> str:
    return "-" if x is None else f"{x:,.2f}"


def render(result) -> str:
    b, a = result.before, result.after
    lines = [f"switch {MODE_NAMES[result.from_mode]} -> {MODE_NAMES[result.to_mode]}, rules {b.rules}, "
             f"market {b.ts:%Y-%m-%d %H:%M} UTC",
             f"  sCode {result.s_code}: {S_CODES[result.s_code]}"]
    for r in result.reasons:
        lines.append(f"    - {r}")
    lines += ["", f"  {'':<14}{'before':>18}{'after':>18}{'change':>18}"]
    for label, x, y in (("adjEq", b.adj_eq, a.adj_eq), ("totalMmr", b.total_mmr, a.total_mmr),
                        ("totalImr", b.total_imr, a.total_imr), ("acctAvailEq", b.avail_eq, a.avail_eq)):
        lines.append(f"  {label:<14}{fmt(x):>18}{fmt(y):>18}{fmt(y - x):>18}")
    lines.append(f"  {'mgnRatio':<14}{_ratio(b.margin_ratio):>18}{_ratio(a.margin_ratio):>18}")
    lines += ["", f"  {'risk unit':<14}{'MMR before':>18}{'MMR after':>18}{'IMR before':>18}{'IMR after':>18}"]
    for u in result.unit_diff:
        lines.append(f"  {u['riskUnit']:<14}{fmt(u['bf'].get('mmr')):>18}{fmt(u['aft'].get('mmr')):>18}"
                     f"{fmt(u['bf'].get('imr')):>18}{fmt(u['aft'].get('imr')):>18}")
    if "2" in (b.acct_lv, a.acct_lv):
        lines += ["", f"  {'currency':<10}{'eq before':>20}{'eq after':>20}{'availEq bf':>20}{'availEq aft':>20}"
                      f"{'ratio bf':>10}{'ratio aft':>10}"]
        for c in result.currency_diff:
            bf, aft = c["bf"], c["aft"]
            lines.append(f"  {c['ccy']:<10}{fmt(bf.get('eq'), 6):>20}{fmt(aft.get('eq'), 6):>20}"
                         f"{fmt(bf.get('availEq'), 6):>20}{fmt(aft.get('availEq'), 6):>20}"
                         f"{_ratio(bf.get('mgnRatio')):>10}{_ratio(aft.get('mgnRatio')):>10}")
        lines.append("  (currency units; futures mode: each currency margins the positions settled in it)")
    mc = a if a.acct_lv in ("2", "3") else b
    if mc.acct_lv in ("2", "3") and mc.positions:
        lines += ["", f"  {MODE_NAMES[result.to_mode if mc is a else result.from_mode]} positions "
                      f"({'after' if mc is a else 'before'}):",
                  f"  {'instId':<28}{'pos':>12}{'notionalUsd':>16}{'imr':>14}{'mmr':>14}{'lever':>8}{'tier':>6}"]
        for p in mc.positions:
            lever = "-" if p.lever is None else f"{p.lever:.1f}"
            tier = "-" if p.tier is None else str(p.tier)
            lines.append(f"  {p.inst_id:<28}{p.pos:>12,.2f}{fmt(p.notional_usd):>16}{fmt(p.imr):>14}{fmt(p.mmr):>14}"
                         f"{lever:>8}{tier:>6}")
    for n in result.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)
