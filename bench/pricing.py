"""The physical bar and the peers: Black-76 over the desk's options x the engine's 34 scenario columns.

The bar is the least work any engine must do for portfolio margin: one Black-76 price per option per scenario
column, here with every input already laid out as (n_options, 34) arrays. Peers price the same flat grid.
"""

from __future__ import annotations

import importlib
import warnings
from math import sqrt
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import ndtr

from engine.book import OPTION, build_book
from engine.params import load_rule_set
from engine.params import GROUPS
from engine.pm.scenarios import build_grid, twist_size, vol_shock_size
from engine.pricing import black76

from .timing import Timing, measure, measure_interleaved


@dataclass(frozen=True)
class OptionGrid:
    """Scenario inputs of every option of a book: forward, strike, vol, time (n, 34) and the call flag."""

    fwd: np.ndarray
    strike: np.ndarray
    vol: np.ndarray
    t: np.ndarray
    is_call: np.ndarray

    @property
    def size(self) -> int:
        return self.fwd.size

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        shape = self.fwd.shape
        return tuple(np.ascontiguousarray(np.broadcast_to(a, shape)).ravel()
                     for a in (self.fwd, self.strike, self.vol, self.t, self.is_call))


def option_grid(portfolio, market) -> OptionGrid:
    """The engine's own 34 scenario columns for every option of the book: moved and carried forwards, shocked and
    twisted vols, horizon-decayed times (the same numbers the engine prices, so the bar meets the same data)."""
    book = build_book(portfolio, market)
    rules = load_rule_set(portfolio.rules)
    grid = build_grid(rules)
    opt = np.flatnonzero(book.kind == OPTION)
    group = np.array([GROUPS.index(rules.group_of(book.instruments[i].underlying)) for i in opt])
    f0, spot, t0 = book.fwd[opt][:, None], book.spot[opt][:, None], book.t_years[opt][:, None]
    f = np.maximum(f0 + spot * grid.moves[group], f0 * 1e-6) * np.exp(grid.rate[None, :] * t0)
    vol = _scenario_vols(book.vol[opt][:, None], book.days[opt][:, None], grid.vol_mode, rules)
    t = np.maximum(t0 - grid.dt_years[None, :], 0.0)
    return OptionGrid(fwd=f, strike=book.strike[opt][:, None], vol=vol, t=t, is_call=book.is_call[opt][:, None])


def _scenario_vols(vol0: np.ndarray, days: np.ndarray, mode: np.ndarray, rules) -> np.ndarray:
    """(n, 34) vols of the columns: MR1 down/same/up shocks, MR3 twists (rules spec 11.3, 11.5), floors."""
    shock = vol_shock_size(days, vol0, rules)
    twist = np.where(days <= rules.get("mr3.splitDays"), 1.0, -1.0) * twist_size(days, rules)
    floor = rules.get("mr1.volFloor")
    states = [np.maximum(floor, vol0 - shock), vol0, vol0 + shock, np.maximum(vol0 + twist, floor),
              np.maximum(vol0 - twist, floor)]                 # V_DOWN, V_SAME, V_UP, V_TWIST_A, V_TWIST_B
    return np.concatenate(states, axis=1)[:, mode]


def bare_black76(f, k, vol, t, is_call):
    """Undiscounted Black-76 in the fewest numpy passes (no guards: t = 0 gives nan): the bar."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = vol * np.sqrt(t)
        d1 = (np.log(f / k) + 0.5 * sd * sd) / sd
        call = f * ndtr(d1) - k * ndtr(d1 - sd)
        return np.where(is_call, call, call - (f - k))


def bare_black76_blocks(g: OptionGrid, rows: int = 256) -> list[np.ndarray]:
    """The bar in blocks of ``rows`` options: temporaries stay in cache and in malloc's heap (no page faults)."""
    return [bare_black76(g.fwd[i:i + rows], g.strike[i:i + rows], g.vol[i:i + rows], g.t[i:i + rows],
                         g.is_call[i:i + rows]) for i in range(0, g.fwd.shape[0], rows)]


def bar_functions(g: OptionGrid) -> dict[str, Callable[[], object]]:
    return {"whole grid": lambda: bare_black76(g.fwd, g.strike, g.vol, g.t, g.is_call),
            "256-option blocks": lambda: bare_black76_blocks(g)}


def time_bar(g: OptionGrid) -> dict[str, Timing]:
    out = {f"bar: bare numpy Black-76, {k}": measure(fn, runs=60) for k, fn in bar_functions(g).items()}
    out["engine.pricing.black76 (whole grid)"] = measure(lambda: black76(g.fwd, g.strike, g.vol, g.t, g.is_call))
    return out


