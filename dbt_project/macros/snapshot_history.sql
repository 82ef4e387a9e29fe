{#
  Histories folded from WeCom's daily snapshots, kept incrementally.

  WeCom's APIs answer with what holds now, so what a contact's unionid was, which phones staff noted
  and who sat in a group are known only from the daily copies in the lake. Rescanning every copy up
  to run_date grows with the history (a year at a million people is hundreds of millions of rows a
  day). A history model reads the snapshots it has not folded yet (macros/incremental_state.sql:
  the watermark, the rebuild of a backfill) and rewrites only the keys whose pairs changed:

  - one row per pair (a contact and its unionid, a contact and a noted phone) with the first and
    last snapshot holding it; last_snapshot is null while the latest snapshot still holds it (the
    "valid to" of a slowly changing dimension), so a day that changes nothing rewrites nothing;
  - a key (a contact) is rewritten when one of its pairs is new, comes back, is gone from the latest
    snapshot, or shows an earlier value than held (`earliest` columns: first createtime, join time);
  - a pair outlives the contact: a customer who deleted the staff member is still the same person.
#}

{% macro snapshot_history_config(key) -%}
  {{ incremental_state_config(key, version='snapshot history v2: last_snapshot null while held') }}
{%- endmacro %}

{# Which snapshot partitions a run reads: a literal filter on dt, so DuckDB prunes the other files. #}
{% macro snapshots_to_fold(dt='dt') -%}
  cast({{ dt }} as date) <= {{ run_date() }} and {{ changed_since_watermark('cast(' ~ dt ~ ' as date)') }}
{%- endmacro %}

{# The whole select of a history model: the new snapshots' rows (`new_rows`: a select of the pair
   `columns`, the `earliest` columns, first_snapshot, last_snapshot, grouped by pair) folded with the
   rows this table holds for the keys that changed. The source's latest snapshot
   (source_name.table_name) is the one "still held" refers to. A model that derives columns from
   the fold wraps it in a CTE. #}
{% macro fold_snapshot_history(new_rows, key, columns, earliest, source_name, table_name) -%}
{%- set watermark = incremental_watermark() -%}
{%- set latest = latest_snapshot_date(source_name, table_name) -%}
{%- set latest_sql = "date '" ~ latest ~ "'" if latest else "cast(null as date)" -%}
{%- set previous = latest_snapshot_date(source_name, table_name, watermark) if watermark else none -%}
{%- set folds_latest = latest and (watermark is none or latest > watermark or latest == var('run_date')) -%}
{%- set values = columns | reject('equalto', key) | list -%}
with new_rows as (
{{ new_rows }}
)
{%- if watermark is not none %}
, changed_keys as (
    -- a pair new, back after a gap, gone from the latest snapshot, or seen earlier than held
    select n.{{ key }}
    from new_rows n
    left join {{ this }} s
        on s.{{ key }} = n.{{ key }}
        {%- for c in values %} and s.{{ c }} is not distinct from n.{{ c }}{% endfor %}
    where s.{{ key }} is null or s.last_snapshot is not null or n.last_snapshot < {{ latest_sql }}
        {%- for c in earliest %} or n.{{ c }} < s.{{ c }}{% endfor %}
    {%- if folds_latest %}
    union
    -- a pair still held before this run that the latest snapshot no longer holds
    select s.{{ key }}
    from {{ this }} s
    where s.last_snapshot is null and not exists (
        select 1 from new_rows n
        where n.last_snapshot = {{ latest_sql }} and n.{{ key }} = s.{{ key }}
            {%- for c in values %} and n.{{ c }} is not distinct from s.{{ c }}{% endfor %})
    {%- endif %}
)
{%- endif %}
select {{ columns | join(', ') }},
       {%- for c in earliest %} min({{ c }}) as {{ c }},{% endfor %}
       min(first_snapshot) as first_snapshot,
       nullif(max(last_snapshot), {{ latest_sql }}) as last_snapshot,
       {{ run_date() }} as written_on
from (
    select {{ columns | join(', ') }}, {% for c in earliest %}{{ c }}, {% endfor %}first_snapshot, last_snapshot
    from new_rows
    {%- if watermark is not none %}
    where {{ key }} in (select {{ key }} from changed_keys)
    union all
    -- what the table holds for those keys; a pair still held was last seen in the previous latest snapshot
    select {{ columns | join(', ') }}, {% for c in earliest %}{{ c }}, {% endfor %}first_snapshot,
           coalesce(last_snapshot, {{ "date '" ~ previous ~ "'" if previous else "cast(null as date)" }})
    from {{ this }}
    where {{ key }} in (select {{ key }} from changed_keys)
    {%- endif %}
)
group by all
{%- endmacro %}

{#
  The date of the latest snapshot of a WeCom entity up to run_date, as a date literal. A filter on a
  literal lets DuckDB open that one partition; `dt = (select max(dt) ...)` reads every snapshot in the
  lake first, a cost that grows with the history. Found when the model runs (the lake's partition
  list, not the rows); while parsing, run_date stands in.
#}
{% macro latest_snapshot_date(source_name, table_name, through=none) -%}
  {%- if not execute -%}{{ return(var('run_date')) }}{%- endif -%}
  {%- set sql -%}
    select cast(max(cast(dt as date)) as {{ sql_string_type() }}) from {{ source(source_name, table_name) }}
    where cast(dt as date) <= {{ "date '" ~ through ~ "'" if through else run_date() }}
  {%- endset -%}
  {{ return(run_query(sql).columns[0].values()[0]) }}
{%- endmacro %}

{% macro latest_snapshot(source_name, table_name) -%}
  {{ return("date '" ~ (latest_snapshot_date(source_name, table_name) or '0001-01-01') ~ "'") }}
{%- endmacro %}
