"""``riskws report PORTFOLIO --market MARKET --out FILE.pdf|FILE.html``: the risk report of a book, scriptable.

A morning run: the account summary, the risk units with their MR breakdown, the positions, the four charts
(drawn offscreen), the rule set, the market's source and age, and every assumed parameter the figures rest on.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from workstation.commands.engine_args import add_mode_and_rules


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="write a risk report (PDF or HTML) of a portfolio file",
                              description="Compute the portfolio on the market snapshot and write a risk report: "
                                          "account summary, risk units with MR1..MR9, positions, the four charts, "
                                          "rule set, market source and age, and the assumed parameters used. "
                                          "Needs no display (rendered offscreen).")
    p.add_argument("portfolio", metavar="PORTFOLIO", type=Path, help="portfolio file (formats.md section 1)")
    p.add_argument("--market", metavar="MARKET", type=Path, required=True,
                   help="market snapshot file (formats.md section 2)")
    p.add_argument("--out", metavar="FILE", type=Path, required=True, help="output file: .pdf or .html")
    p.add_argument("--theme", choices=("light", "dark"), default="light", help="chart colours (default light)")
    add_mode_and_rules(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int | None:
    from dataclasses import replace as dc_replace

    from engine.errors import InputError

    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InputError(f"--out {out}: expected a .pdf or .html file name")
    if not out.parent.exists():
        raise InputError(f"--out {out}: the folder {out.parent} does not exist")
    from workstation.commands.engine_args import load_inputs
    portfolio, market = load_inputs(args)
    if args.mode is not None:
        from engine.portfolio import ACCT_LEVELS
        portfolio = dc_replace(portfolio, acct_lv={m: lv for lv, m in ACCT_LEVELS.items()}[args.mode])
    if args.rules is not None:
        portfolio = dc_replace(portfolio, rules=args.rules)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workstation.commands.gui import display_problem
    problem = display_problem()
    if problem is not None:
        raise InputError(f"cannot render the charts with QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}: "
                         f"{problem}; unset it to render offscreen")

    from workstation.app import _ensure_qapp
    from workstation.report_content import ReportInputs
    from workstation.report_render import chart_images, write_report
    from workstation.services import jobs

    _ensure_qapp()
    outcome = jobs.compute_main(portfolio, market)
    curve = jobs.compute_curve(portfolio, market)
    result = dc_replace(outcome.result, liq_shock=curve.liq_shock)
    unit_charts, notes = None, {}
    if result.units:
        unit = max(result.units, key=lambda u: u.mmr).risk_unit
        unit_charts = jobs.compute_unit(outcome.prepared, unit, outcome.spot_in_use)
        notes["chart-stress.png"] = notes["chart-heatmap.png"] = f"risk unit {unit} (the largest MMR)"
    else:
        from engine.underlying import underlyings
        names = underlyings(outcome.prepared)
        if names:
            unit_charts = jobs.compute_underlying(outcome.prepared, names[0])
            notes["chart-stress.png"] = notes["chart-heatmap.png"] = \
                f"{names[0]} positions and balance (the largest notional)"
        else:
            notes["chart-stress.png"] = notes["chart-heatmap.png"] = "no positions"
    images = chart_images(dc_replace(outcome, result=result), curve, unit_charts, args.theme)
    note = ""
    try:
        import json
        note = str(json.loads(Path(args.market).read_text(encoding="utf-8")).get("note") or "")
    except (OSError, ValueError, AttributeError):
        note = ""
    inputs = ReportInputs(portfolio_name=portfolio.name or Path(args.portfolio).stem,
                          market_source=str(args.market), market_ts=market.ts, market_note=note, chart_notes=notes)
    try:
        write_report(out, result, inputs, images)
    except OSError as exc:
        from workstation.cli import CommandError
        raise CommandError(f"{out}: cannot write the report: {exc}") from None
    print(f"wrote {out}")
    return 0
