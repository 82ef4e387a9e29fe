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

# A fit that has not converged by then, or whose loss has stopped improving (relative change under
# STALL_TOLERANCE over STALL_ITERATIONS iterations: the simplex circles a flat ridge, as Gamma-Gamma's
# does when order values vary little between customers), stops early with its best point and says so.
MAX_ITERATIONS = 2_000
STALL_ITERATIONS = 200
STALL_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Fit:
    """How the optimiser ended: converged, or stopped at MAX_ITERATIONS with the best point so far."""

    converged: bool = True
    iterations: int = 0

    def note(self, model: str) -> str:
        return "" if self.converged else f"; {model} did not converge in {self.iterations} iterations"


def _minimize(loss, start, max_iterations: int) -> tuple[np.ndarray, Fit]:
    """Nelder-Mead in log space; the best vertex when it stops (the last good parameters)."""
    history: list[float] = []

    def stop_when_stalled(intermediate_result):
        history.append(float(intermediate_result.fun))
        if len(history) > STALL_ITERATIONS:
            before = history[-STALL_ITERATIONS - 1]
            if before - history[-1] <= STALL_TOLERANCE * abs(before):
                raise StopIteration

    result = minimize(loss, start, method="Nelder-Mead", callback=stop_when_stalled,
                      options={"maxiter": max_iterations, "xatol": 1e-8, "fatol": 1e-10})
    return np.exp(result.x), Fit(bool(result.success), int(result.nit))


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    fit: Fit = Fit()

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


def fit_bgnbd(x, t_x, T, max_iterations: int = MAX_ITERATIONS) -> BgNbd:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    scale = max(float(T.max()), 1.0) / 10  # start alpha near the data's time scale

    def loss(log_params):
        return -_bgnbd_ll(np.exp(log_params), x, t_x, T).sum()

    (r, alpha, a, b), fit = _minimize(loss, np.log([0.5, scale, 0.5, 1.0]), max_iterations)
    return BgNbd(r, alpha, a, b, fit)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float
    fit: Fit = Fit()

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


def fit_gamma_gamma(x, monetary, max_iterations: int = MAX_ITERATIONS) -> GammaGamma:
    """Fit on customers with at least one repeat purchase and a positive mean value."""
    x, m = np.asarray(x, dtype=float), np.asarray(monetary, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]

    def loss(log_params):
        return -_gg_ll(np.exp(log_params), x, m).sum()

    (p, q, v), fit = _minimize(loss, np.log([1.0, 1.0, max(float(m.mean()), 1.0)]), max_iterations)
    return GammaGamma(p, q, v, fit)
