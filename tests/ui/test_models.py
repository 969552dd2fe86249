"""Table models checked with pytest-qt's qtmodeltester, plus sorting and the assumed-parameter marking."""

from __future__ import annotations

import pytest

# Qt warnings fail a test; the offscreen platform plugin's own notices are not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")]
from PySide6.QtCore import Qt


@pytest.fixture(scope="module")
def results():
    """Engine results of the demo portfolios (engine called directly, not through the GUI)."""
    from db.demo import demo_market, demo_portfolios
    from engine import api

    market = demo_market()
    out = {}
    for p in demo_portfolios():
        if p.acct_lv == "4":
            out[p.name] = (p, market, api.compute(p, market, liq_shock=False))
    return out


def test_risk_unit_model(qtmodeltester, results):
    from workstation.models import RiskUnitModel

    m = RiskUnitModel()
    p, market, r = results["Directional delta-one book"]
    m.set_units(r.units)
    qtmodeltester.check(m, force_py=True)
    m.sort(m.column_index("mmr"), Qt.SortOrder.DescendingOrder)
    mmrs = [m.index(i, m.column_index("mmr")).data(Qt.ItemDataRole.UserRole) for i in range(m.rowCount())]
    assert mmrs == sorted((u.mmr for u in r.units), reverse=True)
    qtmodeltester.check(m, force_py=True)


def test_assumed_figures_are_marked_with_dagger_italic_and_named_parameter(qtmodeltester, results):
    from workstation.models import RiskUnitModel

    m = RiskUnitModel()
    unit = next(u for _p, _m, r in results.values() for u in r.units if u.assumed and u.assumed_params)
    m.set_units([unit])
    figure = next(k for k in unit.assumed if k in unit.assumed_params and unit.assumed_params[k])
    idx = m.index(0, m.column_index(figure))
    assert idx.data().endswith("\u2020")
    assert idx.data(Qt.ItemDataRole.FontRole).italic()
    tip = idx.data(Qt.ItemDataRole.ToolTipRole)
    for param in unit.assumed_params[figure]:
        assert param in tip
    plain = next((c for c in m.columns if c.assumed_key and c.assumed_key not in unit.assumed), None)
    if plain is not None:
        assert "\u2020" not in m.index(0, m.columns.index(plain)).data()


def test_position_model_edit_flow(qtmodeltester, results):
    from workstation.models import PositionModel

    p, market, r = results["BTC delta-neutral options book"]
    m = PositionModel()
    m.set_book(p.positions, {x.inst_id: x for x in r.positions}, market.ts)
    qtmodeltester.check(m, force_py=True)
    edits = []
    m.on_edit = lambda positions, text: edits.append((positions, text))
    assert m.setData(m.index(0, m.column_index("pos")), "  12.5 ")
    assert edits[-1][0][0].pos == 12.5 and edits[-1][0][1:] == p.positions[1:]
    assert not m.setData(m.index(0, m.column_index("markPx")), "1")    # not editable
    assert m.setData(m.index(0, m.column_index("avgPx")), "1234.5")
    assert edits[-1][0][0].avg_px == 1234.5
    # the model does not change its rows on edit (the document does); refresh it as the window would
    m.set_book(edits[-1][0], {}, market.ts)
    assert not m.setData(m.index(0, m.column_index("avgPx")), "1234.5")   # unchanged: nothing to record
    assert m.setData(m.index(0, m.column_index("avgPx")), "")             # back to the mark
    assert edits[-1][0][0].avg_px is None
    assert len(edits) == 3


def test_asset_and_index_models(qtmodeltester, results):
    from workstation.models import AssetModel, IndexModel

    p, market, r = results["Cross-stablecoin hedge"]
    a = AssetModel()
    a.set_book(p.assets, {x.ccy: x for x in r.assets})
    qtmodeltester.check(a, force_py=True)
    i = IndexModel()
    i.set_market(market, {"BTC": -0.1})
    qtmodeltester.check(i, force_py=True)
    row = next(k for k in range(i.rowCount()) if i.index(k, 0).data() == "BTC-USD")
    assert i.index(row, 2).data(Qt.ItemDataRole.UserRole) == pytest.approx(market.index["BTC-USD"] * 0.9)


def test_editing_a_sorted_view_keeps_the_book_order(results):
    from workstation.models import PositionModel

    p, market, r = results["BTC delta-neutral options book"]
    m = PositionModel()
    m.set_book(p.positions, {}, market.ts)
    m.sort(m.column_index("pos"), Qt.SortOrder.DescendingOrder)
    edits = []
    m.on_edit = lambda positions, text: edits.append(positions)
    top = m.index(0, m.column_index("instId")).data()
    assert m.setData(m.index(0, m.column_index("pos")), "7")
    assert [q.inst_id for q in edits[-1]] == [q.inst_id for q in p.positions]
    assert next(q.pos for q in edits[-1] if q.inst_id == top) == 7


