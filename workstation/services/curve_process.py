"""The live margin curve of a held what-if slider, computed in a child process (Qt-free).

While a slider is held, a step (the what-if result and the unit charts, then the repaint) and the live margin curve
run at the same time. In one process they share the GIL: the curve's Python-level work delays every GIL hand-off
of the window's thread and of the step's worker (measured: a step took about twice as long with the curve running
as without). In a child process the curve competes for a core, not for the GIL; it runs there at a lower priority
(nice 5), the step having the first claim on both cores, and its shocks are shared between threads on every core
the process may use when the machine leaves them idle (``RISKWS_CURVE_THREADS`` sets the most; ``curve_threads.py``
decides per curve: between two steps of a drag the window's process leaves a core or more idle, and one thread
could use only one of them).

The child is ``python -m workstation.services.curve_process`` (a plain subprocess, not ``multiprocessing``, whose
"spawn" re-imports the parent's main script): one JSON line per request on its stdin, one per answer on its
stdout, engine objects tagged and rebuilt from a whitelist of their types (floats exact: ``repr`` round-trips). It
keeps the last (portfolio, market) pair it was sent, so a step sends only its scenario; the pair goes again when
the document's state changes (new objects). If the child cannot start or dies, the curve is computed in the
calling thread instead (and the child restarted at the next curve): the curve never stops because of the process.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import threading
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

NEED_PAIR = "need-pair"


@lru_cache(maxsize=1)
def _classes() -> dict[str, type]:
    """The only types the protocol rebuilds (a whitelist: the pipe carries data, never code)."""
    from engine.catalogue import InstSpec
    from engine.curve import MarginCurve
    from engine.market import Market
    from engine.portfolio import Asset, Portfolio, Position
    from engine.scenario import Scenario, VolShift
    return {c.__name__: c for c in (Portfolio, Position, Asset, Market, InstSpec, Scenario, VolShift, MarginCurve)}


def encode(o: Any) -> Any:
    """Engine objects as JSON-able data with type tags; floats keep every bit (``repr`` round-trips)."""
    if o is None or isinstance(o, (bool, int, str)):
        return o
    if isinstance(o, float):
        return o
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, tuple):
        return {"t": [encode(x) for x in o]}
    if isinstance(o, list):
        return {"l": [encode(x) for x in o]}
    if isinstance(o, (dict, MappingProxyType)):
        return {"mp" if isinstance(o, MappingProxyType) else "d": [[encode(k), encode(v)] for k, v in o.items()]}
    if isinstance(o, datetime):
        return {"dt": o.isoformat()}
    if isinstance(o, np.ndarray):
        return {"nd": o.dtype.str, "v": o.tolist()}
    if dataclasses.is_dataclass(o) and type(o).__name__ in _classes():
        return {"dc": type(o).__name__,
                "f": {f.name: encode(getattr(o, f.name)) for f in dataclasses.fields(o) if f.init}}
    raise TypeError(f"curve process: cannot send a {type(o).__name__}")


def decode(o: Any) -> Any:
    if not isinstance(o, dict):
        return o
    if "t" in o:
        return tuple(decode(x) for x in o["t"])
    if "l" in o:
        return [decode(x) for x in o["l"]]
    if "d" in o or "mp" in o:
        d = {decode(k): decode(v) for k, v in o.get("d", o.get("mp"))}
        return MappingProxyType(d) if "mp" in o else d
    if "dt" in o:
        return datetime.fromisoformat(o["dt"])
    if "nd" in o:
        return np.array(o["v"], dtype=np.dtype(o["nd"]))
    if "dc" in o:
        cls = _classes()[o["dc"]]                      # KeyError: not a type the protocol carries
        return cls(**{k: decode(v) for k, v in o["f"].items()})
    raise ValueError("curve process: unknown message")


def _send(obj: Any, stream: Any) -> None:
    stream.write(json.dumps(encode(obj), separators=(",", ":")).encode("utf-8") + b"\n")
    stream.flush()


def _receive(stream: Any) -> Any:
    line = stream.readline()
    if not line:
        raise EOFError("curve process closed its pipe")
    return decode(json.loads(line))


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
                env = dict(os.environ, RISKWS_THREADS=str(child_threads()))
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
            _send(("curve", None if sent else (portfolio, market), scenario, live), proc.stdin)
            kind, answer = _receive(proc.stdout)
            if kind == NEED_PAIR:
                _send(("curve", (portfolio, market), scenario, live), proc.stdin)
                kind, answer = _receive(proc.stdout)
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


def child_threads() -> int:
    """The child's threads for a curve's shocks: ``RISKWS_CURVE_THREADS``, else every core this process may use."""
    from engine.shocked import workers
    return workers("RISKWS_CURVE_THREADS")


def serve(stdin: Any, stdout: Any) -> None:
    """The child's loop: one request, one answer, until the parent closes the pipe."""
    from engine.errors import InputError
    from workstation.services.curve_threads import ThreadChooser
    from workstation.services.jobs import compute_curve
    pair = None
    from engine.shocked import workers
    chooser = ThreadChooser(workers())          # the most it may use: RISKWS_THREADS as the parent set it
    while True:
        try:
            _op, new_pair, scenario, live = _receive(stdin)
        except EOFError:
            return
        if new_pair is not None:
            pair = new_pair
        if pair is None:
            _send((NEED_PAIR, None), stdout)
            continue
        os.environ["RISKWS_THREADS"] = str(chooser.threads())     # engine.shocked.workers() reads it per call
        try:
            answer = ("ok", compute_curve(pair[0], pair[1], live, scenario))
        except InputError as exc:
            answer = ("input-error", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which shows it
            answer = ("error", f"{type(exc).__name__}: {exc}")
        _send(answer, stdout)


if __name__ == "__main__":
    try:
        os.nice(5)                       # the step (latency) wins a contended core; the curve is paced anyway
    except OSError:
        pass
    _out = sys.stdout.buffer
    sys.stdout = sys.stderr              # nothing printed by an import may corrupt the answers
    serve(sys.stdin.buffer, _out)
