"""Axis ticks name distinct values: 600k / 700k / 800k, not "1M" three times (issue 15, item 7)."""

from __future__ import annotations

import pytest

from workstation.charts.axes import CompactAxis


@pytest.mark.parametrize("values,spacing,expected", [
    ([600e3, 700e3, 800e3], 100e3, ["600k", "700k", "800k"]),           # the case: all read "1M" before
    ([900e3, 1.0e6, 1.1e6], 100e3, ["900k", "1.0M", "1.1M"]),
    ([-600e3, 0.0, 600e3], 600e3, ["\u2212600k", "0", "600k"]),
    ([1.20e6, 1.25e6, 1.30e6], 50e3, ["1.20M", "1.25M", "1.30M"]),
    ([2e9, 3e9], 1e9, ["2B", "3B"]),
])
def test_compact_ticks_are_distinct_and_right(qapp, values, spacing, expected):
    axis = CompactAxis("left")
    labels = [axis.format_value(v, spacing) for v in values]
    assert labels == expected
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize("x,text", [(1.634e-05, "0.00001634"), (0.01727146, "0.01727"), (2.41234, "2.4123"),
                                    (96850.2, "96,850.2"), (0.0, "0")])
def test_prices_never_in_scientific_notation(x, text):
    from workstation.models.columns import fmt_price
    assert fmt_price(x) == text


def test_price_units():
    from workstation.models.tables import price_unit
    assert price_unit("BTC-USD-250328-100000-C") == "BTC"
    assert price_unit("BTC-USDT-SWAP") == "USDT"
    assert price_unit("BTC-USD-250328") == "USD"
    assert price_unit("BTC-USD_UM-261225") == "USD" and price_unit("BTC-USD_UM-SWAP") == "USD"   # USD-margined
