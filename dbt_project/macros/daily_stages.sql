{#- The days a [customer × day] incremental model builds: the first build backfills `backfill_days` up
    to run_date; later builds add the days since the last one; a re-run of a date recomputes it. -#}
{% macro days_to_build(backfill_days) %}
    select cast(d as date) as day
    from generate_series(
        {% if is_incremental() %}
        least((select max(day) + 1 from {{ this }}), {{ run_date() }}),
        {% else %}
        {{ run_date() }} - {{ backfill_days }} + 1,
        {% endif %}
        {{ run_date() }}, interval 1 day) t(d)
{% endmacro %}

{#- [customer × day] Stage changes of a daily stage model (customer_id, day, <stage column>):
    from_stage on the previous day → to_stage on this day. A customer's first day has from_stage 'none'
    (they became known); a customer_id absorbed by a merge leaves with to_stage 'merged'. So daily
    counts reconcile with the flows (generic test stocks_and_flows_reconcile). -#}
{% macro stage_transitions(daily, stage_column) %}
with days as (
    select
        customer_id,
        day,
        {{ stage_column }} as stage,
        coalesce(lag({{ stage_column }}) over (partition by customer_id order by day), 'none') as from_stage,
        lead(day) over (partition by customer_id order by day) as next_day
    from {{ daily }}
),

last_day as (select max(day) as day from {{ daily }})

select customer_id, day, from_stage, stage as to_stage
from days
where from_stage <> stage
union all
select customer_id, cast(d.day + 1 as date), d.stage, 'merged'
from days d
where d.next_day is null and d.day < (select day from last_day)
{% endmacro %}
