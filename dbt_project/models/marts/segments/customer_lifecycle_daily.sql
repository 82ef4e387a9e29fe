{{ config(materialized=incremental_materialization(), unique_key=['customer_id', 'day'],
          incremental_strategy='delete+insert', on_schema_change='append_new_columns',
          post_hook=test_customers_out_hooks()) }}
-- [customer × day] Lifecycle stage of every known customer on each day, from the paid orders up to
-- that day: prospect (never bought), new (first order ≤ 30 d ago), reactivated (an order ≤ 30 d ago
-- after a gap of more than 90 d), active (last order ≤ 90 d), at_risk (91-180 d), churned (> 180 d, or
-- deleted by every staff member and silent: no event and no paid order in var lifecycle_silent_days;
-- that holds for prospects too: nobody can reach them any more).
-- Windows are vars. The first build backfills var lifecycle_backfill_days; later builds add the days
-- since the last one; a re-run of a date recomputes that date.
with days as ({{ days_to_build(var('lifecycle_backfill_days')) }}),

paid as (
    select customer_id, cast(paid_at as date) as paid_date,
        lag(cast(paid_at as date)) over (partition by customer_id order by paid_at, order_id) as previous_paid_date
    from {{ ref('fct_orders') }}
    where is_paid
),

-- Customers no staff member holds any more, and their days with an event or a paid order.
deleted as (
    select customer_id, deleted_by_all_on from {{ ref('int_customer_wecom_presence') }}
    where deleted_by_all_on is not null
),

silence as (
    select dl.customer_id, d.day, max(t.touch_date) as last_touch
    from deleted dl
    join days d on d.day >= dl.deleted_by_all_on
    left join (
        select customer_id, event_date as touch_date from {{ ref('fct_events') }}
        union
        select customer_id, paid_date from paid
    ) t on t.customer_id = dl.customer_id and t.touch_date <= d.day
    group by all
),

state as (
    select
        c.customer_id,
        d.day,
        min(p.paid_date) as first_paid,
        max(p.paid_date) as last_paid,
        {{ value_at_max('p.previous_paid_date', 'p.paid_date') }} as before_last_paid
    from {{ real_customers() }} c
    join days d on cast(c.first_seen_at as date) <= d.day
    left join paid p on p.customer_id = c.customer_id and p.paid_date <= d.day
    group by all
)

select
    customer_id,
    day,
    case
        when si.customer_id is not null
            and coalesce({{ days_between('si.last_touch', 'day') }}, 2147483647) > {{ var('lifecycle_silent_days') }}
            then 'churned'
        when last_paid is null then 'prospect'
        when {{ days_between('first_paid', 'day') }} <= {{ var('lifecycle_new_days') }} then 'new'
        when {{ days_between('last_paid', 'day') }} <= {{ var('lifecycle_new_days') }}
            and {{ days_between('before_last_paid', 'last_paid') }} > {{ var('lifecycle_active_days') }} then 'reactivated'
        when {{ days_between('last_paid', 'day') }} <= {{ var('lifecycle_active_days') }} then 'active'
        when {{ days_between('last_paid', 'day') }} <= {{ var('lifecycle_at_risk_days') }} then 'at_risk'
        else 'churned'
    end as lifecycle_stage,
    {{ days_between('last_paid', 'day') }} as days_since_last_order
from state
left join silence si using (customer_id, day)
