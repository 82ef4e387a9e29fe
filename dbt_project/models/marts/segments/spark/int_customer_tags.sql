{{ config(materialized='table', enabled=target.type == 'spark') }}
-- int_customer_tags on Spark (issue 22): the DuckDB Python model's tag factory
-- (models/marts/segments/int_customer_tags.py) in SQL. The query over the features is made by the
-- session function siyu_tags_query (siyu.spark_tags: every condition checked by siyu.safe_sql's
-- allowlist, then transpiled to Spark SQL) and pasted here; a condition it refuses fails the build.
{%- set features = ref('customer_features') %}
{%- set definitions = ref('tag_definitions') %}
{%- set query = "select cast(null as string) as customer_id, cast(null as string) as tag_name, cast(null as string) as tag_class where false" %}
{%- if execute %}
    {%- set columns = adapter.get_columns_in_relation(features) | map(attribute='name') | list %}
    {%- set quoted = [] %}
    {%- for c in columns %}{% do quoted.append("'" ~ (c | replace("'", "''")) ~ "'") %}{% endfor %}
    {%- set made = run_query(
        "select siyu_tags_query(collect_list(struct(tag_name, tag_class, condition)), array("
        ~ quoted | join(', ') ~ ")) from " ~ definitions) %}
    {%- set query = made.columns[0].values()[0] %}
{%- endif %}

with features as (
    select * from {{ features }}
)

{{ query }}
