"""Fuzzing rule-set files: the shipped rule set with one parameter replaced by a random value either loads or
raises InputError naming the parameter; a rule set that loads computes finite, non-negative requirements (or an
InputError), never another exception."""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import InputError, compute, load_market, load_portfolio
from engine.params import LIMITS, SCHEMA, rule_set_from_dict

REPO = Path(__file__).resolve().parents[2]
BASE = json.loads((REPO / "resources" / "rules" / "okx-2025-01.json").read_text(encoding="utf-8"))
EXAMPLES = int(os.environ.get("RISKWS_FUZZ_EXAMPLES", "120"))

BOOK = load_portfolio({"simAsset": [{"ccy": "BTC", "amt": "10"}, {"ccy": "USDT", "amt": "-50000"},
                                    {"ccy": "USDC", "amt": "20000"}],
                       "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-500"}, {"instId": "BTC-USD-250328", "pos": "300"},
                                  {"instId": "BTC-USD-250328-100000-C", "pos": "-40"},
                                  {"instId": "BTC-USD-250228-90000-P", "pos": "25"},
                                  {"instId": "ETH-USDT-SWAP", "pos": "200"}]})
MARKET = load_market({"ts": "2025-02-06T08:00:00Z",
                      "index": {"BTC-USD": 96850.0, "ETH-USD": 2712.0, "USDT-USD": 0.9995, "USDC-USD": 1.0001},
                      "markPx": {"BTC-USD-250328": 97900.0}, "atmVol": {"BTC": 0.55, "ETH": 0.65}})

numbers = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(min_value=0, max_value=5),
                    st.integers(-5, 10**6))
json_values = st.recursive(st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=5)),
                           lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                   st.dictionaries(st.sampled_from(["A", "B", "C", "x"]), inner,
                                                                   max_size=4)), max_leaves=15)
# values of the right shape but extreme sizes, so that many mutated files still load and reach the engine
per_group = lambda s: st.fixed_dictionaries({"A": s, "B": s, "C": s})  # noqa: E731
increasing = st.lists(st.floats(min_value=1e-6, max_value=5.0), min_size=1, max_size=5, unique=True).map(sorted)
shaped = st.one_of(numbers, per_group(numbers), per_group(increasing), increasing,
                   per_group(st.floats(min_value=0, max_value=0.999999)))


STATS = {"tried": 0, "computed": 0}


def _redraw(v, draw):
    if isinstance(v, dict):
        return {k: _redraw(x, draw) for k, x in v.items()}
    if isinstance(v, list):
        out = [_redraw(x, draw) for x in v]
        return sorted(out) if all(isinstance(x, (int, float)) for x in out) else out
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return draw()
    return v


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(sorted(SCHEMA)), how=st.sampled_from(["any", "shaped", "same-shape", "same-shape"]),
       data=st.data())
def test_mutated_rule_set_loads_or_fails_cleanly_and_computes_sanely(path, how, data) -> None:
    doc = copy.deepcopy(BASE)
    node = doc
    for part in path.split("."):
        node = node[part]
    if how == "any":
        value = data.draw(json_values)
    elif how == "shaped":
        value = data.draw(shaped)
    else:  # the shipped value's shape with every number redrawn inside (and at the edges of) the plausible range
        lo, hi = LIMITS.get(path, (0.0, 1e6))
        edge = st.one_of(st.floats(min_value=lo, max_value=hi), st.sampled_from([lo, hi]))
        value = _redraw(node["value"], lambda: data.draw(edge))
    node["value"] = value
    STATS["tried"] += 1
    try:
        rules = rule_set_from_dict(doc, "fuzz-rules.json")
    except InputError as exc:
        assert str(exc).startswith("fuzz-rules.json: ") and "\n" not in str(exc)
        return
    try:
        r = compute(BOOK, MARKET, mode="pm", rules=rules, liq_shock=False)
    except InputError:
        return
    STATS["computed"] += 1
    for name in ("total_mmr", "total_imr", "deriv_mmr", "borrow_mmr", "liq_cost"):
        v = getattr(r, name)
        assert math.isfinite(v) and v >= 0, (path, value, name, v)
    for u in r.units:
        for k, v in u.mr.items():
            assert math.isfinite(v) and v >= 0, (path, value, u.risk_unit, k, v)


def test_zz_report_rule_fuzz_counts(capsys) -> None:
    with capsys.disabled():
        print(f"\nrule-set fuzz: {STATS}")
