"""Parsing of numbers as they come in OKX-style JSON: numbers or decimal strings."""

from __future__ import annotations

import math

from .errors import InputError


def parse_number(value: object, field: str, *, allow_negative: bool = True, allow_zero: bool = True,
                 limit: float = 1e15) -> float:
    """A finite float from a JSON number or decimal string, or an InputError naming ``field``."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            x = float(text)
        except ValueError:
            raise InputError(f"{field}: {value!r} is not a number") from None
        if not text or text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise InputError(f"{field}: {value!r} is not a finite number")
    else:
        raise InputError(f"{field}: expected a number, got {type(value).__name__}")
    if not math.isfinite(x):
        raise InputError(f"{field}: {value!r} is not a finite number")
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
