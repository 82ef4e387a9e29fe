"""When the prediction fit (BG/NBD + Gamma-Gamma: siyu.predict.clv) is redone, and on which buyers.

The fit is the costly part of the predictions (a fit from scratch each run cost 154 s at 200k
people), and the parameters of a population move slowly: int_customer_prediction_fits refits when its
last fit is ``refit_days`` old (var clv_refit_days, 7 by default) or absent, and
int_customer_predictions scores every buyer each day with the fit in use.

- A fit as of date F is fitted on the buyers with a paid order up to F (their history up to F); its
  holdout fit on the buyers up to F - holdout_days, validated on what they bought in the holdout
  days up to F.
- A fit is due when no fit is dated on or before run_date, or the latest is ``refit_days`` days old
  or older. A backfill (run_date before a stored fit) drops the later fits: they saw orders that the
  backfilled date must not.
- ``fit_as_of`` (var clv_fit_as_of) forces the fit of that date: a build from scratch given the fit
  date of a daily warehouse scores like it (tests, the warehouse bench).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

MIN_BUYERS = 20
MIN_REPEAT_BUYERS = 5


def kept_fits(fitted_on: Iterable[dt.date], run_date: dt.date) -> list[dt.date]:
    """The stored fit dates a run of ``run_date`` keeps: those on or before it."""
    return sorted(d for d in set(fitted_on) if d <= run_date)


def fit_in_use(fitted_on: Iterable[dt.date], run_date: dt.date) -> dt.date | None:
    """The fit ``run_date`` scores with: the latest on or before it."""
    kept = kept_fits(fitted_on, run_date)
    return kept[-1] if kept else None


def fit_due(
    fitted_on: Iterable[dt.date], run_date: dt.date, refit_days: int, fit_as_of: dt.date | None = None
) -> dt.date | None:
    """The date to fit as of in this run, or None: the fit in use stays."""
    if refit_days < 1:
        raise ValueError(f"clv_refit_days must be at least 1, got {refit_days}")
    kept = kept_fits(fitted_on, run_date)
    if fit_as_of is not None:
        if fit_as_of > run_date:
            raise ValueError(f"clv_fit_as_of {fit_as_of} is after run_date {run_date}")
        return None if fit_as_of in kept and kept[-1] == fit_as_of else fit_as_of
    if not kept or (run_date - kept[-1]).days >= refit_days:
        return run_date
    return None


def too_few(x: np.ndarray) -> str | None:
    """Why the buyers (their repeat purchases ``x``) cannot be fitted, or None."""
    if len(x) < MIN_BUYERS or int((x > 0).sum()) < MIN_REPEAT_BUYERS:
        return f"not fitted: {len(x)} buyers, {int((x > 0).sum())} repeat buyers"
    return None


def holdout_cutoff(fitted_on: dt.date, holdout_days: int) -> dt.date:
    """The last day of the holdout fit's calibration period: its holdout is the ``holdout_days``
    days up to the fit date."""
    return fitted_on - dt.timedelta(days=holdout_days)
