{#- The lake's raw entities as relations. DuckDB reads them through each source's meta
  external_location (read_parquet over dt=* partitions, in the sources' YAML): nothing to register.
  Spark has no such hook: on-run-start makes one view per source table, <source>.<table>, over the
  entity's Parquet folder (Spark discovers the hive dt=* partitions and, with
  spark.sql.parquet.mergeSchema, a column added later), leaving out what the raw gate held back. -#}
{% macro register_lake_sources() %}
  {{ return(adapter.dispatch('register_lake_sources', 'siyu')()) }}
{% endmacro %}

{% macro default__register_lake_sources() %}
  select 1
{% endmacro %}

{% macro spark__register_lake_sources() %}
  {%- if execute -%}
    {%- set held = var('held_partitions', []) -%}
    {%- set schemas = [] -%}
    {%- for node in graph.sources.values() if node.package_name == 'siyu' -%}
      {%- if node.schema not in schemas -%}
        {%- do schemas.append(node.schema) -%}
        {%- do run_query('create schema if not exists ' ~ node.schema) -%}
      {%- endif -%}
      {%- set folder = node.source_name ~ '/' ~ node.name -%}
      {%- set kept = ["'-'"] -%}
      {%- for p in held -%}{%- do kept.append("'" ~ (p | replace("'", "")) ~ "'") -%}{%- endfor -%}
      {%- do run_query(
        "create or replace view " ~ node.schema ~ "." ~ node.identifier ~ " as select * from parquet.`"
        ~ env_var('SIYU_LAKE') ~ "/raw/" ~ folder ~ "` where concat('" ~ folder ~ "/', cast(dt as string))"
        ~ " not in (" ~ kept | join(', ') ~ ")"
      ) -%}
    {%- endfor -%}
  {%- endif -%}
  select 1
{% endmacro %}
