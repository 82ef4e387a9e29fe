{{ config(materialized='incremental', unique_key=['customer_id', 'day'], incremental_strategy='delete+insert') }}
-- [customer × day] Lifecycle stage of every known customer on each day, from the paid orders up to
-- that day: prospect (never bought), new (first order ≤ 30 d ago), reactivated (an order ≤ 30 d ago
-- after a gap of more than 90 d), active (last order ≤ 90 d), at_risk (91-180 d), churned (> 180 d).
-- Windows are vars. The first build backfills var lifecycle_backfill_days; later builds add the days
-- since the last one; a re-run of a date recomputes that date.
with days as (
    select cast(d as date) as day
    from generate_series(
        {% if is_incremental() %}
        least((select max(day) + 1 from {{ this }}), {{ run_date() }}),
        {% else %}
        {{ run_date() }} - {{ var('lifecycle_backfill_days') }} + 1,
        {% endif %}
        {{ run_date() }}, interval 1 day) t(d)
),

paid as (
    select customer_id, cast(paid_at as date) as paid_date,
        lag(cast(paid_at as date)) over (partition by customer_id order by paid_at, order_id) as previous_paid_date
    from {{ ref('fct_orders') }}
    where is_paid
),

state as (
    select
        c.customer_id,
        d.day,
        min(p.paid_date) as first_paid,
        max(p.paid_date) as last_paid,
        arg_max(p.previous_paid_date, p.paid_date) as before_last_paid
    from {{ ref('dim_customers') }} c
    join days d on cast(c.first_seen_at as date) <= d.day
    left join paid p on p.customer_id = c.customer_id and p.paid_date <= d.day
    group by all
)

select
    customer_id,
    day,
    case
        when last_paid is null then 'prospect'
        when date_diff('day', first_paid, day) <= {{ var('lifecycle_new_days') }} then 'new'
        when date_diff('day', last_paid, day) <= {{ var('lifecycle_new_days') }}
            and date_diff('day', before_last_paid, last_paid) > {{ var('lifecycle_active_days') }} then 'reactivated'
        when date_diff('day', last_paid, day) <= {{ var('lifecycle_active_days') }} then 'active'
        when date_diff('day', last_paid, day) <= {{ var('lifecycle_at_risk_days') }} then 'at_risk'
        else 'churned'
    end as lifecycle_stage,
    date_diff('day', last_paid, day) as days_since_last_order
from state
