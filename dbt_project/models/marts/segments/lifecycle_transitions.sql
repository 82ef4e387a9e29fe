-- [customer × day] Stage changes: from_stage on the previous day → to_stage on this day. A customer's
-- first day has from_stage 'none' (they became known), so daily counts reconcile with the flows.
select customer_id, day, from_stage, lifecycle_stage as to_stage
from (
    select
        customer_id,
        day,
        lifecycle_stage,
        coalesce(lag(lifecycle_stage) over (partition by customer_id order by day), 'none') as from_stage
    from {{ ref('customer_lifecycle_daily') }}
)
where from_stage <> lifecycle_stage
