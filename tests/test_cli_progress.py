"""The command line's progress line: only after a second, only on a terminal, erased at the end."""

from __future__ import annotations

import io

from workstation.commands.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_in_the_first_second_then_shown_and_erased():
    now = [0.0]
    out = Tty()
    with Progress("liquidation search", out, clock=lambda: now[0]) as p:
        p(8, 100)
        assert out.getvalue() == ""              # 0 s: nothing yet
        now[0] = 1.5
        p(16, 100)
        assert out.getvalue() == "\rriskws: liquidation search:  16% (16/100)"
    assert out.getvalue().endswith("\r\033[K")     # the line is erased, the result prints on a clean line


def test_never_written_to_a_pipe_or_file():
    now = [5.0]
    out = io.StringIO()                            # isatty() is False
    with Progress("liquidation search", out, clock=lambda: now[0]) as p:
        now[0] = 100.0
        p(50, 100)
    assert out.getvalue() == ""
