"""One number style per column (issue 15 item 7): decimals and scale chosen once from all the column's values.

A column that shows "0.00" beside "4,302", or "1.21M" beside "950,000", makes the reader compare digits of different
meaning. Here a table picks, per refresh, one style for each column from its largest magnitude:

- money (wide tables): whole dollars when the largest |value| is at least 100, else cents; a column whose every
  value rounds to zero cents (an empty MR of the unit table) is written "0", not "0.00" beside its neighbours' "199";
- money (dense tables): the same, but scaled to thousands ("k"), millions ("M") or billions ("B") so that the
  largest figure keeps at most five digits; every cell of the column carries the same suffix;
- amounts (coin, contracts): the fewest decimals (at most six) that show every value of the column exactly.

Prices are not given a column style: each row is a different instrument with its own tick (a BTC option marked at
0.0123 BTC beside a perpetual at 95,000.1 USDT), so ``fmt_price`` keeps four significant digits per value.
No style ever writes "-0", "-0.00" or scientific notation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

DASH = "\u2014"

SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
DENSE_DIGITS = 5               # a dense column scales so that its largest figure has at most this many digits
CENTS_BELOW = 100.0            # a money column whose largest |value| is below this shows cents
ZERO_BELOW = 0.005             # ... unless every value rounds to zero cents: then "0"
AMOUNT_DECIMALS = 6


def _finite_values(values: Iterable[Any]) -> list[float]:
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        f = float(v)
        if math.isfinite(f):
            out.append(f)
    return out


def _half_away(v: float, decimals: int) -> float:
    """``v`` rounded half away from zero, as a reader rounds (12.5 -> 13; Python's format would give "12")."""
    q = 10.0 ** decimals
    scaled = abs(v) * q
    if not math.isfinite(scaled) or scaled >= 2.0 ** 52:
        return v                                      # beyond float's integer precision: nothing to round
    return math.copysign(math.floor(scaled + 0.5) / q, v)


def _no_negative_zero(text: str) -> str:
    """"-0", "-0.00", "-0k" -> without the sign: a figure that rounds to zero has no sign."""
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text


@dataclass(frozen=True)
class NumberStyle:
    """How every cell of one column is written: ``decimals`` after dividing by ``scale``, then ``suffix``."""

    decimals: int = 0
    scale: float = 1.0
    suffix: str = ""
    signed: bool = False          # "+" before positive figures (differences)
    separators: bool = True       # thousands separators (off for CSV)

    def __call__(self, x: Any) -> str:
        if x is None or isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(float(x)):
            return DASH
        v = _half_away(float(x) / self.scale, self.decimals)
        sep = "," if self.separators else ""
        text = _no_negative_zero(f"{v:{sep}.{self.decimals}f}")
        if self.signed and not text.startswith("-") and any(ch in "123456789" for ch in text):
            text = "+" + text
        return text + self.suffix

    def with_sign(self) -> "NumberStyle":
        return NumberStyle(self.decimals, self.scale, self.suffix, True, self.separators)


def money_style(values: Iterable[Any], *, dense: bool = False) -> NumberStyle:
    """The style of a USD column holding ``values`` (see the module's rules)."""
    top = max((abs(v) for v in _finite_values(values)), default=0.0)
    if dense and top >= 10 ** DENSE_DIGITS:
        # the smallest scale that leaves the largest figure at most DENSE_DIGITS digits (B: whatever remains)
        scale, suffix = next(((s, x) for s, x in reversed(SCALES) if top / s < 10 ** DENSE_DIGITS), SCALES[0])
        return NumberStyle(0, scale, suffix)
    return NumberStyle(2 if ZERO_BELOW <= top < CENTS_BELOW else 0)


def compact_style(values: Iterable[Any]) -> NumberStyle:
    """Labels over chart bars (a few characters): below 1,000 whole figures; above, every label scaled to k, M or B
    so that the largest has at most three digits, with one decimal below 100 ("68.7k" beside "45.9k" and "0.8k")."""
    top = max((abs(v) for v in _finite_values(values)), default=0.0)
    if top < 1000:
        return NumberStyle(0)
    scale, suffix = next(((s, x) for s, x in reversed(SCALES) if top / s < 1000), SCALES[0])
    return NumberStyle(1 if top / scale < 100 else 0, scale, suffix)


def amount_style(values: Iterable[Any], max_decimals: int = AMOUNT_DECIMALS) -> NumberStyle:
    """The fewest decimals (up to ``max_decimals``) that write every value as it is (to ``max_decimals``)."""
    decimals = 0
    for v in _finite_values(values):
        text = f"{abs(v):.{max_decimals}f}".rstrip("0")
        decimals = max(decimals, len(text) - text.index(".") - 1)
        if decimals == max_decimals:
            break
    return NumberStyle(decimals)


def columns_formatted(columns: list[list[Any]], styles: list[Callable[[Iterable[Any]], NumberStyle] | None]
                      ) -> list[list[str]]:
    """Each column of values written in its own style (``None``: ``str`` as is, e.g. a name column)."""
    out = []
    for values, make in zip(columns, styles):
        if make is None:
            out.append(["" if v is None else str(v) for v in values])
        else:
            fmt = make(values)
            out.append([fmt(v) for v in values])
    return out


def grouped_texts(values: list[Any], groups: list[Any], make: Callable[[Iterable[Any]], NumberStyle]) -> list[str]:
    """``values`` written with one style per group: a column that holds two units (contracts, and the coin of a
    spot-in-use row) gets one style for each unit, so 24.998125 BTC does not give "-600.000000" contracts."""
    styles = {g: make([v for v, h in zip(values, groups) if h == g]) for g in set(groups)}
    return [styles[g](v) for v, g in zip(values, groups)]
