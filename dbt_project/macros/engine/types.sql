{#- Engine differences in types and scalar functions, one macro each; default__ is DuckDB's (the SQL
  the models had before Spark), spark__ Spark SQL's. -#}

{#- The string type in a cast or a column list: DuckDB's varchar; Spark wants a length on varchar. -#}
{% macro sql_string_type() -%}
  {{- adapter.dispatch('sql_string_type', 'siyu')() -}}
{%- endmacro %}
{% macro default__sql_string_type() -%}varchar{%- endmacro %}
{% macro spark__sql_string_type() -%}string{%- endmacro %}

{#- A JSON text's member as a string ('$.key'). -#}
{% macro json_text(expression, path) -%}
  {{- adapter.dispatch('json_text', 'siyu')(expression, path) -}}
{%- endmacro %}
{% macro default__json_text(expression, path) -%}json_extract_string({{ expression }}, '{{ path }}'){%- endmacro %}
{% macro spark__json_text(expression, path) -%}get_json_object({{ expression }}, '{{ path }}'){%- endmacro %}
