"""Customer lifetime value: BG/NBD for purchase counts and Gamma-Gamma for order value.

BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way". Gamma-Gamma: Fader &
Hardie (2013), "The Gamma-Gamma model of monetary value". Written directly on scipy (about a page)
rather than pulling in `lifetimes`, which is unmaintained since 2020.

Inputs per customer, in one time unit (days here): ``frequency`` x = repeat purchases, ``recency``
t_x = age at last purchase, ``T`` = age at the end of the observation, ``monetary`` = mean value of
the repeat purchases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float

    def log_likelihood(self, x, t_x, T) -> np.ndarray:
        return _bgnbd_ll((self.r, self.alpha, self.a, self.b), x, t_x, T)

    def p_alive(self, x, t_x, T) -> np.ndarray:
        x, t_x, T = map(np.asarray, (x, t_x, T))
        ratio = np.where(
            x > 0,
            self.a / (self.b + x - 1) * ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x),
            0.0,
        )
        return 1.0 / (1.0 + ratio)

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """Expected purchases in the next ``t`` time units (FHL 2005, eq. 10)."""
        x, t_x, T = map(np.asarray, (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        return numerator * self.p_alive(x, t_x, T)


def _bgnbd_ll(params, x, t_x, T) -> np.ndarray:
    r, alpha, a, b = params
    x, t_x, T = map(np.asarray, (x, t_x, T))
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)


def fit_bgnbd(x, t_x, T) -> BgNbd:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    scale = max(float(T.max()), 1.0) / 10  # start alpha near the data's time scale

    def loss(log_params):
        return -_bgnbd_ll(np.exp(log_params), x, t_x, T).sum()

    start = np.log([0.5, scale, 0.5, 1.0])
    result = minimize(loss, start, method="Nelder-Mead",
                      options={"maxiter": 20_000, "xatol": 1e-8, "fatol": 1e-10})
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(r, alpha, a, b)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float

    def expected_order_value(self, x, monetary) -> np.ndarray:
        x, m = np.asarray(x, dtype=float), np.asarray(monetary, dtype=float)
        population_mean = self.p * self.v / (self.q - 1)
        weight = self.p * x / (self.p * x + self.q - 1)
        return np.where(x > 0, (1 - weight) * population_mean + weight * m, population_mean)


def _gg_ll(params, x, m) -> np.ndarray:
    p, q, v = params
    return (
        gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
        + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v)
    )


def fit_gamma_gamma(x, monetary) -> GammaGamma:
    """Fit on customers with at least one repeat purchase and a positive mean value."""
    x, m = np.asarray(x, dtype=float), np.asarray(monetary, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]

    def loss(log_params):
        return -_gg_ll(np.exp(log_params), x, m).sum()

    result = minimize(loss, np.log([1.0, 1.0, max(float(m.mean()), 1.0)]), method="Nelder-Mead",
                      options={"maxiter": 20_000, "xatol": 1e-8, "fatol": 1e-10})
    p, q, v = np.exp(result.x)
    return GammaGamma(p, q, v)
