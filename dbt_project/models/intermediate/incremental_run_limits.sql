{{ config(materialized='table') }}
-- This run's limits, computed once when the run starts (macros/incremental_state.sql): for every
-- incremental model, the watermark it folds after (null: its table is built anew, and
-- rebuild_reason says why) and the filter its readers of written_on use. Every incremental model
-- reads its own row; after a run, this table answers "why did that table rebuild?".
{%- set stored_table = ref('incremental_watermarks') %}
{%- set stored = incremental_stored_state() %}
{%- set rows = [] %}
{%- if execute %}
  {%- for node in incremental_nodes() | sort(attribute='alias') %}
    {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) %}
    {%- set reason = incremental_rebuild_reason(node, stored, relation is not none) %}
    {%- set folded = stored.get(node.alias, {}).get('folded_through') %}
    {%- set watermark = none if reason else folded %}
    {%- do rows.append([node.alias, folded, watermark, reason,
                        incremental_fingerprint(node.config.incremental_state),
                        changed_since('written_on', watermark)]) %}
  {%- endfor %}
{%- endif %}

select
    cast(model as {{ sql_string_type() }}) as model,
    {{ run_date() }} as run_date,
    cast(folded_through as date) as folded_through,
    cast(watermark as date) as watermark,
    cast(rebuild_reason as {{ sql_string_type() }}) as rebuild_reason,
    cast(fingerprint as {{ sql_string_type() }}) as fingerprint,
    cast(written_since_sql as {{ sql_string_type() }}) as written_since_sql,
    '{{ invocation_id }}' as invocation_id
from (values
{%- for r in rows %}
    ({% for v in r %}{{ "'" ~ (v | replace("'", "''")) ~ "'" if v is not none else 'null' }}{{ ", " if not loop.last }}{% endfor %}){{ "," if not loop.last }}
{%- else %}
    (null, null, null, null, null, null)
{%- endfor %}
) as limits(model, folded_through, watermark, rebuild_reason, fingerprint, written_since_sql)
