{{ config(materialized='table', enabled=target.type == 'spark') }}
-- int_customer_prediction_fits on Spark (issue 22): the DuckDB Python model's fits
-- (models/marts/segments/int_customer_prediction_fits.py) in SQL. The buyers' summary is SQL
-- (spark_buyer_summary); the fit is the session aggregate siyu_clv_fit (siyu.spark_predict: a grouped
-- pandas UDF calling siyu.predict.clv's fit_bgnbd and fit_gamma_gamma on one fit's buyers). Spark's
-- Parquet tables are rebuilt whole each run (as every incremental model here), so no stored fit is
-- kept: the fit is that of var clv_fit_as_of, else of run_date, as a DuckDB build from scratch fits.
{%- set checked = run_date() %}  {#- a bad run_date fails with run_date's own message #}
{%- set parse_day = modules.datetime.date(2000, 1, 1) %}  {#- parsing needs no date (run_date.sql) #}
{%- set run_date = modules.datetime.date.fromisoformat(var('run_date') | string) if execute else parse_day %}
{%- set forced = var('clv_fit_as_of') if execute else none %}
{%- set fitted_on = modules.datetime.date.fromisoformat(forced | string) if forced else run_date %}
{%- if fitted_on > run_date %}
    {{ exceptions.raise_compiler_error("clv_fit_as_of " ~ fitted_on ~ " is after run_date " ~ run_date) }}
{%- endif %}
{%- set holdout_until = fitted_on - modules.datetime.timedelta(days=var('clv_holdout_days') | int) %}

with fit_kinds as (
    select * from values
        ('full', date '{{ fitted_on }}'),
        ('holdout', date '{{ holdout_until }}') as k(kind, orders_until)
),

buyers as (
    select 'full' as kind, * from (
        {{ spark_buyer_summary(ref('fct_orders'),
                               "select date '" ~ fitted_on ~ "' as until, date '" ~ fitted_on ~ "' as upto") }}
    )
    union all
    select 'holdout' as kind, * from (
        {{ spark_buyer_summary(ref('fct_orders'),
                               "select date '" ~ holdout_until ~ "' as until, date '" ~ holdout_until ~ "' as upto") }}
    )
),

fits as (
    -- a kind without buyers still gets its row (one null row: siyu_clv_fit skips it)
    select k.kind, k.orders_until,
           from_json(siyu_clv_fit(k.kind, b.x, b.t_x, b.age, b.repeat_value), '{{ siyu_spark_fit_schema() }}') as f
    from fit_kinds k
    left join buyers b on b.kind = k.kind
    group by k.kind, k.orders_until
)

select date '{{ fitted_on }}' as fitted_on, kind, orders_until, f.buyers, f.r, f.alpha, f.a, f.b,
       f.p, f.q, f.v, f.status
from fits
