{#- Engine differences of the identity graph's models (int_identity__graph*), one macro each. -#}

{#- int_identity__graph_part's node ids: dense 0..n-1 in any order (the numpy components index
  arrays by them). DuckDB numbers the rows as they come; Spark wants an ordered window: the anchor
  order, which the part ranks by anyway (one sort for both). -#}
{% macro identity_node_id() -%}
  {{- adapter.dispatch('identity_node_id', 'siyu')() -}}
{%- endmacro %}
{% macro default__identity_node_id() -%}cast(row_number() over () - 1 as integer){%- endmacro %}
{% macro spark__identity_node_id() -%}cast(row_number() over (order by {{ identity_anchor_order() }}) - 1 as integer){%- endmacro %}
