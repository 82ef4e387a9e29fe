"""BG/NBD and Gamma-Gamma against the published CDNOW estimates.

tests/fixtures/cdnow_customers_summary.csv is the CDNOW sample summary (2,357 customers, weeks;
columns x, t_x, T and zbar, the mean repeat-purchase value) as
distributed with the `lifetimes` package (MIT), from Fader, Hardie & Lee's data.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siyu.predict.clv import fit_bgnbd, fit_gamma_gamma

CDNOW = Path(__file__).resolve().parents[2] / "fixtures" / "cdnow_customers_summary.csv"


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_bgnbd_matches_fader_hardie_lee_2005(bgnbd):
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert getattr(bgnbd, name) == pytest.approx(value, rel=0.02), name


def test_bgnbd_published_prediction(bgnbd):
    # FHL 2005, section 5: a customer with x=2, t_x=30.43, T=38.86 expects 1.226 purchases in 39 weeks
    assert float(bgnbd.expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.226, rel=0.02)


def test_p_alive_bounds_and_one_time_buyers(bgnbd, cdnow):
    p = bgnbd.p_alive(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert np.all((p > 0) & (p <= 1))
    assert np.all(p[cdnow["x"] == 0] == 1.0)  # no repeat purchase: no evidence of death


def test_gamma_gamma_matches_fader_hardie_2013(cdnow):
    repeat = cdnow[cdnow["x"] > 0]
    gg = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    assert gg.fit.converged
    assert gg.p == pytest.approx(6.25, rel=0.02)
    assert gg.q == pytest.approx(3.74, rel=0.02)
    assert gg.v == pytest.approx(15.44, rel=0.02)
    value = gg.expected_order_value(repeat["x"], repeat["zbar"])
    assert float(np.mean(value)) == pytest.approx(35.26, rel=0.03)  # Fader & Hardie (2013), p. 5


def test_a_fit_on_a_flat_ridge_stops_early_with_its_best_point():
    """Order values that hardly vary between customers: Gamma-Gamma's q and v grow together without
    end. The fit ends long before the iteration limit, with sensible parameters, and its note says how
    it ended. (Whether the simplex meets its tolerances first or stalls first depends on the CPU's
    rounding along the ridge: both end here.)"""
    from siyu.predict.clv import MAX_ITERATIONS

    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 20_000).astype(float)
    gg = fit_gamma_gamma(x, 100 * rng.gamma(50, 1 / 50, x.size))
    assert gg.fit.iterations < MAX_ITERATIONS / 2
    assert np.isfinite([gg.p, gg.q, gg.v]).all()
    stalled = f"; Gamma-Gamma did not converge in {gg.fit.iterations} iterations"
    assert gg.fit.note("Gamma-Gamma") == ("" if gg.fit.converged else stalled)
    assert float(np.mean(gg.expected_order_value(x, np.full(x.size, 100.0)))) == pytest.approx(100, rel=0.05)


def test_a_fit_that_reaches_the_iteration_limit_keeps_its_best_point(cdnow):
    repeat = cdnow[cdnow["x"] > 0]
    gg = fit_gamma_gamma(repeat["x"], repeat["zbar"], max_iterations=20)
    assert not gg.fit.converged and gg.fit.iterations == 20
    assert np.isfinite([gg.p, gg.q, gg.v]).all() and min(gg.p, gg.q, gg.v) > 0
    assert gg.fit.note("Gamma-Gamma") == "; Gamma-Gamma did not converge in 20 iterations"


def buyers(n: int, dropout_spread: float, seed: int = 0, days: float = 60.0):
    """BG/NBD's story drawn directly: Gamma purchase rates, a dropout chance after each purchase of
    0.25 give or take ``dropout_spread`` (a narrow band, as the simulator's 0.1-0.4 is), ages up to 60."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.8, 1 / (0.8 * 30), n)
    dropout = np.clip(0.25 + dropout_spread * rng.standard_normal(n), 0.01, 0.99)
    age = rng.uniform(5, days, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while (t := t + rng.exponential(1 / rate[i])) <= age[i]:
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < dropout[i]:
                break
    return x, t_x, age


def test_homogeneous_dropout_converges_at_the_bound_and_says_so():
    """Dropout chances in a narrow band: the likelihood rises as a and b grow together (the
    homogeneous limit). The old fit in (a, b) ran a and b off to ~1e6 (and on the default world
    stalled: "did not converge in 590 iterations"); in (mean, concentration) it converges at the
    concentration's bound, with the right mean dropout, and its note says what that means."""
    from siyu.predict.clv import MAX_CONCENTRATION

    x, t_x, age = buyers(5_000, 0.05)
    fit = fit_bgnbd(x, t_x, age)
    assert fit.fit.converged and fit.fit.iterations < 200
    assert fit.a + fit.b == pytest.approx(MAX_CONCENTRATION, rel=0.01)
    assert fit.a / (fit.a + fit.b) == pytest.approx(0.25, abs=0.03)
    assert fit.fit.note("BG/NBD").startswith("; BG/NBD at its bound: a+b = 1000: every buyer's dropout")
    # the bound changes nothing that matters: predictions equal a fit with a looser one
    import siyu.predict.clv as clv

    looser = clv.MAX_CONCENTRATION
    try:
        clv.MAX_CONCENTRATION = 1e5
        wide = fit_bgnbd(x, t_x, age)
    finally:
        clv.MAX_CONCENTRATION = looser
    assert float(np.sum(fit.expected_purchases(30, x, t_x, age))) == pytest.approx(
        float(np.sum(wide.expected_purchases(30, x, t_x, age))), rel=0.01
    )


def test_a_fit_inside_the_bounds_has_no_note():
    x, t_x, age = buyers(5_000, 0.0)
    # every buyer 0.25 exactly, yet few purchases each: the data cannot tell, and the fit stays inside
    fit = fit_bgnbd(x, t_x, age)
    assert fit.fit.converged and fit.fit.note("BG/NBD") == ""
    assert fit.a / (fit.a + fit.b) == pytest.approx(0.25, abs=0.05)


def test_the_fits_sum_alike_customers_once_with_their_counts(cdnow):
    """The likelihoods sum over distinct rows weighted by their counts (distinct_rows), Gamma-Gamma's
    gamma functions over the distinct counts: the same totals as the per-customer formulas."""
    from siyu.predict.clv import _bgnbd_ll, _gg_ll, _gg_total_ll, distinct_rows

    x, t_x, T = (np.round(cdnow[c].to_numpy()) for c in ("x", "t_x", "T"))  # whole weeks: many alike
    (dx, dt_x, dT), weight = distinct_rows(x, t_x, T)
    assert len(dx) < len(x) / 2 and weight.sum() == len(x)
    params = (0.3, 4.0, 0.8, 2.5)
    per_customer = _bgnbd_ll(params, x, t_x, T).sum()
    assert (weight * _bgnbd_ll(params, dx, dt_x, dT)).sum() == pytest.approx(per_customer, rel=1e-12)
    repeat = cdnow[cdnow["x"] > 0]
    rx, rm = repeat["x"].to_numpy(float), repeat["zbar"].to_numpy(float)
    for gg_params in ((6.25, 3.74, 15.44), (1.0, 2.0, 30.0)):
        expected = _gg_ll(gg_params, rx, rm).sum()
        assert _gg_total_ll(rx, rm)(gg_params) == pytest.approx(expected, rel=1e-12)
