"""The buyers the predictions fit and score on, from fct_orders: one SQL for the fit and the scoring,
so both read a buyer's history the same way."""

from __future__ import annotations

import datetime as dt


def buyer_summary(orders, until: dt.date, run_date: dt.date | None = None) -> dict:
    """Per buyer with a paid order up to `until` (ordered by customer_id): repeat purchases x, recency
    t_x, age (days) at `until`, mean net value of the repeat orders, and paid orders in (until,
    run_date] as `later` (0 without a run_date). ``orders``: fct_orders as a DuckDB relation."""
    run_date = run_date or until
    return orders.query(
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
    ).fetchnumpy()
