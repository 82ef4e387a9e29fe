{#- Rank of an identifier type in the customer_id tie-break (var identifier_type_order). -#}
{% macro identifier_type_rank(column) %}
  case {{ column }}
  {%- for t in var('identifier_type_order') %}
    when '{{ t }}' then {{ loop.index }}
  {%- endfor %}
    else 99
  end
{%- endmacro %}

{#- The stable customer id of a component, from its anchor identifier (type, value). -#}
{% macro customer_id(type_column, value_column) %}
  'c_' || substr(md5({{ type_column }} || ':' || {{ value_column }}), 1, 16)
{%- endmacro %}

{#- SQL list literal of a list var: ('a', 'b'). -#}
{% macro sql_list(values) %}
  ({%- for v in values %}'{{ v }}'{{ "," if not loop.last }}{% endfor -%})
{%- endmacro %}
