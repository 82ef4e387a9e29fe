{#- Opt-outs filed through the privacy inbox (`siyu privacy opt-out TYPE VALUE`, siyu.pipl), kept by
    it in SIYU_HOME/privacy/privacy_opt_outs.parquet: request id, identifier type, value (a phone
    already pseudonymised) and when it was received. No file yet: no opt-outs. The typed empty frame
    gives every column a type, and `union all by name` takes the file's columns whatever their order
    (the value may be called identifier, value or pseudonym; the time received_at or, as siyu.pipl.optouts
    writes it, opted_out_at). -#}
{% macro privacy_opt_outs() %}
  {{- return(adapter.dispatch('privacy_opt_outs', 'siyu')()) -}}
{%- endmacro %}

{% macro default__privacy_opt_outs() %}
  {%- set path = (env_var('SIYU_HOME', 'data') ~ '/privacy/privacy_opt_outs.parquet') | replace("'", "''") -%}
  {%- set present = false -%}
  {%- if execute -%}
    {%- set found = run_query("select count(*) from glob('" ~ path ~ "')") -%}
    {%- set present = found.columns[0].values()[0] > 0 -%}
  {%- endif -%}
  (
    select cast(null as {{ sql_string_type() }}) as request_id, cast(null as {{ sql_string_type() }}) as identifier_type,
           cast(null as {{ sql_string_type() }}) as identifier, cast(null as {{ sql_string_type() }}) as value,
           cast(null as {{ sql_string_type() }}) as pseudonym, cast(null as {{ sql_timestamptz_type() }}) as received_at,
           cast(null as {{ sql_timestamptz_type() }}) as opted_out_at
    where false
    {%- if present %}
    union all by name
    select * from read_parquet('{{ path }}')
    {%- endif %}
  )
{%- endmacro %}

{#- Spark: no glob() and no `union all by name`. Whether the file is there, siyu_path_exists (a session
  function, siyu.spark_session); its columns are read from the file and the absent ones are nulls. -#}
{% macro spark__privacy_opt_outs() %}
  {%- set path = (env_var('SIYU_HOME', 'data') ~ '/privacy/privacy_opt_outs.parquet') | replace("'", "") | replace('`', '') -%}
  {%- set typed = {'request_id': sql_string_type(), 'identifier_type': sql_string_type(), 'identifier': sql_string_type(),
                   'value': sql_string_type(), 'pseudonym': sql_string_type(), 'received_at': sql_timestamptz_type(),
                   'opted_out_at': sql_timestamptz_type()} -%}
  {%- set present = namespace(columns=none) -%}
  {%- if execute and run_query("select siyu_path_exists('" ~ path ~ "')").columns[0].values()[0] -%}
    {%- set present.columns = run_query('select * from parquet.`' ~ path ~ '` limit 0').column_names -%}
  {%- endif -%}
  (
    select {% for name, type in typed.items() %}cast(null as {{ type }}) as {{ name }}{{ ', ' if not loop.last }}{% endfor %}
    where false
    {%- if present.columns is not none %}
    union all
    select {% for name, type in typed.items() -%}
      cast({{ name if name in present.columns else 'null' }} as {{ type }}) as {{ name }}{{ ', ' if not loop.last }}
    {%- endfor %}
    from parquet.`{{ path }}`
    {%- endif %}
  )
{%- endmacro %}
