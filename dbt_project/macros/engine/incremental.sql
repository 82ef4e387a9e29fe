{#- How an incremental_state model is materialized. DuckDB: incremental (delete+insert by key). Spark's
  Parquet tables have no delete and dbt-spark's merge needs Delta or Iceberg (their jars are not
  installed here): a table built anew each run, which the state rules already handle as a rebuild
  (no watermark for the model: every row read, every row written). -#}
{% macro incremental_materialization() -%}
  {{- return(adapter.dispatch('incremental_materialization', 'siyu')()) -}}
{%- endmacro %}
{% macro default__incremental_materialization() -%}{{ return('incremental') }}{%- endmacro %}
{% macro spark__incremental_materialization() -%}{{ return('table') }}{%- endmacro %}
