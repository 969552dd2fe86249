"""The switch dialog explains the equity change: portfolio margin to multi-currency takes the long options' value out
of collateral, and the dialog names each long option with its value, then the coin equity and the discount."""

from __future__ import annotations

import re

import pytest

from conftest import wait_settled
from test_account_modes import _select
from test_main_window import open_portfolio

BOOK = "BTC delta-neutral options book"


def _amount(text: str) -> float:
    return float(text.replace(",", ""))


def test_pm_to_mc_names_each_long_option_leaving_collateral(qtbot, window):
    from engine.catalogue import parse_inst_id

    open_portfolio(qtbot, window, BOOK)
    doc = window.holder.doc
    longs = {p.inst_id: p.pos for p in doc.portfolio.positions if p.inst_id[-2:] in ("-C", "-P") and p.pos > 0}
    shorts = {p.inst_id for p in doc.portfolio.positions if p.inst_id[-2:] in ("-C", "-P") and p.pos < 0}
    assert len(longs) == 3 and len(shorts) == 3                    # the demo book: three bought, three sold
    dlg = _select(qtbot, window, "3")
    note = dlg.equity_note.text()
    assert dlg.equity_note.isVisibleTo(dlg) and "long options stop counting as collateral" in note
    listed = {m.group(1): _amount(m.group(2)) for m in re.finditer(r"^\s+(\S+): ([\d,]+) USD \(BTC\)$", note, re.M)}
    assert set(listed) == set(longs)                                # each bought option, and no sold one
    # each value by hand: contracts x ctMult (coin per contract) x option mark (coin per coin) x BTC index (USD)
    marks = {p["instId"]: p["markPx"] for p in dlg.after["positions"]}     # the option marks in coin
    index = window.holder.doc.market.index["BTC-USD"]
    for inst, pos in longs.items():
        by_hand = pos * parse_inst_id(inst).ct_mult * marks[inst] * index
        assert listed[inst] == pytest.approx(by_hand, abs=0.5)
    # together they are the equity the switch loses (the result's own equity figures, rounded to 1 USD per line)
    drop = float(dlg.before["eq"]) - float(dlg.after["eq"])
    assert sum(listed.values()) == pytest.approx(drop, abs=1.5)
    head = note.splitlines()[0]
    assert head.startswith(f"Equity -{drop:,.0f} USD, adjusted equity ")
    assert "BTC equity" in note and "collateral discounts" in note
    dlg.reject()
    wait_settled(qtbot, window)


def test_no_equity_note_when_equity_does_not_move(qtbot, window):
    """Rule-set change on the cash-and-carry book: same equity, same discounts, so no explanation is shown."""
    from workstation.widgets.switch_equity import equity_lines

    same = {"eq": 100.0, "adjEq": 90.0, "assets": [{"ccy": "BTC", "eq": 1.0}]}
    assert equity_lines(same, dict(same)) == []
    moved = dict(same, eq=150.0, adjEq=140.0, assets=[{"ccy": "BTC", "eq": 1.5}])
    lines = equity_lines(same, moved)
    assert lines[0] == "Equity +50.00 USD, adjusted equity +50.00 USD:"
    assert "\u2022 other equity changes: +50.00 USD" in lines and any("+0.5 BTC" in x for x in lines)
