"""``riskws margin PORTFOLIO --market MARKET [--mode spot|futures|mc|pm|1-4] [--rules ID] [--json]
[--liquidation | --no-liquidation]``."""

from __future__ import annotations

import argparse
import os

from workstation.commands.engine_args import add_book_arguments, add_mode_and_rules, fmt, load_inputs, print_json


def register(subparsers) -> None:
    p = subparsers.add_parser("margin", help="compute the margin of a portfolio file on a market snapshot",
                              description="Margin of one portfolio: a readable table, or the result JSON of "
                                          "formats.md section 3 with --json.")
    add_book_arguments(p)
    add_mode_and_rules(p)
    p.add_argument("--liquidation", action=argparse.BooleanOptionalAction, default=None,
                   help="search the liquidation moves (the index moves at which marginRatio falls to 1); by default "
                        f"only for books of at most {LIQUIDATION_MAX_POSITIONS:,} positions ({LIMIT_ENV} changes it): "
                        "the exact search revalues the book up to ~200 times")
    p.set_defaults(handler=run)


LIQUIDATION_MAX_POSITIONS = 50_000    # above this the search is skipped unless asked: on the 100k bench book it took
#                                      30+ s of CPU (about 180 revaluations), the rest of `margin` about 5 s (bench/README.md)
LIMIT_ENV = "RISKWS_LIQUIDATION_MAX_POSITIONS"


def liquidation_limit() -> int:
    """Positions up to which ``margin`` searches the liquidation moves by default (``LIMIT_ENV`` overrides)."""
    from engine.errors import InputError
    raw = os.environ.get(LIMIT_ENV)
    if raw is None or raw.strip() == "":
        return LIQUIDATION_MAX_POSITIONS
    if not (raw.strip().isascii() and raw.strip().isdigit()):
        raise InputError(f"environment: {LIMIT_ENV}: expected a whole number of positions, got {raw[:40]!r}")
    return int(raw.strip())


def skipped_note(n_positions: int, asked: bool | None, limit: int) -> dict:
    """``liqShockSkipped`` of the result JSON: why ``liqShock`` is null."""
    reason = ("--no-liquidation" if asked is False else
              f"{n_positions:,} positions, more than the {limit:,} searched by default ({LIMIT_ENV}); "
              "--liquidation searches")
    return {"positions": n_positions, "limit": limit, "reason": reason}


def run(args: argparse.Namespace) -> int:
    from engine import compute
    from engine.errors import safe_lines
    portfolio, market = load_inputs(args)
    limit = liquidation_limit()
    n = len(portfolio.positions)
    search = args.liquidation if args.liquidation is not None else n <= limit
    from workstation.commands.progress import Progress
    with Progress("liquidation search") as progress:
        result = compute(portfolio, market, mode=args.mode, rules=args.rules, liq_shock=search, progress=progress)
    if not search:
        from dataclasses import replace
        result = replace(result, extra={**result.extra, "liqShockSkipped": skipped_note(n, args.liquidation, limit)})
    if args.json:
        print_json(result.to_dict())
    else:
        print(safe_lines(render(result)))  # names and warnings come from the input
    return 0


def render(result) -> str:
    """A desk-readable table of the account and each risk unit."""
    from engine.modes import MODE_NAMES, MODE_OF_ACCT_LV
    mode = MODE_NAMES[MODE_OF_ACCT_LV[result.acct_lv]] + (" mode" if result.acct_lv in ("1", "2") else "")
    ratio = "-" if result.margin_ratio is None else f"{result.margin_ratio:,.2f}"
    lines = [f"{mode}, rules {result.rules}, market {result.ts:%Y-%m-%d %H:%M} UTC",
             f"  equity {fmt(result.eq)}  adjEq {fmt(result.adj_eq)}  upl {fmt(result.upl)} USD",
             f"  totalMmr {fmt(result.total_mmr)}  totalImr {fmt(result.total_imr)}  derivMmr {fmt(result.deriv_mmr)}"
             f"  borrowMmr {fmt(result.borrow_mmr)}  liqCost {fmt(result.liq_cost)}  marginRatio {ratio}"
             f" = adjEq / (totalMmr + liqCost)"]
    sources = result.extra.get("sources")
    if sources:
        from workstation.okx.age import describe_source
        m = sources["market"]
        lines.append(f"  market: {describe_source(m['source'] if m['source'] != 'file' else None, m['fetchedAt'] or m['ts'])}"
                     f"; contract specifications: {sources['instruments']}")
    skipped = result.extra.get("liqShockSkipped")
    if skipped:
        lines.append(f"  liquidation at index move: not searched ({skipped['reason']})")
    if result.liq_shock is not None:
        down, up = result.liq_shock
        lines.append("  liquidation at index move: "
                     f"down {'none within -100%' if down is None else f'{down:+.2%}'}, "
                     f"up {'none within +100%' if up is None else f'{up:+.2%}'}")
    if result.units:
        head = f"  {'unit':<10}" + "".join(f"{k:>12}" for k in ("delta", "mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7",
                                                                   "mr9", "mmr", "imr", "spotInUse"))
        lines += ["", head]
        for u in result.units:
            cells = [u.delta] + [u.mr[k] for k in ("mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7", "mr9")] + [u.mmr, u.imr]
            row = f"  {u.risk_unit:<10}" + "".join(f"{fmt(c, 0):>12}" for c in cells) + f"{u.spot_in_use:>12.4f}"
            lines.append(row)
            if u.assumed:
                lines.append(f"  {'':<10}  assumed parameters in: {', '.join(u.assumed)}")
        lines.append(f"  (mr8 = borrowMmr {fmt(result.borrow_mmr)} at account level)")
    if result.acct_lv == "2":
        lines += ["", f"  {'currency':<10}{'eq':>16}{'imr':>14}{'mmr':>14}{'availEq':>16}{'mgnRatio':>12}"
                      f"{'eqUsd':>16}{'mmrUsd':>14}", ]
        for d in result.extra.get("details", []):
            ratio_c = "-" if d["mgnRatio"] is None else f"{d['mgnRatio']:,.2f}"
            lines.append(f"  {d['ccy']:<10}{fmt(d['eq'], 6):>16}{fmt(d['imr'], 6):>14}{fmt(d['mmr'], 6):>14}"
                         f"{fmt(d['availEq'], 6):>16}{ratio_c:>12}{fmt(d['eqUsd']):>16}{fmt(d['mmrUsd']):>14}")
        lines.append("  (each currency margins only the positions settled in it; marginRatio above is the lowest)")
    if result.positions:
        lines += ["", f"  {'instId':<28}{'pos':>12}{'notionalUsd':>16}{'imr':>14}{'mmr':>14}{'lever':>8}{'tier':>6}"]
        for p in result.positions:
            lines.append(f"  {p.inst_id:<28}{p.pos:>12,.2f}{fmt(p.notional_usd):>16}{fmt(p.imr):>14}{fmt(p.mmr):>14}"
                         f"{(p.lever or 0):>8.1f}{(p.tier or 0):>6}")
    for w in result.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)
