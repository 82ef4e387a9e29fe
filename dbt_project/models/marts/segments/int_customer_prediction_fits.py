"""[fit] The fitted parameters of the predictions, one row per fit and kind, with the date fitted:
'full', BG/NBD + Gamma-Gamma on the buyers with a paid order up to fitted_on, and 'holdout', BG/NBD
on the buyers up to fitted_on - var clv_holdout_days (validated on the holdout days up to fitted_on).

Refitted on a schedule (siyu.predict.schedule): when the last fit is var clv_refit_days old (7 by
default) or absent, or var clv_fit_as_of names another; otherwise the stored fits stay as they are
(the model reads its own table). int_customer_predictions scores every buyer daily with the fit in use.
"""

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa

COLUMNS = {
    "fitted_on": pa.date32(),
    "kind": pa.string(),
    "orders_until": pa.date32(),
    "buyers": pa.int64(),
    "r": pa.float64(),
    "alpha": pa.float64(),
    "a": pa.float64(),
    "b": pa.float64(),
    "p": pa.float64(),
    "q": pa.float64(),
    "v": pa.float64(),
    "status": pa.string(),
}


def fit_rows(dbt, fitted_on: dt.date, holdout_days: int) -> list[dict]:
    from siyu.predict.buyers import buyer_summary
    from siyu.predict.clv import fit_bgnbd, fit_gamma_gamma
    from siyu.predict.schedule import holdout_cutoff, too_few

    rows = []
    for kind, until in (("full", fitted_on), ("holdout", holdout_cutoff(fitted_on, holdout_days))):
        s = buyer_summary(dbt.ref("fct_orders"), until)
        x, t_x = s["x"].astype(float), s["t_x"].astype(float)
        age = np.maximum(s["age"].astype(float), 1.0)
        row = dict.fromkeys(COLUMNS) | {"fitted_on": fitted_on, "kind": kind, "orders_until": until}
        row["buyers"] = len(x)
        row["status"] = too_few(x)
        if row["status"] is None:
            bgnbd = fit_bgnbd(x, t_x, age)
            row |= {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b}
            note = bgnbd.fit.note("BG/NBD")
            if kind == "full":
                gamma_gamma = fit_gamma_gamma(x, np.asarray(s["repeat_value"], dtype=float))
                row |= {"p": gamma_gamma.p, "q": gamma_gamma.q, "v": gamma_gamma.v}
                note += gamma_gamma.fit.note("Gamma-Gamma")
            row["status"] = f"fitted{note}"
        rows.append(row)
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.predict.schedule import fit_due, kept_fits

    run_date = dt.date.fromisoformat(str(dbt.config.get("run_date")))
    holdout_days = int(dbt.config.get("clv_holdout_days"))
    refit_days = int(dbt.config.get("clv_refit_days"))
    forced = dbt.config.get("clv_fit_as_of")  # (dbt reads config keys from plain calls only)
    fit_as_of = dt.date.fromisoformat(str(forced)) if forced and str(forced) != "None" else None
    stored: list[dict] = []
    try:  # the table as the last run left it (a table model: replaced once this returns)
        stored = session.sql(f"select * from {dbt.this}").to_arrow_table().to_pylist()
    except duckdb.CatalogException:  # no table yet: a first build
        stored = []
    if stored and set(stored[0]) != set(COLUMNS):
        stored = []  # another shape: an older Siyu's
    due = fit_due([r["fitted_on"] for r in stored], run_date, refit_days, fit_as_of)
    horizon = due - dt.timedelta(days=1) if due else run_date
    kept = set(kept_fits([r["fitted_on"] for r in stored], horizon))
    rows = [r for r in stored if r["fitted_on"] in kept]
    if due is not None:
        rows += fit_rows(dbt, due, holdout_days)
    return pa.table({c: pa.array([r[c] for r in rows], t) for c, t in COLUMNS.items()})
