"""The revaluation plan is kept for inputs equal bit for bit (``shock_revalue.plan``): an edit that moves no
price and no unit reuses it, and anything the plan reads that differs in one bit (a vol, a strike's -0.0, the
unit of a row, the rule set) builds a new one. The reference for the numbers stays the plain revaluation
(tests/engine/test_prepare_kernel.py), here checked after edits that hit and miss the kept plan.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench import synthetic
from engine import api
from engine.curve_reference import sum_rows_by
from engine.params import load_rule_set
from engine.pm import shock_revalue
from engine.pm.scenarios import build_grid, revalue


def plain_unit_pnl(prep) -> np.ndarray:
    units = prep.units
    pnl = revalue(prep.book, units.group[units.of_position], prep.grid, prep.rules)
    return sum_rows_by(units.of_position, pnl, len(units.names))


@pytest.fixture(scope="module")
def desk():
    return synthetic.desk()


def _plan(prep, book=None, rules=None):
    u = prep.units
    rules = rules or prep.rules
    return shock_revalue.plan(book or prep.book, u.group[u.of_position], u.of_position, len(u.names),
                              build_grid(rules), rules, 512)


def test_a_size_edit_reuses_the_plan_and_stays_exact(desk):
    p, m = desk
    first = api.prepare(p, m).inner
    pos = list(p.positions)
    pos[3] = replace(pos[3], pos=pos[3].pos * 3.0)
    edited = api.prepare(replace(p, positions=tuple(pos)), m).inner
    assert _plan(edited) is _plan(first)
    assert np.array_equal(edited.unit_pnl, plain_unit_pnl(edited))
    assert not np.array_equal(edited.unit_pnl, first.unit_pnl)


def test_one_bit_of_an_input_builds_a_new_plan(desk):
    p, m = desk
    prep = api.prepare(p, m).inner
    kept = _plan(prep)
    opt = int(np.flatnonzero(prep.book.kind == 2)[0])
    vol = prep.book.vol.copy()
    vol[opt] = np.nextafter(vol[opt], 1.0)
    assert _plan(prep, replace(prep.book, vol=vol)) is not kept
    lin = int(np.flatnonzero(prep.book.kind != 2)[0])
    strike = prep.book.strike.copy()
    strike[lin] = -0.0                                      # 0.0 on a futures row: equal, other bits
    assert _plan(prep, replace(prep.book, strike=strike)) is not kept
    other = load_rule_set("okx-2024-06")
    assert _plan(prep, rules=other) is not kept
    assert _plan(prep) is kept


def test_a_moved_price_is_exact(desk):
    """A vol edit of one instrument (a new market): the plan is rebuilt, the numbers equal the plain path."""
    p, m = desk
    inst = next(x.inst_id for x in p.positions if x.inst_id.endswith("-C"))
    vols = dict(m.mark_vol)
    vols[inst] = vols[inst] + 0.05
    prep = api.prepare(p, replace(m, mark_vol=vols)).inner
    assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))
