"""The account after every crypto index moved by the same fraction (the OKX position-builder graph's shock).

Many shocks at once (``ratios_at``) run on a small thread pool: each shock is the same full revaluation as
``evaluate_at`` (so the figures are bit-identical to evaluating one shock at a time), and numpy releases the GIL
inside its loops, so two cores share the Black-76 work.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import MappingProxyType
from typing import Callable, Sequence

import numpy as np

from .book import shift_book
from .catalogue import is_stablecoin
from .core import Prepared, evaluate, prepare
from .market import Market
from .result import MarginResult

BLOCK = 4        # shocks per task: small enough to balance two workers, large enough to amortise the hand-off
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def workers() -> int:
    """Threads for shock blocks: RISKWS_THREADS, else the cores this process may use (at least 1)."""
    env = os.environ.get("RISKWS_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="riskws-shock")
        return _POOL


def shifted_market(market: Market, move: float) -> Market:
    """``market`` with every crypto index times (1 + move), floored at 1e-6 of itself; stablecoins unchanged."""
    index = {k: (v if is_stablecoin(k.split("-")[0]) else max(v * (1.0 + move), v * 1e-6)) for k, v in market.index.items()}
    return replace(market, index=MappingProxyType(index))


def evaluate_at(prepared: Prepared, move: float) -> MarginResult:
    """The account after every crypto index moved by ``move``, same mode, rules and user spot-in-use."""
    inner = prepared.inner
    book = shift_book(inner.book, move)
    shifted = prepare(inner.portfolio, shifted_market(inner.market, move), prepared.mode, inner.rules, book=book)
    return evaluate(shifted)


def ratio_of(result: MarginResult) -> float:
    """The margin ratio, inf where nothing needs margin (so "<= 1" reads as "liquidated")."""
    return np.inf if result.margin_ratio is None else result.margin_ratio


def _figures(prepared: Prepared, shocks: Sequence[float]) -> list[tuple[float, float]]:
    out = []
    for s in shocks:
        r = evaluate_at(prepared, float(s))
        out.append((r.total_mmr, ratio_of(r)))
    return out


def figures_at(prepared: Prepared, shocks: Sequence[float],
               progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(total MMR, margin ratio) at each shock, shocks spread over the thread pool in blocks of ``BLOCK``.

    ``progress(done, total)`` is called from the calling thread as blocks complete.
    """
    shocks = [float(s) for s in shocks]
    n = len(shocks)
    mmr, ratio = np.empty(n), np.empty(n)
    if n == 0:
        return mmr, ratio
    if workers() == 1 or n <= BLOCK:
        for i, (m, r) in enumerate(_figures(prepared, shocks)):
            mmr[i], ratio[i] = m, r
        return mmr, ratio
    starts = range(0, n, BLOCK)
    futures = [(i, _pool().submit(_figures, prepared, shocks[i:i + BLOCK])) for i in starts]
    done = 0
    for i, f in futures:
        for j, (m, r) in enumerate(f.result()):
            mmr[i + j], ratio[i + j] = m, r
        done += min(BLOCK, n - i)
        if progress is not None:
            progress(done, n)
    return mmr, ratio


def run_parallel(tasks: Sequence[Callable[[], object]]) -> list[object]:
    """Run independent tasks on the pool (in the calling thread when there is one worker); results in order."""
    if workers() == 1 or len(tasks) <= 1:
        return [t() for t in tasks]
    futures = [_pool().submit(t) for t in tasks]
    return [f.result() for f in futures]
