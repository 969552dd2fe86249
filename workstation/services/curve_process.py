"""The live margin curve of a held what-if slider, computed in a child process (Qt-free).

While a slider is held, a step (the what-if result and the unit charts, then the repaint) and the live margin curve
run at the same time. In one process they share the GIL: the curve's Python-level work delays every GIL hand-off
of the window's thread and of the step's worker (measured: a step took about twice as long with the curve running
as without). In a child process the curve competes for a core, not for the GIL; it runs on one thread there
(``RISKWS_THREADS=1``) at a lower priority (nice 5), leaving the other core, and the first claim on both, to the
step.

The child is ``python -m workstation.services.curve_process`` (a plain subprocess, not ``multiprocessing``, whose
"spawn" re-imports the parent's main script): pickled requests on its stdin, pickled answers on its stdout. It
keeps the last (portfolio, market) pair it was sent, so a step sends only its scenario; the pair goes again when
the document's state changes (new objects). If the child cannot start or dies, the curve is computed in the
calling thread instead (and the child restarted at the next curve): the curve never stops because of the process.
"""

from __future__ import annotations

import copyreg
import io
import logging
import os
import pickle
import subprocess
import sys
import threading
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

NEED_PAIR = "need-pair"


def _mapping_proxy(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


def _reduce_mapping_proxy(m: MappingProxyType) -> tuple:
    return _mapping_proxy, (dict(m),)


_DISPATCH = dict(copyreg.dispatch_table)
_DISPATCH[MappingProxyType] = _reduce_mapping_proxy      # engine objects hold read-only mappings


def _dump(obj: Any, stream: Any) -> None:
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    p.dispatch_table = _DISPATCH
    p.dump(obj)
    data = buf.getvalue()
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def _load(stream: Any) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("curve process closed its pipe")
    n = int.from_bytes(head, "little")
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("curve process closed its pipe")
    return pickle.loads(data)


class CurveProcess:
    """One child process for live curves; ``curve`` blocks the calling (worker) thread until the child answers."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._sent: tuple | None = None          # (portfolio, market) last sent, held so that `is` means the same
        self._lock = threading.Lock()
        self._closed = False
        self.fallbacks = 0                       # curves computed in-process because the child failed

    def start(self) -> None:
        """Start the child now (its imports take a moment): the window calls it when a slider is pressed."""
        with self._lock:
            if self._proc is None and not self._closed:
                env = dict(os.environ, RISKWS_THREADS="1")
                self._proc = subprocess.Popen([sys.executable, "-m", "workstation.services.curve_process"],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
                self._sent = None

    def curve(self, portfolio: Any, market: Any, scenario: Any, live: bool) -> Any:
        """The margin curve (``jobs.compute_curve``) of the pair under ``scenario``, from the child."""
        from engine.errors import InputError
        from workstation.services.jobs import compute_curve
        self.start()
        proc = self._proc
        try:
            if proc is None:
                raise RuntimeError("curve process closed")
            sent = self._sent is not None and self._sent[0] is portfolio and self._sent[1] is market
            _dump(("curve", None if sent else (portfolio, market), scenario, live), proc.stdin)
            kind, answer = _load(proc.stdout)
            if kind == NEED_PAIR:
                _dump(("curve", (portfolio, market), scenario, live), proc.stdin)
                kind, answer = _load(proc.stdout)
            self._sent = (portfolio, market)
        except Exception as exc:  # noqa: BLE001 - the child is an optimisation: fall back, and say so in the log
            log.warning("live curve process failed (%s: %s); computing in-process", type(exc).__name__, exc)
            self.fallbacks += 1
            self._stop_child()
            return compute_curve(portfolio, market, live, scenario)
        if kind == "input-error":
            raise InputError(answer)
        if kind == "error":
            raise RuntimeError(f"curve process: {answer}")
        return answer

    def _stop_child(self) -> None:
        with self._lock:
            proc, self._proc, self._sent = self._proc, None, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._stop_child()


def serve(stdin: Any, stdout: Any) -> None:
    """The child's loop: one request, one answer, until the parent closes the pipe."""
    from engine.errors import InputError
    from workstation.services.jobs import compute_curve
    pair = None
    while True:
        try:
            _op, new_pair, scenario, live = _load(stdin)
        except EOFError:
            return
        if new_pair is not None:
            pair = new_pair
        if pair is None:
            _dump((NEED_PAIR, None), stdout)
            continue
        try:
            answer = ("ok", compute_curve(pair[0], pair[1], live, scenario))
        except InputError as exc:
            answer = ("input-error", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which shows it
            answer = ("error", f"{type(exc).__name__}: {exc}")
        _dump(answer, stdout)


if __name__ == "__main__":
    try:
        os.nice(5)                       # the step (latency) wins a contended core; the curve is paced anyway
    except OSError:
        pass
    _out = sys.stdout.buffer
    sys.stdout = sys.stderr              # nothing printed by an import may corrupt the answers
    serve(sys.stdin.buffer, _out)
