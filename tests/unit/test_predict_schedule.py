"""siyu.predict.schedule: when the prediction fit is redone."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from siyu.predict.schedule import fit_due, fit_in_use, holdout_cutoff, kept_fits, too_few

D = dt.date(2026, 6, 30)


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def test_the_first_run_fits():
    assert fit_due([], D, 7) == D


def test_a_fit_younger_than_refit_days_stays_in_use():
    assert [fit_due([D], days(n), 7) for n in range(7)] == [None] * 7
    assert fit_in_use([D], days(6)) == D


def test_a_fit_refit_days_old_is_redone():
    assert fit_due([D], days(7), 7) == days(7)
    assert fit_due([D], days(30), 7) == days(30)
    assert fit_due([D], days(1), 1) == days(1)  # daily refits


def test_a_backfill_before_every_fit_refits_and_drops_the_later_fits():
    assert kept_fits([D, days(7)], days(3)) == [D]
    assert fit_due([D, days(7)], days(3), 7) is None  # the fit of D is in use again
    assert fit_due([D], days(-1), 7) == days(-1)
    assert fit_in_use([D], days(-1)) is None


def test_a_forced_fit_date():
    assert fit_due([], days(3), 7, fit_as_of=D) == D
    assert fit_due([D], days(3), 7, fit_as_of=D) is None
    assert fit_due([days(-7), D], days(3), 7, fit_as_of=days(-7)) == days(-7)  # not the one in use
    with pytest.raises(ValueError):
        fit_due([], D, 7, fit_as_of=days(1))
    with pytest.raises(ValueError):
        fit_due([], D, 0)


def test_too_few_buyers_or_repeat_buyers():
    assert too_few(np.array([1.0] * 20)) is None
    assert too_few(np.array([1.0] * 19)) == "not fitted: 19 buyers, 19 repeat buyers"
    assert too_few(np.array([1.0] * 4 + [0.0] * 30)) == "not fitted: 34 buyers, 4 repeat buyers"


def test_the_holdout_ends_on_the_fit_date():
    assert holdout_cutoff(D, 30) == dt.date(2026, 5, 31)
