{#
  Incremental models that fold what changed since their last build (the WeCom snapshot histories,
  the identity evidence, quarantine and graph) keep a watermark: the run_date of their last
  successful build, in the table incremental_watermarks beside them, with a fingerprint of the
  configuration their rows depend on (config key `incremental_fingerprint`: the merge rules, the
  junk guard's limits, a version of the model's logic).

  - A run reads what changed after the watermark, up to run_date, and run_date's own (a re-run of
    the last date re-reads it: each model recomputes whole keys, so a re-run changes nothing).
  - A run for a date before the watermark (a backfill, a re-run of the past) cannot be answered
    from the stored state: the pre-hook empties the table and forgets the watermark, and the run
    builds from everything up to its date. A table with another fingerprint (the merge rules
    changed, a new version of the model) or without a watermark (an older Siyu's) is dropped when
    the dbt run starts, and built anew.
  - Every row carries written_on, the run_date of the build that last wrote it: a downstream model
    reads the rows written after its own watermark. Only rows whose content changed are rewritten.
#}

{% macro incremental_state_config(key, strategy='delete+insert', fingerprint='') -%}
  {{ config(
      materialized='incremental',
      incremental_strategy=strategy,
      unique_key=key,
      on_schema_change='fail',
      incremental_fingerprint=fingerprint,
      pre_hook="{{ incremental_state_reset() }}",
      post_hook="{{ incremental_state_record() }}"
  ) }}
{%- endmacro %}

{% macro incremental_watermarks() -%}
  {{ this.schema }}.incremental_watermarks
{%- endmacro %}

{% macro incremental_fingerprint() -%}
  {{ return(local_md5(config.get('incremental_fingerprint', '') | string)) }}
{%- endmacro %}

{# The date this model's table has built through ('YYYY-MM-DD'), or none: a new table, or a run
   going back in time (a rebuild). (A table without a watermark or with another fingerprint is
   dropped before any model runs: drop_stale_incremental_tables.) #}
{% macro incremental_watermark() -%}
  {%- if not (execute and is_incremental()) -%}{{ return(none) }}{%- endif -%}
  {%- set sql -%}
    select cast(folded_through as varchar) from {{ incremental_watermarks() }}
    where model = '{{ this.identifier }}'
  {%- endset -%}
  {%- set rows = run_query(sql).rows -%}
  {{ return(rows[0][0] if rows and rows[0][0] <= var('run_date') else none) }}
{%- endmacro %}

{# A filter keeping what changed since the watermark: `column` (a date) after it, or run_date's own;
   true on a rebuild. #}
{% macro changed_since_watermark(column) -%}
  {%- set watermark = incremental_watermark() -%}
  {%- if watermark is none -%}true{%- else -%}
  ({{ column }} > date '{{ watermark }}' or {{ column }} = {{ run_date() }})
  {%- endif -%}
{%- endmacro %}

{# Pre-hook: a run going back in time empties the table and forgets the watermark first. #}
{% macro incremental_state_reset() -%}
  {%- if execute and is_incremental() and incremental_watermark() is none -%}
  delete from {{ this }};
  delete from {{ incremental_watermarks() }} where model = '{{ this.identifier }}'
  {%- endif -%}
{%- endmacro %}

{# Post-hook: the watermark and fingerprint of this build. #}
{% macro incremental_state_record() -%}
  create table if not exists {{ incremental_watermarks() }}
      (model varchar primary key, folded_through date not null, fingerprint varchar not null);
  insert or replace into {{ incremental_watermarks() }}
  values ('{{ this.identifier }}', {{ run_date() }}, '{{ incremental_fingerprint() }}')
{%- endmacro %}

{#
  on-run-start: a table of an incremental model whose watermark is missing (built by a Siyu from
  before watermarks) or whose fingerprint differs (the configuration changed, or a new version of
  the model changed its columns: bump the version in its fingerprint) is dropped, and the run
  builds it anew. dbt decides "incremental or new" before any pre-hook runs, and an incremental run
  into a table of another shape fails (on_schema_change='fail'): an upgrade needs no manual
  full refresh. Through the adapter, so dbt's relation cache knows.
#}
{% macro drop_stale_incremental_tables() -%}
  {%- if execute -%}
  {%- set stored = {} -%}
  {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
                  | selectattr('config.incremental_fingerprint', 'defined') | list -%}
  {%- for node in nodes -%}
    {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
    {%- if relation is not none -%}
      {%- if 'rows' not in stored -%}
        {%- set watermarks = adapter.get_relation(node.database, node.schema, 'incremental_watermarks') -%}
        {%- do stored.update({'rows': {}}) -%}
        {%- if watermarks is not none -%}
          {%- for row in run_query('select model, fingerprint from ' ~ watermarks).rows -%}
            {%- do stored['rows'].update({row[0]: row[1]}) -%}
          {%- endfor -%}
        {%- endif -%}
      {%- endif -%}
      {%- if stored['rows'].get(node.alias) != local_md5(node.config.incremental_fingerprint | string) -%}
        {{ log("rebuilding " ~ relation ~ ": no watermark, or another configuration", info=true) }}
        {%- do adapter.drop_relation(relation) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
