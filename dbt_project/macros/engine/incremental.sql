{#- How an incremental_state model is materialized. DuckDB: incremental (delete+insert by key). Spark's
  Parquet tables have no delete and dbt-spark's merge needs Delta or Iceberg (their jars are not
  installed here): a table built anew each run, which the state rules already handle as a rebuild
  (no watermark for the model: every row read, every row written). -#}
{% macro incremental_materialization() -%}
  {{- return(adapter.dispatch('incremental_materialization', 'siyu')()) -}}
{%- endmacro %}
{% macro default__incremental_materialization() -%}{{ return('incremental') }}{%- endmacro %}
{% macro spark__incremental_materialization() -%}{{ return('table') }}{%- endmacro %}

{#- The post-hooks of a [customer × day] incremental model (customer_aipl_daily,
  customer_lifecycle_daily): DuckDB deletes the days of a customer flagged a test account since they
  were built. On Spark the table is built anew each run from real_customers() and Parquet has no
  delete: none. -#}
{% macro test_customers_out_hooks() -%}
  {{- return(adapter.dispatch('test_customers_out_hooks', 'siyu')()) -}}
{%- endmacro %}
{% macro default__test_customers_out_hooks() -%}
  {{- return(["delete from {{ this }} where customer_id in (select customer_id from {{ ref('dim_customers') }} where is_test)"]) -}}
{%- endmacro %}
{% macro spark__test_customers_out_hooks() -%}{{- return([]) -}}{%- endmacro %}
