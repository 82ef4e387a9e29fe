{#- Erased people (PIPL Art. 47) stay out of every staging model: a row goes when one of its identifier
    columns hashes into the suppression list (siyu.pipl.suppression: sha256 of key, 0x1f, value; the key
    and list arrive as DuckDB variables from the plugin siyu.pipl.dbt_plugin, never in this SQL).
    `columns`: string columns; `list_columns`: lists of strings (e.g. remark_mobile_hashes).
    With an empty list (or outside the plugin) it is `true`. -#}
{% macro not_suppressed(columns, list_columns=[]) -%}
  {{- adapter.dispatch('not_suppressed', 'siyu')(columns, list_columns) -}}
{%- endmacro %}

{#- DuckDB: the plugin's variables. Spark's (session variables): macros/engine/suppression.sql. -#}
{% macro default__not_suppressed(columns, list_columns) -%}
(coalesce(len(getvariable('siyu_suppressed')), 0) = 0 or not (
    {%- for c in columns %}
    coalesce(list_contains(getvariable('siyu_suppressed'), sha256(getvariable('siyu_suppression_key') || chr(31) || {{ c }})), false){% if not loop.last or list_columns %} or{% endif %}
    {%- endfor %}
    {%- for c in list_columns %}
    coalesce(list_has_any(getvariable('siyu_suppressed'), list_transform({{ c }}, lambda x: sha256(getvariable('siyu_suppression_key') || chr(31) || x))), false){% if not loop.last %} or{% endif %}
    {%- endfor %}
))
{%- endmacro %}