def test_small_table_refresh_signals_only_the_cells_that_look_different(qtbot):
    from types import SimpleNamespace

    from workstation.models.columns import Column, ColumnTableModel, fmt_money
    cols = [Column("a", "A", lambda r: r.a, fmt_money, numeric=True), Column("b", "B", lambda r: r.b, fmt_money),
            Column("c", "C", lambda r: r.c, fmt_money), Column("d", "D", lambda r: r.d, fmt_money)]
    model = ColumnTableModel(cols)
    model.set_rows([SimpleNamespace(a=1.0, b=2.0, c=3.0, d=4.0), SimpleNamespace(a=5.0, b=6.0, c=7.0, d=8.0)])
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda tl, br, *_: seen.append((tl.row(), tl.column(), br.row(), br.column())))
    # row 0: b changes, and c only below the shown precision; row 1: no value changes, but column b's style goes
    # from cents ("6.00", its largest figure below 100) to whole dollars ("6", beside 2,500): that cell repaints too
    model.set_rows([SimpleNamespace(a=1.0, b=2.5e3, c=3.0000001, d=4.0), SimpleNamespace(a=5.0, b=6.0, c=7.0, d=8.0)])
    assert seen == [(0, 1, 0, 1), (1, 1, 1, 1)]
    assert model.data(model.index(0, 1)) == fmt_money(2.5e3)          # and the new text is what the view reads
    assert model.data(model.index(1, 1)) == "6"
    seen.clear()
    model.set_rows([SimpleNamespace(a=-1.0, b=2.5e3, c=3.0, d=9.0), SimpleNamespace(a=5.0, b=6.0, c=7.0, d=8.0)])
    assert seen == [(0, 0, 0, 0), (0, 3, 0, 3)]                       # one signal per run of changed cells


def test_a_refreshed_cell_reads_what_a_reset_model_reads(qapp):
    """After a refresh that signals only the changed cells (set_rows keeps each cell's look), every role of every
    cell is what a model filled from scratch answers: text with the assumed dagger, colour, italic, alignment."""
    from types import SimpleNamespace

    from PySide6.QtGui import QColor

    from workstation.models.columns import ColumnTableModel, Column, fmt_money, sign_colour
    from workstation.theme import DARK, LIGHT

    cols = [Column("name", "Name", lambda r: r.name),
            Column("a", "A", lambda r: r.a, fmt_money, numeric=True, colour=sign_colour, assumed_key="a"),
            Column("b", "B", lambda r: r.b, fmt_money, numeric=True)]

    def row(name, a, b, assumed=()):
        return SimpleNamespace(name=name, a=a, b=b, assumed=assumed, assumed_params={"a": ("mr1.shock",)})

    first = [row("x", 1.0, 2.0), row("y", 5.0, 6.0, ("a",))]
    second = [row("x", -1500.0, 2.0), row("y", 7.0, 6.0, ("a",))]
    stepped = ColumnTableModel(cols)
    stepped.set_rows(first)
    stepped.set_rows(second)                     # a step: same rows, new figures
    fresh = ColumnTableModel(cols)
    fresh.set_rows(second)                       # a reset: nothing kept
    assert stepped._looks is not None and fresh._looks is None
    R = Qt.ItemDataRole
    roles = (R.DisplayRole, R.ForegroundRole, R.FontRole, R.TextAlignmentRole, R.EditRole, R.ToolTipRole,
             R.DecorationRole, R.BackgroundRole, R.CheckStateRole)
    for r in range(2):
        for c in range(3):
            for role in roles:
                assert stepped.data(stepped.index(r, c), role) == fresh.data(fresh.index(r, c), role), (r, c, role)
    # written out: "-1,500" in the negative colour; the assumed cell with its dagger, italic, warning colour
    assert stepped.data(stepped.index(0, 1)) == "-1,500"
    assert stepped.data(stepped.index(0, 1), R.ForegroundRole) == QColor(LIGHT.negative)
    assert stepped.data(stepped.index(1, 1)) == "7 \u2020"          # whole dollars: the column holds 1,500
    assert stepped.data(stepped.index(1, 1), R.ForegroundRole) == QColor(LIGHT.warning)
    assert stepped.data(stepped.index(1, 1), R.FontRole).italic()
    assert stepped.data(stepped.index(0, 2), R.FontRole) is None
    assert stepped.data(stepped.index(0, 1), R.TextAlignmentRole) == int(Qt.AlignmentFlag.AlignRight
                                                                         | Qt.AlignmentFlag.AlignVCenter)
    assert stepped.data(stepped.index(0, 0), R.TextAlignmentRole) == int(Qt.AlignmentFlag.AlignLeft
                                                                         | Qt.AlignmentFlag.AlignVCenter)
    stepped.set_theme(DARK)                      # a theme change: the colours follow
    assert stepped.data(stepped.index(0, 1), R.ForegroundRole) == QColor(DARK.negative)
