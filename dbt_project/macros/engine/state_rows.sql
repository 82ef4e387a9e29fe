{#- One model's row of the watermark table replaced (macros/incremental_state.sql). DuckDB deletes and
  inserts; a Spark Parquet table has no delete: the table is rewritten from its rows (a few dozen). -#}
{% macro replace_state_row(relation, model, folded_through, fingerprint) -%}
  {{- adapter.dispatch('replace_state_row', 'siyu')(relation, model, folded_through, fingerprint) -}}
{%- endmacro %}

{% macro default__replace_state_row(relation, model, folded_through, fingerprint) -%}
  {%- do run_query("delete from " ~ relation ~ " where model = '" ~ model ~ "'; insert into "
                   ~ relation ~ " values ('" ~ model ~ "', " ~ folded_through ~ ", '" ~ fingerprint ~ "')") -%}
{%- endmacro %}

{% macro spark__replace_state_row(relation, model, folded_through, fingerprint) -%}
  {%- set values = ["('" ~ model ~ "', " ~ folded_through ~ ", '" ~ fingerprint ~ "')"] -%}
  {%- for row in run_query("select model, cast(folded_through as string), fingerprint from " ~ relation
                           ~ " where model <> '" ~ model ~ "'").rows -%}
    {%- do values.append("('" ~ row[0] ~ "', date '" ~ row[1] ~ "', '" ~ row[2] ~ "')") -%}
  {%- endfor -%}
  {%- do run_query("insert overwrite table " ~ relation ~ " values " ~ values | join(', ')) -%}
{%- endmacro %}
