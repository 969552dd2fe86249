"""What one what-if step repaints (issue 16, the window's thread): every chart the step changed exactly once, no
chart it did not change, all of them in one repaint pass of the window, and no new layout of the whole window
because a label's text changed. Counted with Qt's own events (Paint per chart viewport, the window's
UpdateRequest, LayoutRequest); no timing is asserted."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QObject, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QSizePolicy, QVBoxLayout, QWidget  # noqa: E402

from conftest import WAIT_MS, wait_settled  # noqa: E402


class EventLog(QObject):
    """Application-wide filter: each chart viewport's Paint events, numbered by the window repaint pass they fall in
    (a pass = the window handling an UpdateRequest), and LayoutRequests reaching the main window."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.names = {c.viewport(): n for n, c in window.charts.items()}
        self.pass_no = 0
        self.paints: list[tuple[str, int]] = []
        self.window_layouts = 0
        self.layouts: list[str] = []

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        t = event.type()
        if t == QEvent.Type.UpdateRequest and obj is self.window:
            self.pass_no += 1
        elif t == QEvent.Type.Paint:
            name = self.names.get(obj)
            if name is None and obj is self.window.summary.values["totalMmr"]:
                name = "summary"
            if name is not None:
                self.paints.append((name, self.pass_no))
        elif t == QEvent.Type.LayoutRequest:
            self.window_layouts += obj is self.window
            self.layouts.append(f"{type(obj).__name__}:{obj.objectName()}")
        return False


@pytest.fixture
def held_curve(monkeypatch):
    """The live margin curve waits until the test lets it go, so that no curve lands inside a counted step."""
    from workstation.services.curve_process import CurveProcess
    gate = threading.Event()
    real = CurveProcess.curve

    def gated(self, *args, **kwargs):
        gate.wait(30)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(CurveProcess, "curve", gated)
    yield gate
    gate.set()


def test_a_what_if_step_repaints_each_changed_chart_once_in_one_pass(qtbot, window, held_curve):
    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems("BTC delta-neutral options book", Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)
    slider = window.market_panel.whatif._slider["index:BTC"]
    shown: list = []
    window.resultShown.connect(shown.append)
    log = EventLog(window)
    app = QApplication.instance()
    slider.setSliderDown(True)
    try:
        for k, position in enumerate((-100, -220, -340, -460)):
            qtbot.wait(80)                                  # past the panel's throttle: each move is a step
            before = len(shown)
            app.installEventFilter(log)
            log.paints.clear()
            log.window_layouts = 0
            log.layouts.clear()
            slider.setValue(position)
            qtbot.waitUntil(lambda: len(shown) > before, timeout=WAIT_MS)
            for _ in range(5):                              # the repaint the result scheduled, and anything after it
                app.processEvents()
            app.removeEventFilter(log)
            if k == 0:          # the drag's first step (notes appear, the curve turns live): a change of state
                continue
            charts = [name for name, _ in log.paints if name != "summary"]
            # the step changed the stress curves, the heatmap and the MMR breakdown: each painted once; the margin
            # curve did not change (its live curve is held back): not painted
            assert sorted(charts) == ["HeatmapChart", "MrBreakdownChart", "StressChart"], (k, log.paints)
            # in one pass of the window, with the summary's new figures
            assert len({p for _, p in log.paints}) == 1, (k, log.paints)
            assert ("summary", log.paints[0][1]) in log.paints
            # no label's new figures made the whole window lay itself out again
            assert log.window_layouts == 0, (k, log.layouts)
    finally:
        slider.setSliderDown(False)
        held_curve.set()
    wait_settled(qtbot, window)
    # the margin ratio's tooltip (not written during the steps) tells the released what-if's arithmetic
    from workstation.widgets.summary import ratio_tooltip
    assert window.holder.doc.scenario is not None and window.result.margin_ratio is not None
    assert window.summary.values["marginRatio"].toolTip() == ratio_tooltip(window.result)
    assert f"{window.result.margin_ratio:,.2f}" in window.summary.values["marginRatio"].text()


def _column(child: QWidget, barrier: bool) -> tuple[QWidget, QWidget]:
    from workstation.widgets.layout_barrier import LayoutBarrier
    top = QWidget()
    lay = QVBoxLayout(top)
    lay.addWidget(LayoutBarrier(child) if barrier else child)
    below = QLabel("below")
    lay.addWidget(below, 1)
    return top, below


def test_a_layout_barrier_keeps_the_geometry_and_passes_on_only_real_size_changes(qtbot):
    texts = ("What-if (not saved with the book): BTC -1.00 %", "What-if (not saved with the book): BTC -12.50 %")
    tops = []
    for barrier in (False, True):
        label = QLabel(texts[0])
        label.setWordWrap(True)                     # as the what-if panel's state line: its width is the column's
        policy = label.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        label.setSizePolicy(policy)
        top, below = _column(label, barrier)
        qtbot.addWidget(top)
        top.resize(180, 300)
        top.show()
        for _ in range(3):                         # shown, laid out, and the barrier's height for its width passed on
            QApplication.processEvents()
        tops.append((top, label, below))
    (plain_top, plain, plain_below), (top, label, below) = tops
    assert label.size() == plain.size() and below.geometry() == plain_below.geometry()

    requests = []

    class Spy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.LayoutRequest and obj is top:
                requests.append(obj)
            return False
    spy = Spy()
    top.installEventFilter(spy)
    label.setText(texts[1])                      # same number of lines at this width: nothing above moves
    plain.setText(texts[1])
    for _ in range(3):
        QApplication.processEvents()
    assert requests == []
    assert label.size() == plain.size() and below.geometry() == plain_below.geometry()
    longer = texts[1] + ", vol BTC +5.00 pts, 1.5 d later, USDT 0.9900"
    label.setText(longer)                        # more lines: the layout above makes room, as without the barrier
    plain.setText(longer)
    for _ in range(3):
        QApplication.processEvents()
    assert requests, "a taller label did not ask the layout above for room"
    assert label.height() > 0 and label.size() == plain.size()
    assert below.geometry() == plain_below.geometry()
