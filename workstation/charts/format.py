"""Number formatting for chart readouts, tick labels and annotations.

Pure functions (no Qt). Negative numbers use the typographic minus sign (U+2212) so that readouts line up and read
as figures; non-finite values are shown as an em dash (or ``∞`` for ratios).
"""

from __future__ import annotations

import math

MINUS = "\u2212"
DASH = "\u2014"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(float(x))


def _signed(body: str, negative: bool, plus: bool, zero: bool) -> str:
    if negative and not zero:
        return MINUS + body
    if plus and not zero:
        return "+" + body
    return body


def fmt_number(x: float | None, decimals: int = 0, *, plus: bool = False) -> str:
    """Thousands-separated number: ``-1164.4`` -> ``"−1,164"``, ``1234.5, 1`` -> ``"1,234.5"``."""
    if not _finite(x):
        return DASH
    x = float(x)
    body = f"{abs(x):,.{decimals}f}"
    zero = float(body.replace(",", "")) == 0.0
    return _signed(body, x < 0, plus, zero)


def fmt_usd(x: float | None, decimals: int = 0, *, plus: bool = False, unit: bool = True) -> str:
    """USD amount with thousands separators: ``-1164`` -> ``"−1,164 USD"``."""
    text = fmt_number(x, decimals, plus=plus)
    return f"{text} USD" if unit and text != DASH else text


_COMPACT = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def fmt_compact(x: float | None, decimals: int = 1, *, plus: bool = False) -> str:
    """Compact amount: ``1234`` -> ``"1.2k"``, ``-3.4e6`` -> ``"−3.4M"``, ``560`` -> ``"560"``, ``2000`` -> ``"2k"``,
    ``1.5`` -> ``"1.5"``.

    Trailing zeros after the decimal point are dropped so tick labels stay short.
    """
    if not _finite(x):
        return DASH
    x = float(x)
    a = abs(x)
    for base, suffix in _COMPACT:
        # round first so 999_960 becomes "1M" rather than "1,000k"
        if round(a / base, decimals) >= 1.0:
            body = f"{a / base:.{decimals}f}"
            if "." in body:
                body = body.rstrip("0").rstrip(".")
            return _signed(body + suffix, x < 0, plus, False)
    body = f"{a:.{max(decimals, 2) if a < 1 else decimals}f}"
    if "." in body:
        body = body.rstrip("0").rstrip(".")
    zero = float(body) == 0.0
    return _signed(body, x < 0, plus, zero)


def fmt_pct(fraction: float | None, decimals: int = 0, *, plus: bool = True, space: bool = True) -> str:
    """Fraction as percent: ``0.12`` -> ``"+12 %"``, ``-0.055, 1`` -> ``"−5.5 %"``, ``0`` -> ``"0 %"``."""
    if not _finite(fraction):
        return DASH
    v = float(fraction) * 100.0
    body = f"{abs(v):.{decimals}f}"
    zero = float(body) == 0.0
    return _signed(body, v < 0, plus, zero) + (" %" if space else "%")


def fmt_ratio(x: float | None, decimals: int = 2) -> str:
    """Margin ratio: ``1.234`` -> ``"1.23"``, large values compact (``"12k"``), ``inf`` -> ``"∞"``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    x = float(x)
    if math.isinf(x):
        return "\u221e" if x > 0 else MINUS + "\u221e"
    if abs(x) >= 1000:
        return fmt_compact(x)
    if abs(x) >= 100:
        return fmt_number(x, 0)
    return fmt_number(x, decimals)


def fmt_vol_pts(x: float | None, decimals: int = 0, *, plus: bool = True) -> str:
    """Vol shift in vol points: ``10`` -> ``"+10 pts"``."""
    text = fmt_number(x, decimals, plus=plus)
    return f"{text} pts" if text != DASH else text
