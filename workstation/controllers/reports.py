"""The window's one-click outputs: the risk report of the open portfolio, and every table as CSV.

Nothing is computed here: the report is the window's current result and its charts as drawn (rendered to
images at the report's size), so writing it never waits for the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHART_ORDER = (("chart-stress.png", "StressChart"), ("chart-heatmap.png", "HeatmapChart"),
               ("chart-breakdown.png", "MrBreakdownChart"), ("chart-curve.png", "MarginCurveChart"))


def write_risk_report(window: Any, path: str | None = None) -> str | None:
    """Ask for a file (unless ``path``) and write the open portfolio's risk report; returns the path written."""
    from workstation.report_content import ReportInputs
    from workstation.report_render import IMAGE_SIZE, write_report

    doc = window.holder.doc
    if doc is None or window.result is None:
        window.status("No risk report yet: open a portfolio and wait for its result", error=True)
        return None
    path = path or window.ask_save_path("Risk report", f"{doc.name} risk report.pdf",
                                        "PDF (*.pdf);;HTML (*.html)")
    if not path:
        return None
    out = Path(path)
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        out = out.with_suffix(".pdf")
    images, notes = {}, {}
    for name, chart_name in CHART_ORDER:
        chart = window.charts.get(chart_name)
        if chart is not None:
            images[name] = chart.render_image(*IMAGE_SIZE)
            reason = chart.empty_reason() if hasattr(chart, "empty_reason") else ""
            if reason:
                notes[name] = " ".join(reason.split())
    unit = window.selected_unit or getattr(window, "selected_underlying", "")
    if unit:
        what = f"risk unit {unit}" if window.selected_unit else f"{unit} positions and balance"
        for name in ("chart-stress.png", "chart-heatmap.png"):
            notes.setdefault(name, what)
    if doc.whatif:
        moves = ", ".join(f"{c} {m * 100:+.1f} %" for c, m in sorted(doc.whatif.items()))
        notes = {k: f"{v}; what-if index move {moves} (not saved)" for k, v in notes.items()}
    source = getattr(window, "_snapshot_label", "") or "stored snapshot"
    inputs = ReportInputs(portfolio_name=doc.name, market_source=f"snapshot {source!r} in {window.store.path}"
                          if hasattr(window.store, "path") else f"snapshot {source!r}",
                          market_ts=doc.market.ts, chart_notes=notes)
    try:
        write_report(out, window.result, inputs, images)
    except (OSError, ValueError) as exc:
        window.show_error("Risk report", f"{out}: {exc}")
        return None
    if hasattr(window, "_remember_dir"):
        window._remember_dir(str(out))
    window.status(f"Wrote the risk report to {out}")
    return str(out)


def export_all_tables(window: Any, path: str | None = None) -> list[str]:
    """Write the risk units, positions and balances as CSV files (rounded values, units in the headers).

    ``path`` names the first file; the others get " positions" / " balances" instead of " risk units"."""
    doc = window.holder.doc
    if doc is None or window.result is None:
        window.status("Nothing to export yet: no result", error=True)
        return []
    path = path or window.ask_save_path("Export tables", f"{doc.name} risk units.csv", "CSV files (*.csv)")
    if not path:
        return []
    first = Path(path)
    stem = first.stem[: -len(" risk units")] if first.stem.endswith(" risk units") else first.stem
    targets = ((first, window.unit_model), (first.with_name(f"{stem} positions.csv"), window.editor.positions),
               (first.with_name(f"{stem} balances.csv"), window.editor.assets))
    written = []
    try:
        for target, model in targets:
            model.write_csv(str(target))
            written.append(str(target))
    except OSError as exc:
        window.show_error("Export", f"{exc.filename or path}: {exc.strerror or exc}")
        return written
    window.status(f"Wrote {len(written)} tables: {', '.join(Path(w).name for w in written)}")
    return written
