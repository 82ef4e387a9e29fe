"""[customer] Predicted behaviour of every buyer, refitted each run: BG/NBD P(alive), churn probability
(1 - P(alive)) and expected purchases in 90 days, Gamma-Gamma expected order value (net of refunds),
and a 12-month CLV (expected purchases in 365 days × expected order value, undiscounted). Time unit:
days, observed up to run_date.

Holdout validation: a second BG/NBD is fitted on the orders up to run_date - var clv_holdout_days
(the calibration period) and predicts each calibration buyer's purchases in the holdout; the actual
count sits beside it (prediction_validation sums them up). With too few buyers or repeat buyers to
fit, the columns are null and model_status says why; a fit that stopped before converging says so.
"""

import datetime as dt

import numpy as np
import pyarrow as pa

MIN_BUYERS = 20
MIN_REPEAT_BUYERS = 5


def buyer_summary(dbt, until: dt.date, run_date: dt.date):
    """Per buyer with a paid order up to `until`: repeat purchases x, recency t_x, age T (days) at
    `until`, mean net value of the repeat orders, and paid orders in (until, run_date]."""
    return (
        dbt.ref("fct_orders")
        .query(
            "o",
            f"""
        with paid as (
            select customer_id, cast(paid_at as date) as day, net_amount as amount,
                   row_number() over (partition by customer_id order by paid_at, order_id) as n
            from o where is_paid and cast(paid_at as date) <= date '{run_date}' and customer_id is not null
        )
        select customer_id,
               count(*) filter (where day <= date '{until}') - 1 as x,
               date_diff('day', min(day), max(day) filter (where day <= date '{until}')) as t_x,
               date_diff('day', min(day), date '{until}') as age,
               coalesce(avg(amount) filter (where n > 1 and day <= date '{until}'), 0) as repeat_value,
               count(*) filter (where day > date '{until}') as later
        from paid group by customer_id having min(day) <= date '{until}' order by customer_id
    """,
        )
        .fetchnumpy()
    )


def too_few(x) -> str | None:
    if len(x) < MIN_BUYERS or int((x > 0).sum()) < MIN_REPEAT_BUYERS:
        return f"not fitted: {len(x)} buyers, {int((x > 0).sum())} repeat buyers"
    return None


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.predict.clv import fit_bgnbd, fit_gamma_gamma

    run_date = dt.date.fromisoformat(str(dbt.config.get("run_date")))
    holdout_days = int(dbt.config.get("clv_holdout_days"))
    orders = buyer_summary(dbt, run_date, run_date)
    ids = orders["customer_id"]
    x, t_x = orders["x"].astype(float), orders["t_x"].astype(float)
    age = np.maximum(orders["age"].astype(float), 1.0)
    value = np.asarray(orders["repeat_value"], dtype=float)
    nulls = np.full(len(ids), np.nan)
    p_alive, purchases_90, purchases_365, order_value = nulls, nulls, nulls, nulls
    status = too_few(x)
    if status is None:
        bgnbd = fit_bgnbd(x, t_x, age)
        gamma_gamma = fit_gamma_gamma(x, value)
        p_alive = bgnbd.p_alive(x, t_x, age)
        purchases_90 = bgnbd.expected_purchases(90, x, t_x, age)
        purchases_365 = bgnbd.expected_purchases(365, x, t_x, age)
        order_value = gamma_gamma.expected_order_value(x, value)
        status = (
            f"fitted on {len(ids)} buyers: r={bgnbd.r:.3f} alpha={bgnbd.alpha:.3f} "
            f"a={bgnbd.a:.3f} b={bgnbd.b:.3f}; p={gamma_gamma.p:.3f} q={gamma_gamma.q:.3f} "
            f"v={gamma_gamma.v:.3f}{bgnbd.fit.note('BG/NBD')}{gamma_gamma.fit.note('Gamma-Gamma')}"
        )

    # Holdout: fit on the calibration period, predict the holdout, keep the actual count beside it.
    cutoff = run_date - dt.timedelta(days=holdout_days)
    calibration = buyer_summary(dbt, cutoff, run_date)
    cx = calibration["x"].astype(float)
    predicted = {}
    holdout_status = too_few(cx)
    if holdout_status is None:
        ct_x, cage = calibration["t_x"].astype(float), np.maximum(calibration["age"].astype(float), 1.0)
        calibrated = fit_bgnbd(cx, ct_x, cage)
        predicted = dict(
            zip(
                calibration["customer_id"],
                calibrated.expected_purchases(holdout_days, cx, ct_x, cage),
                strict=True,
            )
        )
        holdout_status = f"holdout {cutoff + dt.timedelta(days=1)}..{run_date} on {len(cx)} buyers"
        holdout_status += calibrated.fit.note("BG/NBD")
    actual = dict(zip(calibration["customer_id"], calibration["later"], strict=True))
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
