{#- The logical date being built, as a DuckDB date literal. Fails fast when the var is missing or
    malformed, so a build never silently reads "everything in the lake". Checked only when executing:
    parsing (dbt ls, Cosmos rendering the DAG) needs no date. -#}
{% macro run_date() %}
  {%- set value = var('run_date', none) -%}
  {%- if execute and (value is none or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string)) -%}
    {{ exceptions.raise_compiler_error("var run_date must be 'YYYY-MM-DD', got: " ~ value) }}
  {%- endif -%}
  date '{{ value }}'
{%- endmacro %}
