"""Running a batch on dask.distributed: a LocalCluster sized to the machine, or a scheduler by address."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from typing import Callable, Iterator, Sequence

from engine import InputError, Market
from engine.market import market_to_dict
from engine.scenario import Scenario, check_scenario

from .books import BookRef
from .task import evaluate_book, market_key

Progress = Callable[[int, int], None]


def scheduler_address(option: str | None) -> str | None:
    """``--scheduler``, else ``$DASK_SCHEDULER_ADDRESS``, else None (a LocalCluster)."""
    return option or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


@contextlib.contextmanager
def dask_client(address: str | None, workers: int | None = None) -> Iterator:
    """A connected ``distributed.Client``; without an address, on a LocalCluster of processes on 127.0.0.1.

    The local cluster's logs are silenced below CRITICAL: its workers log a heartbeat error when the cluster shuts
    down, which is noise on a command's stderr."""
    from distributed import Client, LocalCluster
    if address:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler: cannot reach a Dask scheduler at {address} ({exc})") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client


def check_scenarios(market: Market, scenarios: Sequence[Scenario]) -> None:
    """Every scenario applied to the market alone: a bad one stops the batch before anything is submitted."""
    if not scenarios:
        raise InputError("--scenarios: no scenario to run")
    for s in scenarios:
        check_scenario(market, s)


def run_batch(refs: Sequence[BookRef], market: Market, scenarios: Sequence[Scenario], modes: Sequence[str | None],
              rules: Sequence[str | None], ratio_floor: float, *, client=None, scheduler: str | None = None,
              workers: int | None = None, progress: Progress | None = None) -> list[dict]:
    """All rows, books in the given order. One task per book; a lost worker's tasks are rerun by Dask, and each
    book's rows are taken once from its one future, so no row is lost or doubled."""
    check_scenarios(market, scenarios)
    if client is None and all(ref.error is not None for ref in refs):   # nothing to compute: no cluster
        return run_local(refs, market, scenarios, modes, rules, ratio_floor)
    if client is None:
        with dask_client(scheduler, workers) as c:
            return run_batch(refs, market, scenarios, modes, rules, ratio_floor, client=c, progress=progress)
    from distributed import as_completed
    doc = market_to_dict(market)
    key = market_key(doc)
    [doc_future] = client.scatter([doc], broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]
    futures = [client.submit(evaluate_book, ref, doc_future, key, tuple(scenarios), tuple(modes), tuple(rules),
                             ratio_floor, key=f"riskws-book-{run}-{i}", pure=False, retries=2)
               for i, ref in enumerate(refs)]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[list[dict] | None] = [None] * len(futures)
    if progress:
        progress(0, len(futures))
    for done, fut in enumerate(as_completed(futures), 1):
        try:
            out[index[fut.key]] = fut.result()
        except Exception as exc:  # noqa: BLE001 - a task that died (e.g. its worker, too often): the book's row
            from .task import error_row
            i = index[fut.key]
            out[i] = [error_row(refs[i].label, "", "", "", f"task failed: {type(exc).__name__}: {exc}")]
        if progress:
            progress(done, len(futures))
    return [row for rows in out for row in (rows or [])]


def run_local(refs: Sequence[BookRef], market: Market, scenarios: Sequence[Scenario], modes: Sequence[str | None],
              rules: Sequence[str | None], ratio_floor: float) -> list[dict]:
    """The same rows in this process, without Dask (the bench's baseline and the tests' reference)."""
    check_scenarios(market, scenarios)
    doc = market_to_dict(market)
    key = market_key(doc)
    return [row for ref in refs for row in evaluate_book(ref, doc, key, scenarios, modes, rules, ratio_floor)]
