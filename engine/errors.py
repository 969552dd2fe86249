"""The one exception the engine raises for bad input."""

from __future__ import annotations

# control characters that would break "one line": shown escaped, as Python would show them in a string
_ESCAPES = {i: repr(chr(i))[1:-1] for i in range(32) if chr(i) != " "} | {0x7F: "\\x7f", 0x2028: "\\u2028",
                                                                         0x2029: "\\u2029", 0x85: "\\x85"}


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\t``...)."""
    return text.translate(_ESCAPES)


class InputError(ValueError):
    """Bad input: the message names the file or field and the problem, in one line.

    Messages often quote values from the input itself (an OKX error text, a cell): their control characters are
    escaped here, so the message stays one line whatever the input holds.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(one_line(message) if isinstance(message, str) else message, *args)
