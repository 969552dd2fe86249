"""One number style per column (issue 15 item 7): a column never shows "0.00" beside "4,302", nor "1.21M" beside a
full figure, and never "-0.00". Expected texts are written out by hand from the rule in ``workstation.numstyle``:
whole dollars when the column's largest |value| is at least 100 (else cents); a dense column whose largest figure
has more than five digits is written in thousands ("k"), millions ("M") or billions ("B"), all its cells alike."""

from __future__ import annotations

import random
import re
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from workstation.numstyle import amount_style, money_style

NEGATIVE_ZERO = re.compile(r"^[-\u2212]0([.,]0*)?[kMB]?$")


def style_of(text: str) -> tuple[int, str]:
    """(decimals, scale suffix) of a written figure: what "one style" means for a column."""
    body = text.lstrip("+-")
    suffix = body[-1] if body and body[-1] in "kMB" else ""
    body = body.rstrip("kMB")
    return (len(body.split(".")[1]) if "." in body else 0), suffix


def one_style(texts: list[str]) -> bool:
    return len({style_of(t) for t in texts if t and t != "\u2014"}) <= 1


def test_a_money_column_of_cents_and_thousands_has_one_style():
    style = money_style([0.004, 12.5, 4302.0, -0.4])
    # largest |value| 4,302 >= 100: whole dollars for all; 12.5 rounds half away from zero; -0.4 rounds to 0, unsigned
    assert [style(v) for v in (0.004, 12.5, 4302.0, -0.4)] == ["0", "13", "4,302", "0"]
    small = money_style([0.004, 12.5, -0.001])           # largest below 100: cents for all
    assert [small(v) for v in (0.004, 12.5, -0.001)] == ["0.00", "12.50", "0.00"]
    nothing = money_style([0.0, -0.001, 0.004, None])   # every value rounds to zero cents: "0", as "199" beside it
    assert [nothing(v) for v in (0.0, -0.001, 0.004)] == ["0", "0", "0"]
    assert money_style([0.005])(0.005) == "0.01"         # one cent is a figure: cents


def test_a_dense_column_with_millions_and_thousands_has_one_scale():
    dense = money_style([1.2e6, 3000.0, -499.0], dense=True)
    # 1,200,000 has 7 digits (> 5): thousands for every cell; -499 is -0.499k, written "0k" (no "-0")
    assert [dense(v) for v in (1.2e6, 3000.0, -499.0)] == ["1,200k", "3k", "0k"]
    wide = money_style([1.2e6, 3000.0])
    assert [wide(v) for v in (1.2e6, 3000.0)] == ["1,200,000", "3,000"]
    big = money_style([2.5e9, 7.0e6], dense=True)         # 2,500,000,000 / 1e6 = 2,500: millions
    assert [big(v) for v in (2.5e9, 7.0e6)] == ["2,500M", "7M"]
    assert money_style([99_999.0, 5.0], dense=True)(99_999.0) == "99,999"     # five digits: as is


def test_amount_columns_take_the_decimals_their_values_need():
    style = amount_style([9.87107, 1.5, -2.0])
    assert [style(v) for v in (9.87107, 1.5, -2.0)] == ["9.87107", "1.50000", "-2.00000"]
    assert [amount_style([150, -2])(v) for v in (150, -2)] == ["150", "-2"]
    assert amount_style([1 / 3])(1 / 3) == "0.333333"     # at most six decimals


def test_no_style_writes_negative_zero_or_an_exponent():
    rng = random.Random(15)
    for _ in range(400):
        values = [rng.choice((-1, 1)) * 10 ** rng.uniform(-9, 12) for _ in range(rng.randint(1, 6))]
        values.append(-1e-12)
        for style in (money_style(values), money_style(values, dense=True), amount_style(values),
                      money_style(values).with_sign()):
            for v in values:
                text = style(v)
                assert not NEGATIVE_ZERO.match(text), (values, v, text)
                assert "e" not in text.lower() and "inf" not in text.lower(), (values, v, text)
            assert one_style([style(v) for v in values])


