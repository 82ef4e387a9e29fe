{#
  Incremental state, in one file. "Why did this table rebuild?": read incremental_rebuild_reason
  below, or the table incremental_run_limits (its rebuild_reason column) after a run.

  Incremental models that fold what changed since their last build (the WeCom snapshot histories,
  the identity evidence, quarantine, overrides and graph) declare it with config key
  `incremental_state`: {version: <the logic's version>, vars: [<the vars their rows depend on>]}
  (incremental_state_config below for SQL models; the model's YAML for Python ones). Their
  fingerprint is derived from it: the version and the value of each var listed.

  The lineage: incremental_watermarks (the state: each model's last build date and fingerprint)
  -> incremental_run_limits (this run's limits, computed once when the run starts) -> every
  incremental model, which reads its own row (incremental_watermark, changed_since_watermark).

  - A run reads what changed after the watermark, up to run_date, and run_date's own (a re-run of
    the last date re-reads it: each model recomputes whole keys, so a re-run changes nothing).
  - The table is built anew (on-run-start drops it: dbt decides "incremental or new" before any
    hook of the model runs, and an incremental run into a table of another shape fails) when:
    there is no watermark (a new model, or a table an older Siyu built), the fingerprint differs
    (a declared var changed, or a new version of the logic), or, for a model this run builds,
    run_date is before the watermark (a backfill or a re-run of the past cannot be answered from
    the stored state). The rebuild reads everything up to its date.
  - on-run-end records the watermark (run_date) and fingerprint of every incremental model the run
    built successfully.
  - Every row carries written_on, the run_date of the build that last wrote it: a downstream model
    reads the rows written after its own watermark. Only rows whose content changed are rewritten.
#}

{% macro incremental_state_config(key, version, vars=[], strategy='delete+insert') -%}
  {{ config(
      materialized=incremental_materialization(),
      incremental_strategy=strategy,
      unique_key=key,
      on_schema_change='fail',
      incremental_state={'version': version, 'vars': vars}
  ) }}
{%- endmacro %}

{# The fingerprint of a declared state: its version and the value of each var it lists. #}
{% macro incremental_fingerprint(state) -%}
  {%- set parts = [state.get('version', '') | string] -%}
  {%- for name in state.get('vars', []) -%}
    {%- do parts.append(name ~ '=' ~ tojson(var(name))) -%}
  {%- endfor -%}
  {{ return(local_md5(parts | join(' | '))) }}
{%- endmacro %}

{# The models that keep incremental state (config incremental_state). #}
{% macro incremental_nodes() -%}
  {{ return(graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
            | selectattr('config.incremental_state', 'defined') | list) }}
{%- endmacro %}

{# The table of the model incremental_watermarks (the state's owner in the lineage). #}
{% macro incremental_watermarks_relation() -%}
  {%- set node = graph.nodes['model.' ~ project_name ~ '.incremental_watermarks'] -%}
  {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{# The stored state: model -> {folded_through: 'YYYY-MM-DD', fingerprint}; empty without a table. #}
{% macro incremental_stored_state() -%}
  {%- set stored = {} -%}
  {%- if execute -%}
    {%- set wanted = incremental_watermarks_relation() -%}
    {%- set relation = adapter.get_relation(wanted.database, wanted.schema, wanted.identifier) -%}
    {%- if relation is not none -%}
      {%- for row in run_query('select model, cast(folded_through as ' ~ sql_string_type() ~ '), fingerprint from ' ~ relation).rows -%}
        {%- do stored.update({row[0]: {'folded_through': row[1], 'fingerprint': row[2]}}) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(stored) }}
{%- endmacro %}

{# THE rule: why `node`'s table is built anew in this run, or none (it folds from its watermark).
   `table_exists`: whether its table is there (on-run-start has not dropped it yet). #}
{% macro incremental_rebuild_reason(node, stored, table_exists) -%}
  {%- set row = stored.get(node.alias) -%}
  {%- set state = node.config.incremental_state -%}
  {%- if row is none -%}
    {{ return('no watermark: a new model, or a table an older Siyu built') }}
  {%- elif row['fingerprint'] != incremental_fingerprint(state) -%}
    {{ return('another configuration: the version (' ~ state.get('version', '') ~ ') or one of the vars '
              ~ (state.get('vars', []) | join(', ') or '(none)') ~ ' changed') }}
  {%- elif row['folded_through'] > var('run_date') -%}
    {{ return('backfill: run_date before the watermark ' ~ row['folded_through']) }}
  {%- elif flags.FULL_REFRESH -%}
    {{ return('full refresh') }}
  {%- elif not table_exists -%}
    {{ return('no table') }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{# on-run-start: drop the tables the rule says are built anew (a backfill: only the models this run
   builds; the others keep their state for a later date). Through the adapter, so dbt's relation
   cache knows. #}
{% macro incremental_state_prepare() -%}
  {%- if execute -%}
  {%- set stored = incremental_stored_state() -%}
  {%- for node in incremental_nodes() -%}
    {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
    {%- if relation is not none -%}
      {%- set reason = incremental_rebuild_reason(node, stored, true) -%}
      {%- if reason and reason != 'full refresh'
            and (node.unique_id in selected_resources or not reason.startswith('backfill')) -%}
        {{ log("rebuilding " ~ relation ~ ": " ~ reason, info=true) }}
        {%- do adapter.drop_relation(relation) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- endif -%}
  select 1
{%- endmacro %}

{# on-run-end: the watermark and fingerprint of each incremental model built successfully. #}
{% macro incremental_state_record(results) -%}
  {%- if execute -%}
  {%- set relation = incremental_watermarks_relation() -%}
  {%- do run_query('create schema if not exists ' ~ adapter.quote(relation.schema)) -%}
  {%- do run_query('create table if not exists ' ~ relation
                   ~ ' (model ' ~ sql_string_type() ~ ', folded_through date, fingerprint ' ~ sql_string_type() ~ ')') -%}
  {%- for result in results
        if result.node.resource_type == 'model' and result.status == 'success'
           and result.node.config.get('incremental_state') is not none -%}
    {%- do replace_state_row(relation, result.node.alias, run_date(),
                             incremental_fingerprint(result.node.config.incremental_state)) -%}
  {%- endfor -%}
  {%- endif -%}
  select 1
{%- endmacro %}

{# The date `model` (this model by default) folds after ('YYYY-MM-DD'), or none: it is built anew
   in this run. Read from incremental_run_limits, which must have been built for this run_date: in
   this invocation (select the model with its ancestors: +model), or in an earlier one of the same
   run_date (the warehouse DAG builds a layer per invocation: the marts read the limits the
   intermediate layer computed when the run started; the state they were computed from is the
   marts' own, which only a marts build changes). #}
{% macro incremental_watermark(model=none) -%}
  {%- set limits = ref('incremental_run_limits') -%}
  {%- if not execute or flags.WHICH not in ('run', 'build') -%}{{ return(none) }}{%- endif -%}
  {%- if model is none and not is_incremental() -%}{{ return(none) }}{%- endif -%}
  {%- set model = model or this.identifier -%}
  {%- set rows = run_query("select cast(watermark as " ~ sql_string_type() ~ "), invocation_id, cast(run_date as "
                           ~ sql_string_type() ~ ") from " ~ limits ~ " where model = '" ~ model ~ "'").rows -%}
  {%- if not rows or (rows[0][1] != invocation_id and rows[0][2] != var('run_date')) -%}
    {{ exceptions.raise_compiler_error(model ~ ": incremental_run_limits was not built for this run_date; "
                                       ~ "select the model with its ancestors (+" ~ model ~ ")") }}
  {%- endif -%}
  {{ return(rows[0][0]) }}
{%- endmacro %}

{# A filter keeping what changed since `model`'s watermark (this model's by default): `column` (a
   date) after it, or run_date's own; true on a rebuild. #}
{% macro changed_since_watermark(column, model=none) -%}
  {{ changed_since(column, incremental_watermark(model)) }}
{%- endmacro %}

{# THE "changed since" rule, for a given watermark ('YYYY-MM-DD' or none: everything). #}
{% macro changed_since(column, watermark) -%}
  {%- if watermark is none -%}true{%- else -%}
  ({{ column }} > date '{{ watermark }}' or {{ column }} = {{ run_date() }})
  {%- endif -%}
{%- endmacro %}

{#- fct_events' post-hook: the rewritten events that have no customer any more (their identity was
    cut) and test accounts' events leave the table. -#}
{% macro fct_events_drop_unresolved() -%}
  {%- if is_incremental() %}
  delete from {{ this }} where customer_id is null or not {{ not_test_customer('customer_id') }}
  {%- endif %}
{%- endmacro %}

{#- fct_sessions' post-hook: the sessions of an openid with no event left in fct_events. -#}
{% macro fct_sessions_drop_orphans() -%}
  {%- if is_incremental() %}
  delete from {{ this }} where mp_openid not in (select mp_openid from {{ ref('fct_events') }})
  {%- endif %}
{%- endmacro %}
