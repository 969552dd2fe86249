"""Vectorised Black-76 on the forward with r = 0 (rules spec §3.4): price and greeks in USD per unit of underlying."""

from __future__ import annotations

from math import sqrt

import numpy as np
from scipy.special import ndtr

_INV_SQRT_2PI = 1.0 / sqrt(2.0 * np.pi)


def norm_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF to double precision (scipy's ndtr: numpy has no erf)."""
    return ndtr(x)


def black76(fwd: np.ndarray, strike: np.ndarray, vol: np.ndarray, t: np.ndarray, is_call: np.ndarray) -> np.ndarray:
    """Undiscounted Black-76 price; intrinsic value where t or vol is zero."""
    fwd, strike, vol, t = np.broadcast_arrays(fwd, strike, vol, t)
    sd = vol * np.sqrt(np.maximum(t, 0.0))
    live = sd > 1e-12
    safe_sd = np.where(live, sd, 1.0)
    d1 = (np.log(fwd / strike) + 0.5 * safe_sd * safe_sd) / safe_sd
    d2 = d1 - safe_sd
    call = fwd * norm_cdf(d1) - strike * norm_cdf(d2)
    put = call - (fwd - strike)
    price = np.where(is_call, call, put)
    intrinsic = np.where(is_call, np.maximum(fwd - strike, 0.0), np.maximum(strike - fwd, 0.0))
    return np.where(live, np.maximum(price, 0.0), intrinsic)


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
