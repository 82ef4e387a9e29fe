-- Daily stage counts reconcile with the flows: count(d) = count(d-1) + inflows(d) - outflows(d).
with counts as (
    select day, lifecycle_stage as stage, count(*) as n from {{ ref('customer_lifecycle_daily') }} group by all
),
flows as (
    select day, to_stage as stage, count(*) as inflow, 0 as outflow from {{ ref('lifecycle_transitions') }} group by all
    union all
    select day, from_stage, 0, count(*) from {{ ref('lifecycle_transitions') }} where from_stage <> 'none' group by all
),
net as (select day, stage, sum(inflow) - sum(outflow) as delta from flows group by all),
days as (select distinct day from counts),
stages as (select distinct stage from counts),
grid as (
    select d.day, s.stage, coalesce(c.n, 0) as n,
        coalesce(lag(coalesce(c.n, 0)) over (partition by s.stage order by d.day), 0) as previous,
        coalesce(x.delta, 0) as delta,
        d.day = (select min(day) from days) as first_day
    from days d cross join stages s
    left join counts c on c.day = d.day and c.stage = s.stage
    left join net x on x.day = d.day and x.stage = s.stage
)
select * from grid where not first_day and n <> previous + delta
