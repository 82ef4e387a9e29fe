{#- The days a [customer × day] incremental model builds: the first build backfills `backfill_days` up
    to run_date; later builds add the days since the last one; a re-run of a date recomputes it. -#}
{% macro days_to_build(backfill_days) %}
    {%- if is_incremental() -%}
        {%- set first = 'least((select max(day) + 1 from ' ~ this ~ '), ' ~ run_date() ~ ')' -%}
    {%- else -%}
        {%- set first = run_date() ~ ' - ' ~ backfill_days ~ ' + 1' -%}
    {%- endif %}
    select cast(d as date) as day
    from {{ day_series(first, run_date()) }}
{% endmacro %}

{#- [customer × day] Stage changes of a daily stage model (customer_id, day, <stage column>):
    from_stage on the previous day → to_stage on this day. A customer's first day has from_stage 'none'
    (they became known); a customer_id absorbed by a merge leaves with to_stage 'merged'. So daily
    counts reconcile with the flows (generic test stocks_and_flows_reconcile).
    Incremental (the model's incremental_state): a run reads only the days built since its watermark
    (stage_transitions_from_day) and the day before them, and its pre-hook stage_transitions_clear
    first deletes the transitions of those days. -#}
{% macro stage_transitions(daily, stage_column) %}
{%- set from_day = stage_transitions_from_day() %}
with days as (
    select
        customer_id,
        day,
        {{ stage_column }} as stage,
        coalesce(lag({{ stage_column }}) over (partition by customer_id order by day), 'none') as from_stage,
        lead(day) over (partition by customer_id order by day) as next_day
    from {{ daily }}
    {%- if from_day is not none %}
    where day >= {{ from_day }} - 1
    {%- endif %}
),

last_day as (select max(day) as day from {{ daily }})

select customer_id, day, from_stage, stage as to_stage, {{ run_date() }} as written_on
from days
where from_stage <> stage{% if from_day is not none %} and day >= {{ from_day }}{% endif %}
union all
select customer_id, cast(d.day + 1 as date), d.stage, 'merged', {{ run_date() }}
from days d
where d.next_day is null and d.day < (select day from last_day)
{% endmacro %}

{#- The first day a transitions model (this one by default) rewrites, as SQL (a date), or none: it is
    built anew. The days after its watermark, or run_date's own (a re-run of the date). -#}
{% macro stage_transitions_from_day(model=none) -%}
  {%- set watermark = incremental_watermark(model) -%}
  {%- if watermark is none -%}{{ return(none) }}{%- endif -%}
  {{ return("least(date '" ~ watermark ~ "' + 1, " ~ run_date() ~ ")") }}
{%- endmacro %}

{#- A transitions model's pre-hook: the transitions of the days it rewrites leave the table first
    (delete+insert alone would keep a change that no longer happens). -#}
{% macro stage_transitions_clear() -%}
  {%- set from_day = stage_transitions_from_day() %}
  {%- if is_incremental() and from_day is not none %}
  delete from {{ this }} where day >= {{ from_day }}
  {%- endif %}
{%- endmacro %}
