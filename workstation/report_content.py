"""The risk report's text: one HTML document (Qt's rich-text subset, so QTextDocument can print it to PDF).

Built from a computed ``MarginResult`` and what the caller knows about the inputs (``ReportInputs``); charts are
referred to by image names (``chart-*.png``) that the writer embeds. No computation happens here.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from workstation.numstyle import amount_style, columns_formatted, grouped_texts, money_style

SECTIONS = ("Account summary", "Risk units and MR breakdown", "Positions", "Charts", "Rule set and market",
            "Assumed parameters")
CHARTS = (("chart-stress.png", "Stress P&L"), ("chart-heatmap.png", "Index x vol P&L heatmap"),
          ("chart-breakdown.png", "Margin breakdown"), ("chart-curve.png", "MMR and margin ratio vs index move"))
# two charts side by side within the PDF's printable width (A4 landscape less 12 mm margins: 774 pt): at 460 the
# right-hand charts ran 160 pt past the page edge and were cut; at 290 both rows fit one page (186 mm = 527 pt)
CHART_WIDTH = 290
MODE_NAMES = {"4": "Portfolio margin (acctLv 4)", "3": "Multi-currency margin (acctLv 3)"}


@dataclass(frozen=True)
class ReportInputs:
    """What the report says about its inputs (the result itself does not know where they came from)."""

    portfolio_name: str
    market_source: str                       # a file path or a stored snapshot's name
    market_ts: datetime
    generated: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    market_note: str = ""
    chart_notes: dict[str, str] = field(default_factory=dict)   # image name -> what the chart shows


# -- number style: one per kind, no scientific notation, no "-0" ----------------------------------------------------
def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))


def money(x: Any, decimals: int = 0) -> str:
    """USD figures: thousands separators, fixed decimals, never "-0"."""
    if not _finite(x):
        return "\u2014"
    text = f"{float(x):,.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def amount(x: Any) -> str:
    """Coin amounts and contracts: up to 6 decimals, trailing zeros dropped."""
    if not _finite(x):
        return "\u2014"
    text = f"{float(x):,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def price(x: Any, unit: str) -> str:
    """A price with its unit; coin-quoted option marks keep 4 significant decimals, never "e-05"."""
    if not _finite(x):
        return "\u2014"
    v = float(x)
    if abs(v) >= 1000:
        text = f"{v:,.1f}"
    elif abs(v) >= 1:
        text = f"{v:,.4f}".rstrip("0").rstrip(".")
    elif v == 0:
        text = "0"
    else:
        digits = max(4, 3 - int(math.floor(math.log10(abs(v)))))
        text = f"{v:.{min(digits, 10)}f}".rstrip("0")
    return f"{text} {unit}".strip()


def styled_rows(rows: Sequence[Sequence[Any]], kinds: Sequence[str | None]) -> list[list[str]]:
    """Rows of raw values written with one style per column, as the workstation's tables write them: "usd" columns
    in one money style (whole dollars, or cents when the column's largest figure is below 100), "amount" columns
    with the decimals they need; None: the value as text."""
    makers = {"usd": money_style, "amount": amount_style, None: None}
    cols = columns_formatted([[r[i] for r in rows] for i in range(len(kinds))], [makers[k] for k in kinds])
    return [list(cells) for cells in zip(*cols)] if rows else []


def pct(x: Any) -> str:
    return "\u2014" if not _finite(x) else money(float(x) * 100, 1) + " %"


def mark_unit(inst_id: str, inst_type: str) -> str:
    """The unit of a position's mark: options in the coin, futures/perpetuals in their quote currency."""
    parts = inst_id.split("-")
    if str(inst_type).upper() == "OPTION":
        return parts[0]
    if str(inst_type).upper() == "SPOT" or len(parts) < 2:
        return "USD"
    return parts[1]


def age(generated: datetime, ts: datetime) -> str:
    seconds = (generated - ts).total_seconds()
    if seconds < 0:
        return "in the future of the report time"
    hours = seconds / 3600
    if hours < 48:
        return f"{hours:,.1f} hours old"
    return f"{hours / 24:,.1f} days old"


# -- HTML pieces --------------------------------------------------------------------------------------------------
def _esc(x: Any) -> str:
    return html.escape(str(x))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric_from: int = 1) -> str:
    """A bordered table; columns from ``numeric_from`` on are right-aligned. The first column (instrument ids, unit
    and figure names) never wraps: the PDF broke "BTC-USD-250214-100000-C" over three lines."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td align="{"right" if i >= numeric_from else "left"}"{" nowrap" if i == 0 else ""}>'
                        f'{_esc(c)}</td>' for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return (f'<table border="1" cellspacing="0" cellpadding="3" width="100%"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def assumed_parameters(result: Any) -> list[tuple[str, str]]:
    """(parameter, the figures resting on it) for every assumed parameter the result used."""
    uses: dict[str, set[str]] = {}

    def add(params: Any, where: str) -> None:
        for figure, names in dict(params or {}).items():
            for name in names:
                uses.setdefault(str(name), set()).add(f"{where}{figure}")

    add(result.extra.get("assumedParams"), "account ")
    for u in result.units:
        add(getattr(u, "assumed_params", None), f"{u.risk_unit} ")
    for p in all_positions(result) if result.acct_lv == "3" else ():
        add(getattr(p, "assumed_params", None), f"{p.inst_id} ")
    return [(name, ", ".join(sorted(where))) for name, where in sorted(uses.items())]


def _summary(result: Any) -> str:
    liq = result.liq_shock or (None, None)
    liq_text = ", ".join(f"{side} {pct(v)}" for side, v in zip(("down", "up"), liq) if v is not None) or \
        "beyond \u00b1100 % (not reached)"
    ratio = "no margin needed" if result.margin_ratio is None else money(result.margin_ratio, 2)
    rows = [("Mode", MODE_NAMES.get(result.acct_lv, f"acctLv {result.acct_lv}")), ("Rule set", result.rules),
            ("Equity (USD)", money(result.eq)), ("Adjusted equity (USD)", money(result.adj_eq)),
            ("Total IMR (USD)", money(result.total_imr)), ("Total MMR (USD)", money(result.total_mmr)),
            ("of which derivatives MMR (USD)", money(result.deriv_mmr)),
            ("of which borrowing MMR, MR8 (USD)", money(result.borrow_mmr)),
            ("Margin ratio (adjEq / MMR)", ratio), ("Available equity (USD)", money(result.avail_eq)),
            ("Floating P&L (USD)", money(result.upl)), ("Liquidation at index move", liq_text)]
    return table(("Figure", "Value"), rows)


def all_positions(result: Any) -> list[Any]:
    """Every position row: multi-currency results list them; portfolio margin keeps them under their units."""
    if len(result.positions):
        return list(result.positions)
    return [p for u in result.units for p in u.positions]


def _units(result: Any) -> str:
    if not result.units:
        return ("<p>Multi-currency mode has no risk units: the margin of each position is in the positions "
                "table (IMR, MMR columns) and by instrument family in the margin breakdown chart.</p>")
    rows = styled_rows([(u.risk_unit, u.delta, u.gamma, u.vega, u.theta, u.spot_in_use, u.max_spot_in_use)
                        for u in result.units], (None, "usd", "usd", "usd", "usd", "amount", "amount"))
    for row, u in zip(rows, result.units):
        row[5:7] = [f"{row[5]} {u.ccy}", f"{row[6]} {u.ccy}"]
    greeks = table(("Unit", "Delta (USD)", "Gamma (USD per 1 %)", "Vega (USD per vol pt)", "Theta (USD per day)",
                    "Spot in use", "Max spot in use"), rows)
    mrs = ("mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7", "mr9")
    breakdown = table(("Unit", *(m.upper() for m in mrs), "MMR", "IMR"),
                      styled_rows([(u.risk_unit, *(u.mr.get(m) for m in mrs), u.mmr, u.imr) for u in result.units],
                                  (None, *("usd",) * (len(mrs) + 2))))
    note = ("<p>MR1..MR9, MMR and IMR in USD. MR8 (borrowing) is an account figure, shown once in the account "
            f"summary ({money(result.borrow_mmr)} USD), not per unit.</p>")
    return greeks + "<p></p>" + breakdown + note


def _positions(result: Any) -> str:
    mc = result.acct_lv == "3"
    headers = ["Instrument", "Contracts", "Avg price", "Mark", "Notional (USD)", "Delta (USD)", "Float P&L (USD)"]
    if mc:
        headers += ["IMR (USD)", "MMR (USD)"]
    raw = []
    for p in all_positions(result):
        unit = mark_unit(p.inst_id, p.inst_type)
        row = [p.inst_id, p.pos, price(p.avg_px, unit) if p.avg_px is not None else "\u2014",
               price(p.mark_px, unit), p.notional_usd, p.delta, p.float_pnl]
        if mc:
            row += [getattr(p, "imr", None), getattr(p, "mmr", None)]
        raw.append(row)
    # prices keep their per-instrument digits (each row its own tick and unit); the other columns one style each
    rows = styled_rows(raw, (None, None, None, None, "usd", "usd", "usd") + (("usd", "usd") if mc else ()))
    # contracts, and the coin of a spot-in-use row: one style per unit
    spot = [str(p.inst_type).upper() == "SPOT" for p in all_positions(result)]
    for row, text in zip(rows, grouped_texts([r[1] for r in raw], spot, amount_style)):
        row[1] = text
    if not rows:
        return "<p>No positions.</p>"
    return table(headers, rows) + ("<p>Marks: options in the underlying coin per coin of underlying; futures and "
                                   "perpetuals in their quote currency.</p>")


def _charts(inputs: ReportInputs, images: Sequence[str]) -> str:
    cells = []
    for name, title in CHARTS:
        if name in images:
            note = inputs.chart_notes.get(name, "")
            cells.append(f'<td align="center"><b>{_esc(title)}</b><br><img src="{name}" width="{CHART_WIDTH}"><br>'
                         f'<small>{_esc(note)}</small></td>')
        else:
            cells.append(f"<td><b>{_esc(title)}</b><br>(not drawn: {_esc(inputs.chart_notes.get(name, 'no data'))})"
                         "</td>")
    return (f'<table cellspacing="0" cellpadding="4"><tr>{cells[0]}{cells[1]}</tr>'
            f"<tr>{cells[2]}{cells[3]}</tr></table>")


def _rules_and_market(result: Any, inputs: ReportInputs) -> str:
    rows = [("Rule set", result.rules), ("Market source", inputs.market_source),
            ("Market time (UTC)", inputs.market_ts.strftime("%Y-%m-%d %H:%M")),
            ("Market age at report time", age(inputs.generated, inputs.market_ts))]
    if inputs.market_note:
        rows.append(("Market note", inputs.market_note))
    return table(("Input", "Value"), rows)


def _assumed(result: Any) -> str:
    rows = assumed_parameters(result)
    if not rows:
        return "<p>No figure of this report rests on an assumed parameter.</p>"
    intro = ("<p>OKX does not publish these parameters; riskws uses versioned project assumptions "
             "(resources/rules/). The figures listed rest on them.</p>")
    return intro + table(("Assumed parameter", "Figures resting on it"), rows, numeric_from=99)


def build_html(result: Any, inputs: ReportInputs, images: Sequence[str]) -> str:
    """The whole report as HTML; ``images`` are the chart image names that will be available."""
    parts = [f"<h1>Risk report \u2014 {_esc(inputs.portfolio_name)}</h1>",
             f"<p>Generated {inputs.generated.strftime('%Y-%m-%d %H:%M UTC')} by riskws (offline computation "
             f"of OKX unified-account margin). Market {inputs.market_ts.strftime('%Y-%m-%d %H:%M UTC')}, "
             f"{_esc(age(inputs.generated, inputs.market_ts))}.</p>"]
    bodies = (_summary(result), _units(result), _positions(result), _charts(inputs, images),
              _rules_and_market(result, inputs), _assumed(result))
    for title, body in zip(SECTIONS, bodies):
        # the charts start a page: their titles were left at the foot of one page, the images on the next
        brk = '<p style="page-break-before: always; margin: 0"></p>' if title == "Charts" else ""
        parts.append(f"{brk}<h2>{_esc(title)}</h2>{body}")
    if result.warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{_esc(w)}</li>" for w in result.warnings) + "</ul>")
    style = ("<style>body{font-family:'DejaVu Sans',sans-serif;font-size:8pt} h1{font-size:14pt} "
             "h2{font-size:11pt;margin-top:10px} th{background:#e8e8e8}</style>")
    return f"<html><head><meta charset='utf-8'><title>Risk report</title>{style}</head><body>{''.join(parts)}</body></html>"
