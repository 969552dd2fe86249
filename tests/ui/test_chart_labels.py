"""Chart labels never overlap: the margin curve's two liquidation labels in a quarter of a 1280x720 window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication


@pytest.mark.parametrize("size", [(215, 190), (215, 140), (400, 300)])
@pytest.mark.parametrize("liq", [(-0.05, 0.03), (-0.3, 0.3), (-0.9, 0.02)])
def test_liquidation_labels_never_overlap(qtbot, size, liq):
    from workstation.charts.margin_curve import MarginCurveChart

    chart = MarginCurveChart()
    qtbot.addWidget(chart)
    s = np.linspace(-1, 1, 201)
    chart.show_curve(s, 1e4 * (1 + s ** 2), 50 * (1 - s), liq)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    for _ in range(3):
        QApplication.processEvents()
    down, up = (line.label for line in chart.liq_lines)
    assert down.isVisible() and up.isVisible()
    a, b = down.sceneBoundingRect(), up.sceneBoundingRect()
    assert not a.intersects(b), f"labels overlap: {a} and {b}"
    view = chart.getPlotItem().getViewBox().sceneBoundingRect()
    assert view.top() <= b.top() and b.bottom() <= view.bottom()           # the moved label stays in the view
    for label in (down, up):                                                # and each still names its move
        assert "%" in label.textItem.toPlainText()
