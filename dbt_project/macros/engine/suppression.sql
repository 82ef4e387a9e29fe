{#- not_suppressed on Spark (the rule and DuckDB's form: macros/suppression.sql). The list and its key
  are session variables siyu_suppressed / siyu_suppression_key that siyu.spark_session declares with
  bound parameters before dbt runs, so neither appears in compiled SQL or dbt's logs. -#}
{% macro spark__not_suppressed(columns, list_columns) -%}
(coalesce(size(siyu_suppressed), 0) = 0 or not (
    {%- for c in columns %}
    coalesce(array_contains(siyu_suppressed, sha2(concat(siyu_suppression_key, chr(31), {{ c }}), 256)), false){% if not loop.last or list_columns %} or{% endif %}
    {%- endfor %}
    {%- for c in list_columns %}
    coalesce(arrays_overlap(siyu_suppressed, transform({{ c }}, x -> sha2(concat(siyu_suppression_key, chr(31), x), 256))), false){% if not loop.last %} or{% endif %}
    {%- endfor %}
))
{%- endmacro %}
