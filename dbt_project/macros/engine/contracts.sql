{#- Contracts on Spark. The models' YAML names DuckDB's types (varchar, timestamp with time zone,
  integer): dbt checks a contract by casting nulls to them, which Spark SQL cannot parse. On Spark
  each is read as Spark's own type, so the contract still checks every column's name and type. -#}
{% macro spark_contract_type(data_type) -%}
  {%- set t = data_type.strip().lower() | replace(' ', '') -%}
  {%- set names = {'varchar': 'string', 'text': 'string', 'timestampwithtimezone': 'timestamp',
                   'timestamptz': 'timestamp', 'integer': 'int', 'hugeint': 'decimal(38,0)'} -%}
  {{- return(names.get(t, t)) -}}
{%- endmacro %}

{% macro spark__get_empty_schema_sql(columns) -%}
    select
    {% for i in columns -%}
      {%- set col = columns[i] -%}
      {%- if col['data_type'] is not defined -%}
        {{ exceptions.column_type_missing(column_names=[col['name']]) }}
      {%- endif -%}
      {%- set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] -%}
      cast(null as {{ spark_contract_type(col['data_type']) }}) as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- dbt-spark adds a contract's constraints (not null, primary key) with ALTER TABLE unless the model
  names a file format, taking Delta for granted; the Parquet tables here cannot hold constraints.
  The models' data tests check what the constraints say (as for the DuckDB views). -#}
{% macro spark__persist_constraints(relation, model) -%}
{%- endmacro %}
