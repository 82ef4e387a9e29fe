{#- Daily stage counts of a [customer × day] model reconcile with its transitions model:
    count(d) = count(d-1) + inflows(d) - outflows(d), for every stage and day after the first. -#}
{#- Reads only the days the transitions' run rewrote and the day before them (all on a rebuild). -#}
{% test stocks_and_flows_reconcile(model, column_name, transitions) %}
{%- set from_day = stage_transitions_from_day(transitions.identifier) %}
{%- set since = ("day >= " ~ from_day ~ " - 1") if from_day is not none else "true" %}
with counts as (
    select day, {{ column_name }} as stage, count(*) as n from {{ model }} where {{ since }} group by all
),
flows as (
    select day, to_stage as stage, count(*) as inflow, 0 as outflow from {{ transitions }} where {{ since }} group by all
    union all
    select day, from_stage, 0, count(*) from {{ transitions }} where from_stage <> 'none' and {{ since }} group by all
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
{% endtest %}
