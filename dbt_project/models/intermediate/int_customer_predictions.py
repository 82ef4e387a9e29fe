"""[customer] Predicted behaviour of every buyer, refitted each run: BG/NBD P(alive) and expected
purchases in 90 days, Gamma-Gamma expected order value, and a 12-month CLV (expected purchases in
365 days × expected order value, undiscounted). Time unit: days, observed up to run_date.
With too few buyers or repeat buyers to fit, the columns are null and model_status says why.
"""

import datetime as dt

import numpy as np
import pyarrow as pa

MIN_BUYERS = 20
MIN_REPEAT_BUYERS = 5


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.predict.clv import fit_bgnbd, fit_gamma_gamma

    run_date = dt.date.fromisoformat(str(dbt.config.get("run_date")))
    orders = dbt.ref("fct_orders").query("o", f"""
        with paid as (
            select customer_id, cast(paid_at as date) as day, net_amount as amount,
                   row_number() over (partition by customer_id order by paid_at, order_id) as n
            from o where is_paid and cast(paid_at as date) <= date '{run_date}' and customer_id is not null
        )
        select customer_id,
               count(*) - 1 as x,
               date_diff('day', min(day), max(day)) as t_x,
               date_diff('day', min(day), date '{run_date}') as age,
               coalesce(avg(amount) filter (where n > 1), 0) as repeat_value
        from paid group by customer_id order by customer_id
    """).fetchnumpy()
    ids = orders["customer_id"]
    x, t_x = orders["x"].astype(float), orders["t_x"].astype(float)
    age = np.maximum(orders["age"].astype(float), 1.0)
    value = np.asarray(orders["repeat_value"], dtype=float)
    nulls = np.full(len(ids), np.nan)
    p_alive, purchases_90, purchases_365, order_value = nulls, nulls, nulls, nulls
    if len(ids) < MIN_BUYERS or int((x > 0).sum()) < MIN_REPEAT_BUYERS:
        status = f"not fitted: {len(ids)} buyers, {int((x > 0).sum())} repeat buyers"
    else:
        bgnbd = fit_bgnbd(x, t_x, age)
        p_alive = bgnbd.p_alive(x, t_x, age)
        purchases_90 = bgnbd.expected_purchases(90, x, t_x, age)
        purchases_365 = bgnbd.expected_purchases(365, x, t_x, age)
        order_value = fit_gamma_gamma(x, value).expected_order_value(x, value)
        status = (f"fitted on {len(ids)} buyers: r={bgnbd.r:.3f} alpha={bgnbd.alpha:.3f} "
                  f"a={bgnbd.a:.3f} b={bgnbd.b:.3f}")
    return pa.table({
        "customer_id": pa.array(ids, pa.string()),
        "p_alive": pa.array(p_alive, pa.float64(), from_pandas=True),
        "expected_purchases_90d": pa.array(purchases_90, pa.float64(), from_pandas=True),
        "expected_order_value": pa.array(order_value, pa.float64(), from_pandas=True),
        "clv_12m": pa.array(purchases_365 * order_value, pa.float64(), from_pandas=True),
        "model_status": pa.array([status] * len(ids), pa.string()),
        "as_of_date": pa.array([run_date] * len(ids), pa.date32()),
    })
