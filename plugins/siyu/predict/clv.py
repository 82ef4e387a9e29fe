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


# BG/NBD's dropout heterogeneity: p ~ Beta(a, b), fitted as its mean a/(a+b) and its concentration
# a+b. When every buyer's dropout probability is about the same (the simulator draws it from a narrow
# band; many real brands too), the likelihood keeps rising as a and b grow together with a/(a+b)
# fixed: its supremum is the homogeneous model, at a+b = infinity, and an unbounded fit in (a, b)
# walks up that ridge until it stalls (the default world: "did not converge in 590 iterations").
# In (mean, concentration) the ridge is one axis: bounded at MAX_CONCENTRATION, where Beta(a, b)'s
# spread is under 0.016 whatever the mean, the fit converges there and says that it stopped at the
# bound, i.e. that dropout is homogeneous.
MAX_CONCENTRATION = 1_000.0
# Above a+b = 50 the Beta's spread is under 0.07: the fit is on the ridge, not at a heterogeneity.
RIDGE_CHECK_FROM = np.log(50.0)


@dataclass(frozen=True)
class Fit:
    """How the optimiser ended: converged, or stopped at MAX_ITERATIONS with the best point so far;
    ``bound``: the converged point lies on a parameter bound, and what that means."""

    converged: bool = True
    iterations: int = 0
    bound: str = ""

    def note(self, model: str) -> str:
        if not self.converged:
            return f"; {model} did not converge in {self.iterations} iterations"
        return f"; {model} at its bound: {self.bound}" if self.bound else ""


def _minimize(loss, start, max_iterations: int) -> tuple[np.ndarray, Fit]:
    """Nelder-Mead in log space; the best vertex when it stops (the last good parameters)."""
    history: list[float] = []

    def stop_when_stalled(intermediate_result):
        history.append(float(intermediate_result.fun))
        if len(history) > STALL_ITERATIONS:
            before = history[-STALL_ITERATIONS - 1]
            if before - history[-1] <= STALL_TOLERANCE * abs(before):
                raise StopIteration

    result = minimize(
        loss,
        start,
        method="Nelder-Mead",
        callback=stop_when_stalled,
        options={"maxiter": max_iterations, "xatol": 1e-8, "fatol": 1e-10},
    )
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


def _bgnbd_params(theta, scale: float) -> tuple[float, float, float, float]:
    """(log r, log alpha/scale, logit a/(a+b), log a+b) → (r, alpha, a, b)."""
    log_r, log_alpha, logit_mean, log_concentration = theta
    mean, concentration = 1 / (1 + np.exp(-logit_mean)), np.exp(log_concentration)
    return np.exp(log_r), scale * np.exp(log_alpha), mean * concentration, (1 - mean) * concentration


def distinct_rows(*columns) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of equal-length columns, and how many times each occurs. A likelihood that is
    a sum over customers sums over these with the counts as weights: the same value, and with whole
    days for x, t_x and T a million buyers are some ten thousand rows."""
    rows, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)


def fit_bgnbd(x, t_x, T, max_iterations: int = MAX_ITERATIONS) -> BgNbd:
    """Maximum likelihood by L-BFGS-B in a scaled space: alpha in units of the data's time scale, the
    Beta's mean on the logit scale and its concentration a+b bounded (see MAX_CONCENTRATION)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    scale = max(float(T.max(initial=0.0)), 1.0) / 10  # alpha near the data's time scale
    n = max(len(x), 1)
    (x, t_x, T), weight = distinct_rows(x, t_x, T)

    def loss(theta):  # per customer: the tolerances mean the same at every size
        value = -(weight * _bgnbd_ll(_bgnbd_params(theta, scale), x, t_x, T)).sum() / n
        return value if np.isfinite(value) else 1e300

    start = np.array([np.log(0.5), 0.0, np.log(0.5 / 1.5), np.log(1.5)])  # r .5, alpha T/10, a .5, b 1
    bounds = [
        (np.log(1e-4), np.log(1e4)),
        (np.log(1e-4), np.log(1e4)),
        (-12.0, 12.0),
        (np.log(1e-3), np.log(MAX_CONCENTRATION)),
    ]
    result = minimize(
        loss,
        start,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iterations, "ftol": 1e-12, "gtol": 1e-7},
    )
    theta = _up_the_ridge(loss, result.x)
    r, alpha, a, b = _bgnbd_params(theta, scale)
    bound = ""
    if a + b >= 0.99 * MAX_CONCENTRATION:  # L-BFGS-B stops within its tolerance of the bound
        bound = (
            f"a+b = {MAX_CONCENTRATION:g}: every buyer's dropout probability is about the same,"
            f" {a / (a + b):.3f} (the homogeneous limit)"
        )
    fit = Fit(bool(result.success), int(result.nit), bound)
    return BgNbd(float(r), float(alpha), float(a), float(b), fit)


def _up_the_ridge(loss, theta: np.ndarray) -> np.ndarray:
    """The homogeneous ridge is so flat that L-BFGS-B may stop part-way up it (where depends on the
    CPU's rounding: 213 on one machine, the bound on another). Its supremum is at infinity, so a fit
    that stopped high on it belongs at the bound when the bound is no worse: the same answer anywhere."""
    if theta[3] < RIDGE_CHECK_FROM:
        return theta
    at_bound = np.array([*theta[:3], np.log(MAX_CONCENTRATION)])
    return at_bound if loss(at_bound) <= loss(theta) else theta


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
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )


def _gg_total_ll(x, m):
    """Σ _gg_ll over the customers, as a function of (p, q, v) that does per call only what depends on
    each customer's value: the gamma functions depend on x alone (a few distinct counts, weighted), and
    the terms in log m are sums fixed once."""
    (counts,), weight = distinct_rows(x)
    order = np.lexsort((m, x))  # the sums in one order whatever the input's: the same fit to the last bit
    x, m, n = x[order], m[order], len(x)
    sum_x_log_m, sum_log_m = float((x * np.log(m)).sum()), float(np.log(m).sum())
    sum_x_log_x = float((x * np.log(x)).sum())

    def total(params) -> float:
        p, q, v = params
        px = p * counts
        gammas = (weight * (gammaln(px + q) - gammaln(px))).sum() - n * gammaln(q)
        logs = p * sum_x_log_m - sum_log_m + p * sum_x_log_x + n * q * np.log(v)
        return float(gammas + logs - ((p * x + q) * np.log(x * m + v)).sum())

    return total


def fit_gamma_gamma(x, monetary, max_iterations: int = MAX_ITERATIONS) -> GammaGamma:
    """Fit on customers with at least one repeat purchase and a positive mean value."""
    x, m = np.asarray(x, dtype=float), np.asarray(monetary, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    total_ll = _gg_total_ll(x, m)

    def loss(log_params):
        return -total_ll(np.exp(log_params))

    (p, q, v), fit = _minimize(loss, np.log([1.0, 1.0, max(float(m.mean()), 1.0)]), max_iterations)
    return GammaGamma(p, q, v, fit)