def test_the_table_model_picks_one_style_per_column_at_each_refresh(qtbot):
    from workstation.models.columns import Column, ColumnTableModel, fmt_coin, fmt_money, fmt_money_dense
    cols = [Column("usd", "USD", lambda r: r.usd, fmt_money, numeric=True),
            Column("dense", "Dense", lambda r: r.dense, fmt_money_dense, numeric=True),
            Column("coin", "Coin", lambda r: r.coin, fmt_coin, numeric=True)]
    model = ColumnTableModel(cols)
    rows = [SimpleNamespace(usd=0.004, dense=1.2e6, coin=9.87107), SimpleNamespace(usd=12.5, dense=3000.0, coin=1.5),
            SimpleNamespace(usd=4302.0, dense=-0.001, coin=None)]
    model.set_rows(rows)
    texts = [[model.index(r, c).data() for r in range(3)] for c in range(3)]
    assert texts == [["0", "13", "4,302"], ["1,200k", "3k", "0k"], ["9.87107", "1.50000", "\u2014"]]
    # the tooltip keeps the full figure
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == "Dense: 3,000.00"
    # new values, new styles: the 4,302 gone, the largest USD figure is 40 (< 100): cents; 90,000 has five digits
    model.set_rows(rows[:2] + [SimpleNamespace(usd=40.0, dense=90_000.0, coin=2.0)])
    assert [model.index(r, 0).data() for r in range(3)] == ["0.00", "12.50", "40.00"]
    assert [model.index(r, 1).data() for r in range(3)] == ["1,200k", "3k", "90k"]
    model.set_rows([SimpleNamespace(usd=0.004, dense=90_000.0, coin=2.0), rows[1]])
    assert [model.index(r, 1).data() for r in range(2)] == ["90,000", "3,000"]
    assert [model.index(r, 2).data() for r in range(2)] == ["2.0", "1.5"]


@pytest.mark.parametrize("mode", ["pm", "mc"])
def test_every_demo_book_shows_one_style_per_column_in_the_unit_positions_and_balance_tables(qtbot, mode):
    from db.demo import demo_market, demo_portfolios
    from engine import compute
    from workstation.models.columns import fmt_amount, fmt_coin, fmt_money, fmt_money_dense
    from workstation.models.tables import AssetModel, PositionModel, RiskUnitModel

    market = demo_market()
    seen = 0
    for book in demo_portfolios():
        try:
            result = compute(book, market, mode=mode)
        except Exception:       # noqa: BLE001 - a book this mode refuses is not a formatting case
            continue
        units, positions, assets = RiskUnitModel(), PositionModel(), AssetModel()
        units.set_units(result.units, book.asset_amounts(), result.assets)
        per_position = {p.inst_id: p for p in [*result.positions, *(q for u in result.units for q in u.positions)]}
        positions.set_book(book.positions, per_position, market.ts)
        assets.set_book(book.assets, {a.ccy: a for a in result.assets})
        for model in (units, positions, assets):
            for c, col in enumerate(model.columns):
                if col.fmt not in (fmt_money, fmt_money_dense, fmt_amount, fmt_coin):
                    continue
                texts = [model.text(r, c) for r in range(model.rowCount())]
                assert one_style(texts), (book.name, mode, col.key, texts)
                assert not any(NEGATIVE_ZERO.match(t) for t in texts), (book.name, col.key, texts)
                seen += len(texts)
    assert seen > 50


def _column_texts(table, column: int, skip_rows: set[int] = frozenset()) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount()) if r not in skip_rows]


