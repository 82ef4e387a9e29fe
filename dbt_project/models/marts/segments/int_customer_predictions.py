"""[customer] Predicted behaviour of every buyer, scored each run with the fit in use (the latest of
int_customer_prediction_fits on or before run_date, refitted weekly: siyu.predict.schedule): BG/NBD
P(alive), churn probability (1 - P(alive)) and expected purchases in 90 days, Gamma-Gamma expected
order value (net of refunds), and a 12-month CLV (expected purchases in 365 days × expected order
value, undiscounted). Time unit: days, every buyer's history observed up to run_date.

Holdout validation: the fit's holdout BG/NBD (fitted on the orders up to fitted_on - var
clv_holdout_days, the calibration period) predicts each calibration buyer's purchases in the holdout
days up to fitted_on; the actual count sits beside it (prediction_validation sums them up). With too
few buyers or repeat buyers to fit, the columns are null and model_status says why; a fit that
stopped before converging says so. model_status names the fit's date.
"""

import datetime as dt

import numpy as np
import pyarrow as pa


def fit_in_use(dbt, run_date: dt.date) -> dict[str, dict]:
    """kind -> the row of int_customer_prediction_fits run_date scores with."""
    from siyu.predict.schedule import fit_in_use as latest

    rows = dbt.ref("int_customer_prediction_fits").to_arrow_table().to_pylist()
    used = latest([r["fitted_on"] for r in rows], run_date)
    return {r["kind"]: r for r in rows if r["fitted_on"] == used}


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.predict.buyers import buyer_summary
    from siyu.predict.clv import BgNbd, GammaGamma

    run_date = dt.date.fromisoformat(str(dbt.config.get("run_date")))
    fits = fit_in_use(dbt, run_date)
    full, holdout = fits.get("full"), fits.get("holdout")
    orders = buyer_summary(dbt.ref("fct_orders"), run_date, run_date)
    ids = orders["customer_id"]
    x, t_x = orders["x"].astype(float), orders["t_x"].astype(float)
    age = np.maximum(orders["age"].astype(float), 1.0)
    value = np.asarray(orders["repeat_value"], dtype=float)
    nulls = np.full(len(ids), np.nan)
    p_alive, purchases_90, purchases_365, order_value = nulls, nulls, nulls, nulls
    if full is None:
        status = "not fitted: no fit on or before run_date"
    elif full["r"] is None:
        status = f"{full['status']} (fit of {full['fitted_on']})"
    else:
        bgnbd = BgNbd(full["r"], full["alpha"], full["a"], full["b"])
        gamma_gamma = GammaGamma(full["p"], full["q"], full["v"])
        p_alive = bgnbd.p_alive(x, t_x, age)
        purchases_90 = bgnbd.expected_purchases(90, x, t_x, age)
        purchases_365 = bgnbd.expected_purchases(365, x, t_x, age)
        order_value = gamma_gamma.expected_order_value(x, value)
        status = (
            f"fitted on {full['buyers']} buyers (fit of {full['fitted_on']}): r={bgnbd.r:.3f} "
            f"alpha={bgnbd.alpha:.3f} a={bgnbd.a:.3f} b={bgnbd.b:.3f}; p={gamma_gamma.p:.3f} "
            f"q={gamma_gamma.q:.3f} v={gamma_gamma.v:.3f}{full['status'].removeprefix('fitted')}"
        )

    # Holdout: the fit's calibration-period BG/NBD predicts the holdout; the actual count beside it.
    predicted, actual = {}, {}
    if holdout is None:
        holdout_status = "holdout not fitted: no fit"
    else:
        cutoff, fitted_on = holdout["orders_until"], holdout["fitted_on"]
        calibration = buyer_summary(dbt.ref("fct_orders"), cutoff, fitted_on)
        actual = dict(zip(calibration["customer_id"], calibration["later"], strict=True))
        if holdout["r"] is None:
            holdout_status = f"holdout {holdout['status']}"
        else:
            cx, ct_x = calibration["x"].astype(float), calibration["t_x"].astype(float)
            cage = np.maximum(calibration["age"].astype(float), 1.0)
            calibrated = BgNbd(holdout["r"], holdout["alpha"], holdout["a"], holdout["b"])
            days = (fitted_on - cutoff).days
            predicted = dict(
                zip(
                    calibration["customer_id"],
                    calibrated.expected_purchases(days, cx, ct_x, cage),
                    strict=True,
                )
            )
            holdout_status = f"holdout {cutoff + dt.timedelta(days=1)}..{fitted_on} on {len(cx)} buyers"
            holdout_status += holdout["status"].removeprefix("fitted")
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.string()),
            "p_alive": pa.array(p_alive, pa.float64(), from_pandas=True),
            "churn_probability": pa.array(1.0 - p_alive, pa.float64(), from_pandas=True),
            "expected_purchases_90d": pa.array(purchases_90, pa.float64(), from_pandas=True),
            "expected_order_value": pa.array(order_value, pa.float64(), from_pandas=True),
            "clv_12m": pa.array(purchases_365 * order_value, pa.float64(), from_pandas=True),
            "holdout_predicted_purchases": pa.array(
                [predicted.get(c) for c in ids], pa.float64(), from_pandas=True
            ),
            "holdout_actual_purchases": pa.array([actual.get(c) for c in ids], pa.int64()),
            "model_status": pa.array([f"{status}; {holdout_status}"] * len(ids), pa.string()),
            "as_of_date": pa.array([run_date] * len(ids), pa.date32()),
        }
    )
