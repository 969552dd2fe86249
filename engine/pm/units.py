"""Grouping positions into risk units: per crypto (after the merge) or per underlying and margin currency (before)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..book import Book
from ..params import GROUPS, RuleSet


@dataclass(frozen=True)
class Units:
    names: tuple[str, ...]          # e.g. "BTC" or "BTC-USDT"
    ccy: tuple[str, ...]            # the unit's crypto
    group: np.ndarray               # (n_units,) index into GROUPS
    of_position: np.ndarray         # (n_pos,) unit index per position
    spot_unit: dict[str, int]       # crypto -> the unit its spot in use joins


def unit_name(ccy: str, quote: str, rules: RuleSet) -> str:
    if rules.get("riskUnits") == "crypto":
        return ccy
    return f"{ccy}-{'USD' if quote == 'USD' else quote}"


def assign_units(book: Book, rules: RuleSet, spot_ccys: set[str]) -> Units:
    """Risk units of the book; a crypto with a spot balance gets the unit its spot may hedge (if any)."""
    family_names = [unit_name(f.underlying, f.quote, rules) for f in book.families]   # a few families, not rows
    ordered = sorted(set(family_names))
    lookup = {name: i for i, name in enumerate(ordered)}
    unit_of_family = np.array([lookup[n] for n in family_names], dtype=np.int64)
    of_position = unit_of_family[book.family]
    ccy = tuple(name.split("-")[0] for name in ordered)
    group = np.array([GROUPS.index(rules.group_of(c)) for c in ccy], dtype=np.int64)
    offset_quote = rules.get("spotOffsetQuote")
    spot_unit: dict[str, int] = {}
    for c in spot_ccys:
        target = c if rules.get("riskUnits") == "crypto" else f"{c}-{offset_quote}"
        if target in lookup:
            spot_unit[c] = lookup[target]
    return Units(names=tuple(ordered), ccy=ccy, group=group, of_position=of_position, spot_unit=spot_unit)
