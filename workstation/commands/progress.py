"""A progress line on stderr for long command-line work (the liquidation search on a big book).

Silent for the first second and whenever stderr is not a terminal (pipes, logs and tests see nothing);
otherwise one line rewritten in place, erased when the work is done.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Callable ``progress(done, total)``; use as a context manager so the line is erased at the end."""

    def __init__(self, what: str, stream: TextIO | None = None, delay_s: float = 1.0,
                 clock=time.monotonic) -> None:
        self.what, self.stream, self.delay_s, self.clock = what, stream or sys.stderr, delay_s, clock
        self.start = clock()
        self.shown = False

    def _live(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if self.clock() - self.start < self.delay_s or not self._live():
            return
        pct = 100 * done // max(total, 1)
        self.stream.write(f"\rriskws: {self.what}: {pct:3d}% ({done}/{total})")
        self.stream.flush()
        self.shown = True

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
