"""Vectorised Black-76 on the forward with r = 0 (rules spec §3.4): price and greeks in USD per unit of underlying."""

from __future__ import annotations

from functools import lru_cache
from math import sqrt

import numpy as np

_INV_SQRT_2PI = 1.0 / sqrt(2.0 * np.pi)


def norm_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF to double precision (scipy's ndtr: numpy has no erf). No option to price (a book
    without options still asks for their greeks, on empty arrays): an empty answer, without importing scipy."""
    if np.size(x) == 0:
        return np.zeros(np.shape(x))
    return _ndtr()(x)


@lru_cache(maxsize=1)
def _ndtr():
    """scipy.special.ndtr, imported at the first price: importing scipy.special takes ~150 ms, which importing
    the engine (the GUI does before its first paint) should not pay."""
    from scipy.special import ndtr
    return ndtr


def black76(fwd: np.ndarray, strike: np.ndarray, vol: np.ndarray, t: np.ndarray, is_call: np.ndarray) -> np.ndarray:
    """Undiscounted Black-76 price; intrinsic value where t or vol is zero."""
    sd = np.sqrt(np.maximum(t, 0.0))
    sd = sd * vol
    return black76_sd(fwd, strike, sd, is_call)


def black76_sd(fwd: np.ndarray, strike: np.ndarray, sd: np.ndarray, is_call: np.ndarray) -> np.ndarray:
    """Black-76 from the standard deviation sd = vol x sqrt(t) (callers with few distinct sd build it cheaply)."""
    put = np.logical_not(is_call).astype(float)           # before broadcasting: usually one flag per row
    dead = sd <= 1e-12
    if not dead.any():                  # the usual case: no guard needed
        return np.maximum(_black76_live(fwd, strike, sd, put), 0.0)
    fwd, strike, sd, put, dead = np.broadcast_arrays(fwd, strike, sd, put, dead)
    sd = np.where(dead, 1.0, sd)        # priced below, then replaced by the intrinsic value
    price = np.maximum(_black76_live(fwd, strike, sd, put), 0.0)
    f, k, p = fwd[dead], strike[dead], put[dead]
    price[dead] = np.where(p == 0.0, np.maximum(f - k, 0.0), np.maximum(k - f, 0.0))
    return price


def _black76_live(fwd: np.ndarray, strike: np.ndarray, sd: np.ndarray, put: np.ndarray) -> np.ndarray:
    """Black-76 for sd > 0: call = F N(d1) - K N(d2); a put (put = 1) by parity, call - (F - K).

    In-place steps spare (n, 34) temporaries; the put flag multiplies rather than selects (np.where is slow).
    """
    half_var = 0.5 * sd
    half_var *= sd
    d1 = np.log(fwd / strike) + half_var       # full broadcast shape from here on: in-place is safe
    d1 /= sd
    price = fwd * norm_cdf(d1)
    d1 -= sd                            # now d2
    price -= strike * norm_cdf(d1)
    price -= (fwd - strike) * put
    return price


def black76_greeks(fwd: np.ndarray, strike: np.ndarray, vol: np.ndarray, t: np.ndarray,
                   is_call: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(delta, gamma, vega per 1.00 vol, theta per year) of the Black-76 price with respect to the forward."""
    sd = vol * np.sqrt(np.maximum(t, 0.0))
    live = sd > 1e-12
    safe_sd = np.where(live, sd, 1.0)
    safe_t = np.where(t > 0, t, 1.0)
    d1 = (np.log(fwd / strike) + 0.5 * safe_sd * safe_sd) / safe_sd
    pdf = np.exp(-0.5 * d1 * d1) * _INV_SQRT_2PI
    cdf = norm_cdf(d1)
    delta = np.where(is_call, cdf, cdf - 1.0)
    gamma = pdf / (fwd * safe_sd)
    vega = fwd * pdf * np.sqrt(np.maximum(t, 0.0))
    theta = -fwd * pdf * vol / (2.0 * np.sqrt(safe_t))
    itm = np.where(is_call, fwd > strike, fwd < strike)
    dead_delta = np.where(itm, np.where(is_call, 1.0, -1.0), 0.0)
    return (np.where(live, delta, dead_delta), np.where(live, gamma, 0.0),
            np.where(live, vega, 0.0), np.where(live, theta, 0.0))
