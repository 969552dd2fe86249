"""Render the risk report: the four charts drawn offscreen into images, written as self-contained HTML or as PDF
through Qt's own QTextDocument + QPdfWriter (no browser, no extra package).

``chart_images`` draws fresh chart widgets from computed data (the command line); the window passes the images
of its own charts instead. Either way, nothing here computes margin.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Mapping

from workstation.report_content import CHARTS, ReportInputs, build_html

IMAGE_SIZE = (760, 500)                      # pixels of each chart image


def chart_images(outcome: Any, curve: Any, unit_charts: Any, theme_name: str = "light") -> dict[str, Any]:
    """QImages of the four charts, drawn offscreen from a compute_main outcome, a margin curve and unit charts."""
    from workstation.charts.breakdown import MrBreakdownChart
    from workstation.charts.heatmap import HeatmapChart
    from workstation.charts.margin_curve import MarginCurveChart
    from workstation.charts.stress import StressChart
    from workstation.theme import THEMES

    theme = THEMES[theme_name]
    charts = {name: cls() for name, cls in zip((c[0] for c in CHARTS),
                                               (StressChart, HeatmapChart, MrBreakdownChart, MarginCurveChart))}
    for chart in charts.values():
        chart.apply_theme(theme)
    stress, heat, breakdown, margin = charts.values()
    result = outcome.result
    if unit_charts is not None:
        if unit_charts.kind == "underlying":
            what = f"{unit_charts.unit} book"
            stress.show_pnl(unit_charts.moves, unit_charts.stress, f"Stress P&L \u2014 {what}")
            heat.show_grid(unit_charts.moves, unit_charts.vol_shifts, unit_charts.grid, contour=unit_charts.contour,
                           title=f"P&L \u2014 {what}")
        else:
            stress.show_unit(unit_charts.moves, unit_charts.stress, result.unit(unit_charts.unit))
            heat.show_grid(unit_charts.moves, unit_charts.vol_shifts, unit_charts.grid, contour=unit_charts.contour)
    breakdown.show_result(result)
    margin.show_curve(curve.shocks, curve.mmr, curve.margin_ratio, curve.liq_shock)
    images = {name: chart.render_image(*IMAGE_SIZE) for name, chart in charts.items()
              if not (unit_charts is None and name in ("chart-stress.png", "chart-heatmap.png"))}
    for chart in charts.values():
        chart.deleteLater()
    return images


def _png_bytes(image: Any) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def write_report(path: Path, result: Any, inputs: ReportInputs, images: Mapping[str, Any]) -> None:
    """Write the report to ``path``: ``.html`` (images inline as data URIs) or ``.pdf`` (A4 landscape)."""
    text = build_html(result, inputs, list(images))
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        for name, image in images.items():
            uri = "data:image/png;base64," + base64.b64encode(_png_bytes(image)).decode("ascii")
            text = text.replace(f'src="{name}"', f'src="{uri}"')
        path.write_text(text, encoding="utf-8")
        return
    if suffix != ".pdf":
        raise ValueError(f"{path}: expected a .pdf or .html file name")
    from PySide6.QtCore import QMarginsF, QSizeF, QUrl
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))
    writer.setTitle(f"Risk report {inputs.portfolio_name}")
    writer.setCreator("riskws")
    doc = QTextDocument()
    for name, image in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(text)
    # lay the document out on a page of the printable width in points, so 8 pt text prints as 8 pt
    rect = writer.pageLayout().paintRect(QPageLayout.Unit.Point)
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(writer)
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"{path}: the PDF was not written")
