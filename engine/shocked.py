"""The account after every crypto index moved by the same fraction (the OKX position-builder graph's shock).

Many shocks at once (``figures_at``) run on worker threads: each shock is the same full revaluation as
``evaluate_at`` (so the figures are bit-identical to evaluating one shock at a time), and numpy releases the GIL
inside its loops, so two cores share the Black-76 work.
"""

from __future__ import annotations

import _thread
import os
from dataclasses import replace
from types import MappingProxyType
from typing import Callable, Sequence, TypeVar

import numpy as np

from .book import shift_book
from .catalogue import is_stablecoin
from .core import Prepared, evaluate, prepare
from .market import Market
from .result import MarginResult

T = TypeVar("T")
R = TypeVar("R")

BLOCK = 4        # shocks per task: small enough to balance two workers, large enough to amortise the hand-off


def workers(variable: str = "RISKWS_THREADS") -> int:
    """Threads for shock blocks: the environment ``variable`` (a positive integer), else the cores this process may
    use (at least 1)."""
    env = os.environ.get(variable, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def parallel_map(fn: Callable[[T], R], items: Sequence[T], n_workers: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on ``n_workers`` OS threads, the calling thread one of them; results in order,
    the first exception (in item order) re-raised.

    Plain ``_thread`` threads that end when the work does: no pool outlives the call, and no ``threading`` object
    is made in the caller (``threading.Thread`` called from a thread ``threading`` did not start, e.g. the GUI's
    QThread workers, registers a never-ending dummy thread for it).
    """
    n = len(items)
    k = min(n, max(1, n_workers if n_workers is not None else workers()))
    if k <= 1:
        return [fn(x) for x in items]
    results: list = [None] * n
    failed: list = [None] * n
    next_item = iter(range(n))
    take = _thread.allocate_lock()

    def work(done) -> None:
        try:
            while True:
                with take:
                    i = next(next_item, None)
                if i is None:
                    return
                try:
                    results[i] = fn(items[i])
                except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                    failed[i] = exc
        finally:
            done.release()

    locks = []
    for _ in range(k - 1):
        done = _thread.allocate_lock()
        done.acquire()
        _thread.start_new_thread(work, (done,))
        locks.append(done)
    own = _thread.allocate_lock()
    own.acquire()
    work(own)
    for done in locks:
        done.acquire()
    err = next((e for e in failed if e is not None), None)
    if err is not None:
        raise err
    return results


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


MAX_BATCH_ELEMENTS = 2_000_000    # moves x rows priced together (a few (moves, rows) arrays of 16 MB at most)


def figures_at(prepared: Prepared, shocks: Sequence[float],
               progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(total MMR, margin ratio) at each shock, the same numbers as ``evaluate_at`` one shock at a time.

    Portfolio margin: every shock at once (``engine.pm.shock_eval``: moves x rows x 34 scenarios in cache-sized
    chunks, units and blocks of moves on the worker threads). Other modes: shocks spread over the worker threads in
    blocks of ``BLOCK``, each a full revaluation. ``progress(done, total)`` is called once, when all are done.
    """
    shocks = [float(s) for s in shocks]
    n = len(shocks)
    if prepared.mode == "pm" and prepared.inner.book.n and n:
        k = workers()
        per_batch = max(k, MAX_BATCH_ELEMENTS // prepared.inner.book.n)
        mmr, ratio = np.empty(n), np.empty(n)
        for i in range(0, n, per_batch):
            mmr[i:i + per_batch], ratio[i:i + per_batch] = _pm_figures(prepared.inner, shocks[i:i + per_batch], k)
    else:
        mmr, ratio = plain_figures_at(prepared, shocks)
    if progress is not None:
        progress(n, n)
    return mmr, ratio


def _pm_figures(prep, shocks: list[float], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Portfolio margin at ``shocks``: at least one move per worker, the moves split between the workers (each
    worker the whole pipeline for its moves, so the shifted prices and the account totals run in parallel too);
    fewer moves than workers, the (move block, unit) tasks shared out instead. Every move's figures are
    independent of which others share its call."""
    from .pm.shock_eval import figures, revalue_plan
    serial = lambda tasks: [t() for t in tasks]      # noqa: E731
    if len(shocks) < k:
        return figures(prep, np.array(shocks), run_parallel)
    parts = np.array_split(np.array(shocks), k)
    revalue_plan(prep, min(part.size for part in parts))      # built here once, not by each worker
    done = parallel_map(lambda part: figures(prep, part, serial), parts, k)
    return np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])


def plain_figures_at(prepared: Prepared, shocks: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """``figures_at`` by full revaluations (``evaluate_at``), blocks of ``BLOCK`` shocks on the worker threads."""
    shocks = [float(s) for s in shocks]
    n = len(shocks)
    mmr, ratio = np.empty(n), np.empty(n)
    size = max(1, min(BLOCK, -(-n // workers())))      # a few shocks (a bisection step) still use every worker
    blocks = [shocks[i:i + size] for i in range(0, n, size)]
    i = 0
    for block in parallel_map(lambda b: _figures(prepared, b), blocks):
        for m, r in block:
            mmr[i], ratio[i] = m, r
            i += 1
    return mmr, ratio


def run_parallel(tasks: Sequence[Callable[[], object]]) -> list[object]:
    """Run independent tasks on the worker threads; results in order."""
    return parallel_map(lambda t: t(), tasks)