def test_compare_view_and_switch_dialog_write_each_column_in_one_style(qtbot):
    from workstation.theme import LIGHT
    from workstation.widgets.compare_view import ACCOUNT_ROWS, CompareView
    from workstation.widgets.dialogs import SUMMARY_ROWS, CompareDialog

    a = {"adjEq": 4302.0, "totalMmr": 0.004, "totalImr": 12.5, "derivMmr": -0.001, "borrowMmr": 0.0,
         "marginRatio": 1.2345, "availEq": 4289.5, "upl": -0.4, "eq": 4302.0, "acctLv": "4",
         "riskUnitData": [{"riskUnit": "BTC", "mr1": 0.004, "mmr": 12.5, "imr": 4302.0, "delta": -0.003}],
         "positions": [{"instId": "BTC-USD-250328-110000-C", "mmr": 0.004, "imr": 4302.0, "delta": 12.5}],
         "assets": [{"ccy": "BTC", "eq": 1.5, "eqUsd": 150000.0, "disEq": 140000.0},
                    {"ccy": "USDT", "eq": 4302.25, "eqUsd": 4302.25, "disEq": 4302.25}]}
    b = dict(a, adjEq=1.2e6, totalMmr=3000.0, riskUnitData=[dict(a["riskUnitData"][0], mmr=1.2e6)])
    view = CompareView(["Now"], [])
    qtbot.addWidget(view)
    view.show_results(a, b)
    ratio_row = {i for i, (key, _) in enumerate(ACCOUNT_ROWS) if key == "marginRatio"}
    # every USD figure of the table, A, B and B - A, whole dollars (the largest, 1,200,000, is above 100)
    texts = [t for c in (1, 2, 3) for t in _column_texts(view.account, c, ratio_row)]
    assert one_style(texts) and style_of(texts[0]) == (0, ""), texts
    assert view.account.item(next(iter(ratio_row)), 1).text() == "1.23"
    assert not any(NEGATIVE_ZERO.match(t) for t in texts)
    assert one_style([t for c in (1, 2, 3) for t in _column_texts(view.units, c)])
    eq_rows = {r for r in range(view.currencies.rowCount()) if "equity $" in view.currencies.item(r, 0).text()
               or "discounted" in view.currencies.item(r, 0).text()}
    coin = _column_texts(view.currencies, 1, eq_rows)          # BTC 1.5 and USDT 4,302.25: two decimals
    assert coin == ["1.50", "4,302.25"]

    dlg = CompareDialog("Switch", "PM", "MC", a, b, s_code="0", reasons=[], theme=LIGHT)
    qtbot.addWidget(dlg)
    ratio_row = {i for i, (key, _) in enumerate(SUMMARY_ROWS) if key == "marginRatio"}
    texts = [t for c in (1, 2, 3) for t in _column_texts(dlg.summary, c, ratio_row)]
    assert one_style(texts) and not any(NEGATIVE_ZERO.match(t) for t in texts), texts
    for table, columns in ((dlg.units, (1, 2, 3, 4, 5)), (dlg.positions, (1, 2, 3, 4)), (dlg.positions, (5,)),
                           (dlg.currencies, (1, 2))):
        texts = [t for c in columns for t in _column_texts(table, c)]
        assert one_style(texts), (table.objectName(), texts)
    assert _column_texts(dlg.positions, 1) == ["0"] and _column_texts(dlg.positions, 3) == ["4,302"]


def test_explain_tables_write_each_column_in_one_style(qtbot):
    from db.demo import demo_market, demo_portfolios
    from engine.explain import explain
    from workstation.widgets.explain_panel import ExplainPanel

    book = next(p for p in demo_portfolios() if p.name == "BTC delta-neutral options book")
    ex = explain(book, demo_market(), hedge=True).unit("BTC")
    panel = ExplainPanel()
    qtbot.addWidget(panel)
    panel.show_unit(ex)
    # sizes: contracts in one style, the spot-in-use row's coin in its own (one style per unit: 24.998125 BTC
    # gave every contract count six decimals, "-600.000000")
    spot = {r for r in range(panel.table.rowCount()) if panel.table.item(r, 0).toolTip().startswith("Spot in use")}
    assert len(spot) == 1
    contracts = _column_texts(panel.table, 1, spot)
    assert one_style(contracts) and style_of(contracts[0]) == (0, ""), contracts      # whole contracts
    for c in range(2, panel.table.columnCount()):
        texts = _column_texts(panel.table, c)
        assert one_style(texts) and not any(NEGATIVE_ZERO.match(t) for t in texts), (c, texts)
    assert panel.hedges.rowCount() > 0
    for c in (2, 3):
        assert one_style(_column_texts(panel.hedges, c))
    sizes = [t.split()[0] for t in _column_texts(panel.hedges, 1) if "contracts" in t]
    assert one_style(sizes), sizes
