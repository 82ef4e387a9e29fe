{#- on-run-end: drop the temp tables a run leaves behind. dbt-duckdb's Python incremental models write
    their new rows to `<model>__dbt_tmp<timestamp>` tables and do not drop them: after six runs the
    warehouse held five full copies of the identity graph. One writer builds the warehouse at a time
    (the DAG's pool), so no other run's temp table can be in use. -#}
{% macro drop_dbt_tmp_tables() %}
  {{- adapter.dispatch('drop_dbt_tmp_tables', 'siyu')() -}}
{% endmacro %}

{#- Spark: dbt-spark drops its own temporary views; there is no information_schema to scan. -#}
{% macro spark__drop_dbt_tmp_tables() %}
  select 1
{% endmacro %}

{% macro default__drop_dbt_tmp_tables() %}
  {%- if execute -%}
    {%- set leftovers = run_query(
        "select table_schema, table_name, table_type from information_schema.tables "
        ~ "where table_catalog = current_database() and table_name like '%\\_\\_dbt\\_tmp%' escape '\\'") -%}
    {%- for schema, name, kind in leftovers.rows -%}
      {%- do run_query("drop " ~ ("view" if kind == "VIEW" else "table") ~ " if exists "
                       ~ adapter.quote(schema) ~ "." ~ adapter.quote(name)) -%}
    {%- endfor -%}
  {%- endif -%}
  select 1
{%- endmacro %}
