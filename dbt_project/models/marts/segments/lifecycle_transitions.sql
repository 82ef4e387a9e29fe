-- [customer × day] Stage changes: from_stage on the previous day → to_stage on this day. A customer's
-- first day has from_stage 'none' (they became known); a customer_id absorbed by a merge leaves with
-- to_stage 'merged'. So daily counts reconcile with the flows (tests/lifecycle_flows_reconcile.sql).
with days as (
    select
        customer_id,
        day,
        lifecycle_stage,
        coalesce(lag(lifecycle_stage) over (partition by customer_id order by day), 'none') as from_stage,
        lead(day) over (partition by customer_id order by day) as next_day
    from {{ ref('customer_lifecycle_daily') }}
),

last_day as (select max(day) as day from {{ ref('customer_lifecycle_daily') }})

select customer_id, day, from_stage, lifecycle_stage as to_stage
from days
where from_stage <> lifecycle_stage
union all
select customer_id, cast(d.day + 1 as date), d.lifecycle_stage, 'merged'
from days d
where d.next_day is null and d.day < (select day from last_day)
