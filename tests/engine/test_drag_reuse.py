"""What a held what-if slider's steps take again from the step before (issue 16, H51), and that it changes no bit.

- ``shock_revalue.plan``: a step of an index (vol, time roll) move moves only forwards and spots (vols; times); the
  kept plan is taken again (with the scenario sd and carry of the new vols and times) when the option rows that share
  a price still share them bit for bit. Reference: the plain
  revaluation (``scenarios.revalue`` summed per unit in row order, independent of the plan), compared with ``==``.
- ``live_charts._unit_rows``' grouping: the last step's grouping is taken again only when it is what ``np.unique``
  gives; reference: ``np.unique`` itself, on keys built to keep, merge, swap and split groups.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench import synthetic
from engine import api, live_charts
from engine.curve_reference import sum_rows_by
from engine.pm import shock_revalue
from engine.pm.scenarios import build_grid, revalue
from engine.scenario import Scenario
from engine.whatif_fast import prepare_whatif


@pytest.fixture(scope="module")
def desk():
    return synthetic.desk()


def plain_unit_pnl(prep) -> np.ndarray:
    units = prep.units
    pnl = revalue(prep.book, units.group[units.of_position], prep.grid, prep.rules)
    return sum_rows_by(units.of_position, pnl, len(units.names))


def _plan_of(prep):
    return next(v for k, v in prep.memo.items() if k[0] == "shock_revalue_plan")


def test_index_steps_reuse_the_plan_and_stay_exact(desk):
    p, m = desk
    plans = []
    for move in (-0.02, -0.05, 0.03, -0.11):
        prep = prepare_whatif(p, m, Scenario("drag", index={"BTC": move})).prepared.inner
        plans.append(_plan_of(prep))
        assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))
    assert all(pl is plans[0] for pl in plans[1:])          # the new path was taken
    assert not np.array_equal(prepare_whatif(p, m, Scenario("d", index={"BTC": -0.02})).prepared.inner.unit_pnl,
                              prepare_whatif(p, m, Scenario("d", index={"BTC": -0.11})).prepared.inner.unit_pnl)


def test_vol_steps_keep_the_plan_s_layout_with_new_sd_and_stay_exact(desk):
    p, m = desk
    kept = _plan_of(prepare_whatif(p, m, Scenario("drag", index={"BTC": -0.04})).prepared.inner)
    for shift in (0.02, -0.05, 0.11):
        prep = prepare_whatif(p, m, Scenario("drag", index={"BTC": -0.04}, vol={"BTC": shift})).prepared.inner
        plan = _plan_of(prep)
        assert plan.chunks is kept.chunks and not np.array_equal(plan.sd, kept.sd)     # the new path was taken
        assert np.array_equal(prep.unit_pnl, plain_unit_pnl(prep))


def test_time_rolls_keep_the_layout_and_a_roll_past_an_expiry_or_a_split_option_builds_a_new_plan(desk):
    p, m = desk
    prep = prepare_whatif(p, m, Scenario("drag", index={"BTC": -0.04}, days=0.1)).prepared.inner
    kept = _plan_of(prep)
    for days in (0.5, 0.6, 0.9):             # the same options alive, the same dead scenario columns
        rolled = prepare_whatif(p, m, Scenario("drag", index={"BTC": -0.04}, days=days)).prepared.inner
        plan = _plan_of(rolled)
        assert plan.chunks is kept.chunks and not np.array_equal(plan.carry, kept.carry)
        assert np.array_equal(rolled.unit_pnl, plain_unit_pnl(rolled))
    far = prepare_whatif(p, m, Scenario("drag", index={"BTC": -0.04}, days=1.0)).prepared.inner
    assert far.book.n < prep.book.n                       # options settled: another book
    assert _plan_of(far).chunks is not kept.chunks and np.array_equal(far.unit_pnl, plain_unit_pnl(far))
    prep = prepare_whatif(p, m, Scenario("drag", index={"BTC": -0.04})).prepared.inner
    kept = _plan_of(prep)
    # two option rows that share a price, one of them moved by one bit: the kept plan would price them alike
    ids = kept.option_id
    shared = next(i for i in np.unique(ids[ids >= 0]) if np.count_nonzero(ids == i) > 1)
    row = int(np.flatnonzero(ids == shared)[-1])
    fwd = prep.book.fwd.copy()
    fwd[row] = np.nextafter(fwd[row], np.inf)
    u = prep.units
    made = shock_revalue.plan(replace(prep.book, fwd=fwd), u.group[u.of_position], u.of_position, len(u.names),
                              prep.grid, prep.rules, shock_revalue.CHUNK_ROWS * shock_revalue.SHOCKS_PER_TASK)
    assert made is not kept and made.option_id[row] != made.option_id[kept.distinct[shared]]


def _reference(key):
    uniq, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return uniq, first, inverse.reshape(-1)


def _same(got, want):
    return all(np.array_equal(g, w) and g.dtype == w.dtype for g, w in zip(got, want))


def test_the_grouping_equals_np_unique_when_groups_keep_merge_swap_or_split():
    rng = np.random.default_rng(5)
    base = rng.choice([90.0, 100.0, 110.0], size=(60, 5))
    base[:, 0] = rng.choice([1.0, 2.0, 3.0, 4.0], size=60)
    opt = np.arange(60) * 2
    live_charts._LAST_GROUPS.clear()
    assert _same(live_charts._unique_rows(opt, base), _reference(base))
    moved = base.copy()
    moved[:, 0] *= 1.07                                   # an index move: the same groups, the same order
    assert _same(live_charts._unique_rows(opt, moved), _reference(moved))
    merged = moved.copy()
    merged[merged[:, 0] == 2.0 * 1.07, 0] = 1.0 * 1.07     # two groups become one
    assert _same(live_charts._unique_rows(opt, merged), _reference(merged))
    swapped = base.copy()
    swapped[base[:, 0] == 1.0, 0] = 5.0                   # a group moves past the others: another order
    assert _same(live_charts._unique_rows(opt, swapped), _reference(swapped))
    split = swapped.copy()
    split[7, 4] = np.nextafter(split[7, 4], 0.0)           # one row leaves its group by one bit
    assert _same(live_charts._unique_rows(opt, split), _reference(split))
    signed = np.zeros((4, 5))
    signed[1, 2] = -0.0                                   # np.unique holds -0.0 == 0.0: the same
    assert _same(live_charts._unique_rows(np.arange(4), signed), _reference(signed))
    assert _same(live_charts._unique_rows(np.arange(4), signed), _reference(signed))


def test_the_live_charts_of_steps_equal_those_computed_with_nothing_kept(desk):
    p, m = desk
    from workstation.services import jobs
    for axis in ({"index": {"BTC": -0.03}}, {"index": {"BTC": -0.06}}, {"vol": {"BTC": 0.03}}, {"days": 2.5},
                 {"index": {"BTC": 0.04}}):
        out = jobs.compute_main(p, m, Scenario("drag", **axis), "BTC")
        live_charts._LAST_GROUPS.clear()
        u = next(x for x in out.result.units if x.risk_unit == "BTC")
        stress, grid = live_charts.live_unit_charts(out.prepared, "BTC", jobs.LIVE_STRESS_MOVES, jobs.LIVE_GRID_MOVES,
                                                    jobs.LIVE_VOL_SHIFTS, u.spot_in_use)
        assert np.array_equal(out.charts.stress, stress) and np.array_equal(out.charts.grid, grid)
