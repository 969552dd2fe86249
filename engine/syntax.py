"""The one grammar of what the input may spell: instrument ids and decimal numbers, ASCII only.

Python's ``re`` matches Unicode digits with ``\\d`` and lets ``$`` match before a trailing newline, and ``float``
accepts ``"٥"``, ``"１０"`` and ``"1_000"``: so every pattern here is compiled with ``re.ASCII`` and used with
``fullmatch``, and numbers are matched before ``float`` sees them. Lengths are bounded, so that a 400-digit strike
or a 10 MB id never reaches the arithmetic or the error message whole.
"""

from __future__ import annotations

import re

MAX_INST_ID_CHARS = 64      # OKX ids are at most ~30 characters ("BTC-USD-250328-100000-C")
MAX_NUMBER_CHARS = 64       # a decimal string from OKX has at most ~25 characters

_CCY = r"([A-Z0-9]{1,20})"
# the quote part: a currency, or OKX's USD-margined linear families ("USD_UM": USD and USD stablecoins settle;
# "USD_UM_XPERP": the EEA perpetual-style futures), e.g. BTC-USD_UM-SWAP, BTC-USD_UM-261225, BTC-USD_UM_XPERP-310404
_QUOTE = r"([A-Z]{2,10}(?:_UM(?:_XPERP)?)?)"
_DATE = r"([0-9]{6})"
_STRIKE = r"([0-9]{1,9}(?:\.[0-9]{1,8})?)"   # up to 999,999,999 with 8 decimals

SWAP = re.compile(rf"{_CCY}-{_QUOTE}-SWAP", re.ASCII)
FUTURE = re.compile(rf"{_CCY}-{_QUOTE}-{_DATE}", re.ASCII)
OPTION = re.compile(rf"{_CCY}-{_QUOTE}-{_DATE}-{_STRIKE}-([CP])", re.ASCII)

DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)
ASCII_SPACE = " \t\r\n"


def is_decimal(text: str) -> bool:
    """True for an ASCII decimal number (``12``, ``-0.5``, ``1e-8``): no ``_``, no Unicode digits, no newline."""
    return len(text) <= MAX_NUMBER_CHARS and DECIMAL.fullmatch(text) is not None


def shorten(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters with an ellipsis: values echoed in messages stay short."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 1]}\u2026 ({len(str(value)):,} characters)"