def time_peers(g: OptionGrid, *, scalar_sample: int = 20_000) -> tuple[dict[str, Timing], list[str]]:
    """Peers on the same flat grid; scalar libraries price a sample and are scaled to the full grid."""
    f, k, vol, t, call = g.flat()
    live = t > 0                        # peers reject t = 0 (options expiring within the MR2 horizon)
    f, k, vol, t, call = (a[live] for a in (f, k, vol, t, call))
    out: dict[str, Timing] = {}
    notes: list[str] = [f"peers price the {f.size} of {g.size} grid prices with t > 0"]
    reference = bare_black76(f, k, vol, t, call)

    fv = _optional("fast_vollib")
    if fv is not None:
        flags = np.where(call, "c", "p")
        price = fv.fast_black(flags, f, k, t, 0.0, vol, return_as="numpy")
        notes.append(f"fast-vollib {_version('fast-vollib')} (numpy backend, flat arrays, timed in turn with the bar): "
                     f"max |diff| vs bar {np.max(np.abs(price - reference)):.2e}")
        pair = measure_interleaved({
            "bar": lambda: bare_black76(g.fwd, g.strike, g.vol, g.t, g.is_call),
            "peer": lambda: fv.fast_black(flags, f, k, t, 0.0, vol, return_as="numpy")}, runs=20)
        out["fast-vollib fast_black (vectorised)"] = pair["peer"]
        out["bar, timed in turn with fast-vollib"] = pair["bar"]
    else:
        notes.append("fast-vollib not installed (pip install -e '.[bench]')")

    n = min(scalar_sample, f.size)
    scale = f.size / n
    ql = _optional("QuantLib")
    if ql is not None:
        types = (ql.Option.Put, ql.Option.Call)

        def quantlib_loop() -> list[float]:
            return [ql.BlackCalculator(ql.PlainVanillaPayoff(types[c], kk), ff, vv * sqrt(tt), 1.0).value()
                    for ff, kk, vv, tt, c in zip(f[:n].tolist(), k[:n].tolist(), vol[:n].tolist(),
                                                 t[:n].tolist(), call[:n].tolist())]

        diff = np.max(np.abs(np.array(quantlib_loop()) - reference[:n]))
        notes.append(f"QuantLib {ql.__version__} BlackCalculator: {n} of {f.size} prices timed, scaled x{scale:.2f}; "
                     f"max |diff| vs bar {diff:.2e}")
        out["QuantLib BlackCalculator (Python loop)"] = _scaled(measure(quantlib_loop, runs=5, warmup=1), scale)
    pv = _optional("py_vollib.black")
    if pv is not None:
        m = min(2_000, f.size)

        def vollib_loop() -> list[float]:
            return [pv.black("c" if c else "p", ff, kk, tt, 0.0, vv)
                    for ff, kk, vv, tt, c in zip(f[:m].tolist(), k[:m].tolist(), vol[:m].tolist(),
                                                 t[:m].tolist(), call[:m].tolist())]

        notes.append(f"py_vollib {_version('py_vollib')} black (scalar): {m} prices timed, scaled x{f.size / m:.1f}")
        out["py_vollib black (Python loop)"] = _scaled(measure(vollib_loop, runs=5, warmup=1), f.size / m)
    pvv = _optional("py_vollib_vectorized")
    if pvv is None:
        notes.append("py_vollib_vectorized: not installed (not in the bench extra: 0.1.1 fails with current numba)")
        return out, notes
    try:
        pvv.vectorized_black(np.array(["c"]), f[:1], k[:1], t[:1], 0.0, vol[:1], return_as="numpy")
    except Exception as exc:  # noqa: BLE001 - a peer that does not run here is reported, not timed
        notes.append(f"py_vollib_vectorized {_version('py_vollib_vectorized')}: does not run here "
                     f"({type(exc).__name__}; it needs an older numba); not timed")
    else:
        out["py_vollib_vectorized vectorized_black"] = measure(
            lambda: pvv.vectorized_black(np.where(call, "c", "p"), f, k, t, 0.0, vol, return_as="numpy"), runs=10)
    return out, notes


def _scaled(t: Timing, factor: float) -> Timing:
    return Timing(t.median_ms * factor, t.p95_ms * factor, t.runs)


def _optional(module: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(module)
        except Exception:  # noqa: BLE001 - any import failure means "peer not available"
            return None


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"
