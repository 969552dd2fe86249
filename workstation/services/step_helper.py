"""One persistent helper thread for a what-if step's two live unit charts (issue 16).

``engine.shocked.run_parallel`` starts its threads per call and they end with it: right for the margin curve's long
calls, but a held slider's step prices its two charts (a few ms each) many times a second, and two thread starts
and exits per step are a measurable part of that. Here the second chart goes to a thread started once, waiting on
a queue between steps (it holds nothing between tasks).

A task that no thread has started when its caller is done with its own is run by the caller itself, so two callers
sharing the helper never wait on each other's work, and a busy helper never makes a step slower than serial.
Plain ``_thread`` threads, as ``engine.shocked``'s: no ``threading`` object is made in the caller (a QThread).
"""

from __future__ import annotations

import _thread
import queue
from typing import Any, Callable, Sequence


class _Task:
    __slots__ = ("fn", "claim", "done", "value", "error")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.claim = _thread.allocate_lock()        # held by whichever thread runs it
        self.done = _thread.allocate_lock()         # released once it has run
        self.done.acquire()
        self.value: Any = None
        self.error: BaseException | None = None

    def run_if_unclaimed(self) -> None:
        if not self.claim.acquire(False):
            return
        try:
            self.value = self.fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            self.error = exc
        finally:
            self.fn = None
            self.done.release()

    def result(self) -> Any:
        self.run_if_unclaimed()
        with self.done:
            pass
        if self.error is not None:
            raise self.error
        return self.value


class StepHelper:
    """``run(tasks)``: the first task in the calling thread, the others on the helper thread; results in order,
    the first exception (in task order) re-raised: the signature of ``engine.shocked.run_parallel``."""

    def __init__(self) -> None:
        self._queue: "queue.SimpleQueue[_Task]" = queue.SimpleQueue()
        self._start_lock = _thread.allocate_lock()
        self._started = False

    def run(self, tasks: Sequence[Callable[[], Any]]) -> list[Any]:
        from engine.shocked import workers
        if len(tasks) <= 1 or workers() <= 1:        # RISKWS_THREADS=1, or one usable core: one after the other
            return [t() for t in tasks]
        self._start()
        rest = [_Task(t) for t in tasks[1:]]
        for t in rest:
            self._queue.put(t)
        first = _Task(tasks[0])
        first.run_if_unclaimed()
        return [first.result()] + [t.result() for t in rest]

    def _start(self) -> None:
        if self._started:
            return
        with self._start_lock:
            if not self._started:
                _thread.start_new_thread(self._loop, ())
                self._started = True

    def _loop(self) -> None:
        while True:
            self._queue.get().run_if_unclaimed()


HELPER = StepHelper()
