{#- Seeds on Spark (issue 22): dbt's load_csv_rows dispatches to spark__load_csv_rows, which this
  project's macro overrides (a root project's macro comes first for dbt's own namespace); DuckDB's
  seed load (default__load_csv_rows) is dbt-duckdb's, unchanged.

  dbt-spark's macro binds each value as %s and its session cursor formats the statement with
  `sql % values`, each string only wrapped in quotes (dbt/adapters/spark/session.py, _fix_binding):
  a value holding a quote (tag_definitions' conditions: first_channel = 'store_qr') ends its literal
  early and the insert fails to parse. Here each value is a literal in the statement itself, escaped
  for Spark's string literals (backslash and quote), and no bindings are passed. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
    {% set sql %}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for col_name in agate_table.column_names -%}
          {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
          {%- set type = column_override.get(col_name, inferred_type) -%}
          cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
          {%- if not loop.last %},{% endif -%}
        {%- endfor -%})
        {%- if not loop.last %},{% endif %}
      {% endfor %}
    {% endset %}
    {% do adapter.add_query(sql, abridge_sql_log=True) %}
    {% if loop.index0 == 0 %}
      {% do statements.append(sql) %}
    {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}

{#- A seed value as a Spark SQL literal: null, a boolean, a number, else a string literal. -#}
{% macro spark_seed_literal(value) -%}
  {%- if value is none -%}null
  {%- elif value is boolean -%}{{ 'true' if value else 'false' }}
  {%- elif value is number -%}{{ value }}
  {%- else -%}'{{ (value | string) | replace('\\', '\\\\') | replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}
