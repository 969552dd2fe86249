"""The one exception the engine raises for bad input, and the one sanitiser of text printed from input."""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 1000  # an error or warning line quoting the input is cut here (with an ellipsis)

# Characters that would break "one line" or drive the terminal: C0 controls (ESC starts escape sequences, BEL
# ends OSC titles), DEL, the C1 controls (U+009B is a one-character CSI), line/paragraph separators and the
# bidirectional overrides that reorder what a line appears to say. Shown escaped, as Python shows them in a string.
_CONTROL = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, 0x200E, 0x200F, *range(0x202A, 0x202F),
            *range(0x2066, 0x206A)]
_ESCAPES = {i: (f"\\x{i:02x}" if i < 0x100 else f"\\u{i:04x}") for i in _CONTROL if chr(i) != " "} | {
    0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def one_line(text: str, limit: int | None = MAX_MESSAGE_CHARS) -> str:
    """``text`` safe to print as one line: control characters, terminal escape sequences, bidi overrides and
    lone surrogates escaped (``\\n``, ``\\x1b``, ``\\u202e``, ``\\ud800``); cut to ``limit`` characters."""
    out = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text).translate(_ESCAPES))
    if limit is not None and len(out) > limit:
        out = out[:limit - 1] + f"\u2026 [{len(out) - limit + 1:,} more characters]"
    return out


def safe_lines(text: str) -> str:
    """Several lines of output, each made safe by ``one_line`` (the line breaks between them are kept)."""
    return "\n".join(one_line(line, None) for line in str(text).split("\n"))


class InputError(ValueError):
    """Bad input: the message names the file or field and the problem, in one line.

    Messages often quote values from the input itself (an OKX error text, a cell): their control characters are
    escaped here, so the message stays one line whatever the input holds.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(one_line(message) if isinstance(message, str) else message, *args)
