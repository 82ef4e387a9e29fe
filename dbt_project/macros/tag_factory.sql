{#- Compile the tag definitions (seed tag_definitions: tag_name, tag_class, condition, description)
    into one query over a feature relation: a row per (customer, tag) whose condition holds. Adding a
    tag is one seed row; a condition is SQL over the feature model's columns. -#}
{% macro build_customer_tags(features) %}
  {%- set definitions = [] -%}
  {%- if execute -%}
    {%- set definitions = run_query("select tag_name, tag_class, condition from " ~ ref('tag_definitions') ~ " order by tag_name").rows -%}
  {%- endif -%}
  {%- for tag_name, tag_class, condition in definitions %}
  select customer_id, '{{ tag_name }}' as tag_name, '{{ tag_class }}' as tag_class
  from {{ features }}
  where coalesce(({{ condition }}), false)
  {% if not loop.last %}union all{% endif %}
  {%- endfor %}
  {%- if definitions | length == 0 %}
  select cast(null as varchar) as customer_id, cast(null as varchar) as tag_name, cast(null as varchar) as tag_class
  where false
  {%- endif %}
{%- endmacro %}
