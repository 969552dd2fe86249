"""The first portfolio's result, computed on a thread while Qt loads and the window is built (issue 16, cold start).

``workstation.app.create_main_window`` knows which portfolio the window will open before Qt is imported. It reads
that portfolio and its market snapshot from the store (on the caller's thread, through the window's own connection:
a second connection opened on a thread for this made a later open of the file fail with "disk I/O error" in
tests/reliability/test_lost_update.py; the cause was not pinned down) and starts a ``FirstResult``: a thread that
computes exactly what the window's first "main" job computes (``jobs.compute_main`` with no what-if). The window
takes the book from it when it opens the portfolio (``take_book``) and, when its first main job is for that very
book (the same objects), the job waits for the thread's outcome instead of computing it again (``job_for``).
Anything else (another portfolio, a what-if, an error) falls back to the window's own path, which reports errors
as always.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)


class FirstResult:
    """A thread computing the first result of portfolio ``name`` (read from ``store`` by the caller's thread)."""

    def __init__(self, store: Any, name: str) -> None:
        from dataclasses import replace
        self.name = name
        self._book: tuple[Any, int, Any] | None = None      # (portfolio, revision, market)
        self._taken: tuple[Any, int, Any] | None = None
        self._outcome: Any = None
        self._error: BaseException | None = None
        try:
            portfolio, revision = store.load_portfolio_revision(name)
            market = store.market_for_portfolio(name)
        except Exception as exc:  # noqa: BLE001 - the window reads it again and reports what goes wrong
            log.debug("first result: the book was not read ahead: %s", exc)
            market = None
        if market is not None:
            if portfolio.name != name:
                portfolio = replace(portfolio, name=name)
            self._book = (portfolio, revision, market)
        self._thread = threading.Thread(target=self._run, args=(self._book,), name="riskws-first-result",
                                        daemon=True)
        self._thread.start()

    def _run(self, book: tuple[Any, int, Any] | None) -> None:
        from workstation.services import jobs
        if book is None:
            return
        portfolio, _revision, market = book
        try:
            self._outcome = jobs.compute_main(portfolio, market, None, None)
        except BaseException as exc:  # noqa: BLE001 - raised again by the job that takes it
            self._error = exc

    def take_book(self, name: str) -> tuple[Any, int, Any] | None:
        """(portfolio, revision, market) read ahead for ``name``, once; None for another name or on failure."""
        if name != self.name:
            return None
        book, self._book = self._book, None
        if book is not None:
            self._taken = book
        return book

    def job_for(self, portfolio: Any, market: Any, scenario: Any, live_unit: Any) -> Callable[[], Any] | None:
        """The window's first main job when it is for the book taken from here, unchanged (the same objects), with
        no what-if; None otherwise (the window computes it itself)."""
        taken = self._taken
        if taken is None or scenario is not None or live_unit is not None:
            return None
        if portfolio is not taken[0] or market is not taken[2]:
            return None
        self._taken = None

        def job() -> Any:
            self._thread.join()
            if self._error is not None:
                raise self._error
            return self._outcome
        return job

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
