"""Parsing of numbers as they come in OKX-style JSON: numbers or decimal strings."""

from __future__ import annotations

import math

from .errors import InputError
from .syntax import ASCII_SPACE, is_decimal, shorten


def parse_number(value: object, field: str, *, allow_negative: bool = True, allow_zero: bool = True,
                 limit: float = 1e15) -> float:
    """A finite float from a JSON number or decimal string, or an InputError naming ``field``."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{field}: expected a number, got {shorten(value)}")
    if isinstance(value, (int, float)):
        try:
            x = float(value)
        except OverflowError:  # a JSON integer of hundreds of digits
            raise InputError(f"{field}: {shorten(value)} is not a finite number") from None
    elif isinstance(value, str):
        text = value.strip(ASCII_SPACE)
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise InputError(f"{field}: {shorten(value)} is not a finite number")
        if not is_decimal(text):  # ASCII digits only: float() would take "٥", "１０" and "1_000"
            raise InputError(f"{field}: {shorten(value)} is not a number (ASCII decimal digits, e.g. 12.5 or 1e-8)")
        x = float(text)
    else:
        raise InputError(f"{field}: expected a number, got {type(value).__name__}")
    if not math.isfinite(x):
        raise InputError(f"{field}: {shorten(value)} is not a finite number")
    if not allow_negative and x < 0:
        raise InputError(f"{field}: must not be negative, got {x:g}")
    if not allow_zero and x == 0:
        raise InputError(f"{field}: must not be zero")
    if abs(x) > limit:
        raise InputError(f"{field}: {x:g} is beyond the plausible limit {limit:g}")
    return x


def format_number(x: float) -> str:
    """Shortest decimal string that reads back to the same float; integers without '.0'."""
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return repr(float(x))
