{#
  Histories folded from WeCom's daily snapshots, kept incrementally.

  WeCom's APIs answer with what holds now, so what a contact's unionid was, which phones staff noted
  and who sat in a group are known only from the daily copies in the lake. Rescanning every copy up
  to run_date grows with the history (a year at a million people is hundreds of millions of rows a
  day); a history model instead reads the snapshots it has not folded yet and rewrites the rows of
  the keys (contacts, members) they hold: incremental, delete+insert on that key, config
  `snapshot_history_config(key)`.

  - The watermark is the run_date of the last successful build, kept per model in the table
    snapshot_history_watermarks beside it (not the table's newest row: a history that stays empty,
    group members of a corp WeCom shows no unionids for, would otherwise rescan every snapshot
    each day). A run reads the snapshots after it, up to run_date, and run_date's own (a re-run
    re-reads it: min/max folds are idempotent).
  - A run for a date before the watermark (a backfill, a re-run of the past) cannot be answered from
    later state: the pre-hook empties the table and the run folds every snapshot up to its date.
  - A key absent from the new snapshots keeps its rows: the history outlives the relation.
#}

{% macro snapshot_history_config(key) -%}
  {{ config(
      materialized='incremental',
      incremental_strategy='delete+insert',
      unique_key=key,
      on_schema_change='fail',
      pre_hook="{{ snapshot_history_reset() }}",
      post_hook=[
          "create table if not exists {{ snapshot_history_watermarks() }} "
          ~ "(model varchar primary key, folded_through date not null)",
          "insert or replace into {{ snapshot_history_watermarks() }} "
          ~ "values ('{{ this.identifier }}', {{ run_date() }})",
      ]
  ) }}
{%- endmacro %}

{% macro snapshot_history_watermarks() -%}
  {{ this.schema }}.snapshot_history_watermarks
{%- endmacro %}

{# True when this run folds into an existing table whose watermark may be on record. #}
{% macro snapshot_history_has_watermarks() -%}
  {{ return(execute and is_incremental()
            and adapter.get_relation(this.database, this.schema, 'snapshot_history_watermarks') is not none) }}
{%- endmacro %}

{# The date this model's table has folded the snapshots through ('YYYY-MM-DD'), or none: a new
   table, a table built before watermarks were kept, or a run going back in time (a rebuild). #}
{% macro snapshot_history_watermark() -%}
  {%- if not snapshot_history_has_watermarks() -%}{{ return(none) }}{%- endif -%}
  {%- set sql -%}
    select cast(folded_through as varchar) from {{ snapshot_history_watermarks() }}
    where model = '{{ this.identifier }}'
  {%- endset -%}
  {%- set rows = run_query(sql).rows -%}
  {%- if not rows or rows[0][0] > var('run_date') -%}{{ return(none) }}{%- endif -%}
  {{ return(rows[0][0]) }}
{%- endmacro %}

{# Which snapshot partitions a run reads: a literal filter on dt, so DuckDB prunes the other files. #}
{% macro snapshots_to_fold(dt='dt') -%}
  {%- set watermark = snapshot_history_watermark() -%}
  cast({{ dt }} as date) <= {{ run_date() }}
  {%- if watermark is not none %}
  and (cast({{ dt }} as date) > date '{{ watermark }}' or cast({{ dt }} as date) = {{ run_date() }})
  {%- endif -%}
{%- endmacro %}

{# The new snapshots' rows (columns: keys, then `earliest`, then last_snapshot) folded with the rows
   this table holds for the keys they touch: the earliest values kept, the latest snapshot taken. #}
{% macro fold_snapshot_history(new_rows, key, columns, earliest) -%}
select {{ columns | join(', ') }},
       {%- for c in earliest %} min({{ c }}) as {{ c }},{% endfor %} max(last_snapshot) as last_snapshot
from (
    select * from {{ new_rows }}
    {%- if is_incremental() %}
    union all
    select * from {{ this }} where {{ key }} in (select {{ key }} from {{ new_rows }})
    {%- endif %}
)
group by all
{%- endmacro %}

{# Going back in time empties the table (the run then folds every snapshot up to its date). #}
{% macro snapshot_history_reset() -%}
  {%- if snapshot_history_has_watermarks() -%}
  delete from {{ this }} where {{ run_date() }} < (
      select folded_through from {{ snapshot_history_watermarks() }} where model = '{{ this.identifier }}')
  {%- endif -%}
{%- endmacro %}

{#
  The date of the latest snapshot of a WeCom entity up to run_date, as a date literal. A filter on a
  literal lets DuckDB open that one partition; `dt = (select max(dt) ...)` reads every snapshot in the
  lake first, a cost that grows with the history. Found when the model runs (the lake's partition
  list, not the rows); while parsing, run_date stands in.
#}
{% macro latest_snapshot(source_name, table_name) -%}
  {%- if not execute -%}{{ return(run_date()) }}{%- endif -%}
  {%- set sql -%}
    select cast(max(cast(dt as date)) as varchar) from {{ source(source_name, table_name) }}
    where cast(dt as date) <= {{ run_date() }}
  {%- endset -%}
  {%- set latest = run_query(sql).columns[0].values()[0] -%}
  {{ return("date '" ~ (latest or '0001-01-01') ~ "'") }}
{%- endmacro %}
