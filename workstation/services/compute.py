"""Latest-wins background computation (Orange3's ConcurrentMixin idea, reduced to what we need).

Two worker threads run engine calls: a *fast* lane for the cheap interactive channels (the spot-in-use drag preview and
the selected unit's charts) so that they never queue behind a full recomputation, and a *slow* lane for the rest.
Requests go to named *channels* ("main", "preview", "curve", ...); each channel keeps only its newest pending request, so a burst of slider moves costs at most one running and one pending
computation. Every request gets a generation number; a result whose generation is no longer the channel's newest is
dropped on arrival, so stale figures never reach the screen. Results arrive on the GUI thread through queued signals.

Requests can be paced (``pace_s``: a channel's computations start at most that often). One exception to the
dropping, asked for per request (``show_superseded=True``): the margin curve and the steps while a what-if slider
is held.
Each step supersedes the previous curve request, and a curve takes longer than a step, so with the rule above no
curve would ever land during a drag. Such a result is shown when it is newer than anything shown on its channel
(the channel's newest request stays outstanding and lands after it); ``cancel`` drops them too.

The curve's lane is gated: a curve starts once no "main" result is running or pending on the slow lane (a what-if
step first: the curve would take a core from it), or after waiting ``GATE_MAX_S``, so that steps back to back never
starve it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
import weakref
from collections import OrderedDict
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from engine.errors import InputError

log = logging.getLogger(__name__)

GATE_MAX_S = 0.1      # the longest a gated lane (the margin curve) waits for the gate (no "main" result running)


class _Worker(QThread):
    done = Signal(str, int, object)
    error = Signal(str, int, str, bool)   # channel, generation, message, is_input_error
    drained = Signal()

    def __init__(self, name: str, gate: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.setObjectName(f"riskws-compute-{name}")
        self._cond = threading.Condition()
        self._pending: OrderedDict[str, tuple[int, Callable[[], Any], float]] = OrderedDict()
        self._started: dict[str, float] = {}          # monotonic start of each channel's last computation
        self._stop = False
        self._gate = gate                             # None, or: may a computation start now? (``poke`` rechecks)
        self._waiting_since: float | None = None      # when this lane last went from idle to having work
        self.after_job: Callable[[], None] | None = None   # called on this thread after each computation
        self.running_channel: str | None = None

    def busy_with(self, channel: str) -> bool:
        """Whether ``channel`` is running or pending here (read without the lock: a stale answer only delays a
        gated lane until its next ``poke``)."""
        return self.running_channel == channel or channel in self._pending

    def poke(self) -> None:
        """Recheck the gate (another lane finished a computation)."""
        with self._cond:
            self._cond.notify()

    def post(self, channel: str, generation: int, fn: Callable[[], Any], pace_s: float = 0.0) -> None:
        """Queue ``fn``; ``pace_s``: start it no sooner than ``pace_s`` after the channel's previous start (a
        newer request arriving meanwhile replaces it, so a paced channel computes only its newest request)."""
        with self._cond:
            self._pending.pop(channel, None)          # the older request of this channel is superseded
            self._pending[channel] = (generation, fn, pace_s)
            if self._waiting_since is None:
                self._waiting_since = time.monotonic()
            self._cond.notify()

    def _next(self) -> tuple[str, int, Callable[[], Any]] | None:
        """The first pending request whose pace allows it to start now (under the lock); None: wait."""
        now = time.monotonic()
        if self._gate is not None and not self._gate():
            held = now - (self._waiting_since if self._waiting_since is not None else now)
            if held < GATE_MAX_S:                     # never starved: steps back to back leave a curve a turn
                self._cond.wait(min(0.05, GATE_MAX_S - held))   # woken by poke()
                return None
        soonest = None
        for channel, (generation, fn, pace) in self._pending.items():
            wait = self._started.get(channel, -math.inf) + pace - now
            if wait <= 0.0:
                del self._pending[channel]
                self._started[channel] = now
                self._waiting_since = now if self._pending else None
                return channel, generation, fn
            soonest = wait if soonest is None else min(soonest, wait)
        self._cond.wait(soonest)
        return None

    def has_work(self) -> bool:
        with self._cond:
            return bool(self._pending) or self.running_channel is not None

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._pending.clear()
            self._cond.notify()

    def run(self) -> None:
        while True:
            with self._cond:
                job = None
                while job is None:
                    while not self._pending and not self._stop:
                        self._cond.wait()
                    if self._stop:
                        return
                    job = self._next()
                channel, generation, fn = job
                self.running_channel = channel
            try:
                result = fn()
            except InputError as exc:
                self.error.emit(channel, generation, str(exc), True)
            except Exception as exc:  # noqa: BLE001 - reported to the user, never swallowed silently
                log.error("computation on channel %s failed:\n%s", channel, traceback.format_exc())
                self.error.emit(channel, generation, f"{type(exc).__name__}: {exc}", False)
            else:
                self.done.emit(channel, generation, result)
            finally:
                with self._cond:
                    self.running_channel = None
                    empty = not self._pending
                if self.after_job is not None:
                    self.after_job()
                if empty:
                    self.drained.emit()


class ComputeService(QObject):
    """Runs callables off the GUI thread; only the newest request per channel reports back."""

    instances: "weakref.WeakSet[ComputeService]" = weakref.WeakSet()   # for leak checks in tests

    finished = Signal(str, object)            # channel, result (current requests only)
    failed = Signal(str, str, bool)           # channel, message, is_input_error
    busyChanged = Signal(bool)

    FAST_CHANNELS = frozenset({"preview", "unit"})
    CURVE_CHANNELS = frozenset({"curve"})     # a lane of its own: a what-if drag's next result never waits for
                                              # the margin curve of the previous step; a curve starts once no
                                              # "main" result is running or pending (the step first)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation: dict[str, int] = {}
        self._shown: dict[str, int] = {}          # newest generation delivered (or cancelled) per channel
        self._superseded_ok: dict[str, set[int]] = {}   # generations that may be shown once superseded
        self._outstanding: set[str] = set()
        slow = _Worker("slow")
        # a margin curve starts when no "main" result is running or waiting: a what-if step's result has the
        # first claim on the cores (the curve, in its child process or here, would share them with it)
        curve = _Worker("curve", gate=lambda: not slow.busy_with("main"))
        slow.after_job = curve.poke
        self._lanes = {"fast": _Worker("fast"), "slow": slow, "curve": curve}
        for w in self._lanes.values():
            w.done.connect(self._on_done)
            w.error.connect(self._on_error)
        self._closed = False
        self._curve_process = None               # created at the first live curve (curve_process())
        for w in self._lanes.values():
            w.start()
        ComputeService.instances.add(self)

    # -- requests -----------------------------------------------------------------------------------------------
    def submit(self, channel: str, fn: Callable[[], Any], *, show_superseded: bool = False,
               pace_s: float = 0.0) -> int:
        """Queue ``fn`` on ``channel``; supersedes that channel's pending request. Returns its generation.

        ``show_superseded``: if a newer request supersedes this one after it started, its result is still shown
        when it finishes, provided nothing newer was shown on the channel meanwhile (see the module docstring).
        ``pace_s``: it starts no sooner than ``pace_s`` after the channel's previous computation started (the
        live margin curve: at most ten a second, so that it leaves the cores to the drag's steps)."""
        if self._closed:
            raise RuntimeError("compute service is shut down")
        gen = self._generation.get(channel, 0) + 1
        self._generation[channel] = gen
        if show_superseded:
            self._superseded_ok.setdefault(channel, set()).add(gen)
        was_busy = bool(self._outstanding)
        self._outstanding.add(channel)
        lane = "fast" if channel in self.FAST_CHANNELS else "curve" if channel in self.CURVE_CHANNELS else "slow"
        self._lanes[lane].post(channel, gen, fn, pace_s)
        if not was_busy:
            self.busyChanged.emit(True)
        return gen

    def cancel(self, channel: str) -> None:
        """Forget ``channel``'s outstanding request: its result, when it comes, is dropped."""
        self._generation[channel] = self._shown[channel] = self._generation.get(channel, 0) + 1
        self._superseded_ok.pop(channel, None)
        self._settle(channel)

    def curve_process(self):
        """The child process of live margin curves (``curve_process.CurveProcess``), started when first asked."""
        if self._curve_process is None:
            from workstation.services.curve_process import CurveProcess
            self._curve_process = CurveProcess()
        self._curve_process.start()
        return self._curve_process

    def generation(self, channel: str) -> int:
        return self._generation.get(channel, 0)

    def is_busy(self, channel: str | None = None) -> bool:
        return bool(self._outstanding) if channel is None else channel in self._outstanding

    # -- results ------------------------------------------------------------------------------------------------
    def _settle(self, channel: str) -> None:
        if channel in self._outstanding:
            self._outstanding.discard(channel)
            if not self._outstanding:
                self.busyChanged.emit(False)

    def _on_done(self, channel: str, gen: int, result: object) -> None:
        if self._closed:
            return
        may_show = self._take_superseded_ok(channel, gen)
        if gen != self._generation.get(channel):
            # stale: a newer request of this channel exists; shown only if asked and newer than what is on screen
            if may_show and gen > self._shown.get(channel, 0):
                self._shown[channel] = gen
                self.finished.emit(channel, result)
            return
        self._shown[channel] = gen
        self._settle(channel)
        self.finished.emit(channel, result)

    def _take_superseded_ok(self, channel: str, gen: int) -> bool:
        """Whether ``gen`` was submitted with ``show_superseded``; forgets it and every older generation (those
        were superseded before they ran and never report)."""
        ok = self._superseded_ok.get(channel)
        if not ok:
            return False
        allowed = gen in ok
        ok.difference_update([g for g in ok if g <= gen])
        return allowed

    def _on_error(self, channel: str, gen: int, message: str, is_input: bool) -> None:
        if self._closed or gen != self._generation.get(channel):
            return
        self._settle(channel)
        self.failed.emit(channel, message, is_input)

    # -- lifetime -----------------------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Stop the worker thread (waits for a running computation to return)."""
        if self._closed:
            return
        self._closed = True
        for w in self._lanes.values():
            w.stop()
        if self._curve_process is not None:      # a worker may wait on it: end it first
            self._curve_process.shutdown()
        for w in self._lanes.values():
            if not w.wait(timeout_ms):
                log.error("compute worker %s did not stop within %d ms", w.objectName(), timeout_ms)
        self._outstanding.clear()

    def thread_running(self) -> bool:
        return any(w.isRunning() for w in self._lanes.values())
