{#- Engine differences of the identity graph's models (int_identity__graph*), one macro each. -#}

{#- int_identity__graph_part's node ids: dense 0..n-1 in any order (the numpy components index
  arrays by them). DuckDB numbers the rows as they come; Spark wants an ordered window: the anchor
  order, which the part ranks by anyway (one sort for both). -#}
{% macro identity_node_id() -%}
  {{- adapter.dispatch('identity_node_id', 'siyu')() -}}
{%- endmacro %}
{% macro default__identity_node_id() -%}cast(row_number() over () - 1 as integer){%- endmacro %}
{% macro spark__identity_node_id() -%}cast(row_number() over (order by {{ identity_anchor_order() }}) - 1 as integer){%- endmacro %}

{#- The operators' inbox (var identity_overrides_inbox: a CSV or Parquet file or glob) as a relation
  of strings. DuckDB reads the files in the query; Spark SQL has no table function for a CSV with a
  header: a session view over the files, created when the model runs. -#}
{% macro identity_overrides_inbox_files(inbox) -%}
  {{- adapter.dispatch('identity_overrides_inbox_files', 'siyu')(inbox) -}}
{%- endmacro %}
{% macro default__identity_overrides_inbox_files(inbox) -%}
  {{ 'read_parquet' if inbox.endswith('.parquet') else 'read_csv' }}('{{ inbox }}'
        {%- if not inbox.endswith('.parquet') %}, header = true, all_varchar = true{% endif %}, union_by_name = true)
{%- endmacro %}
{% macro spark__identity_overrides_inbox_files(inbox) -%}
  {%- set view = 'siyu_identity_overrides_inbox' -%}
  {%- if execute -%}
    {%- set parquet = inbox.endswith('.parquet') -%}
    {%- do run_query("create or replace temporary view " ~ view ~ " using " ~ ('parquet' if parquet else 'csv')
                     ~ " options (path '" ~ inbox | replace("'", "") ~ "'"
                     ~ ("" if parquet else ", header 'true'") ~ (", mergeSchema 'true'" if parquet else "") ~ ")") -%}
  {%- endif -%}
  {{- view -}}
{%- endmacro %}
