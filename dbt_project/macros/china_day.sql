{#- The China day (Asia/Shanghai) of a UTC instant: the `<event>_date` column beside an `<event>_at`
    (issue 18). Explicit, so it holds whatever a session's TimeZone (Spark's form: macros/engine/types.sql). -#}
{% macro china_day(ts) -%}
  {{- adapter.dispatch('china_day', 'siyu')(ts) -}}
{%- endmacro %}
{% macro default__china_day(ts) -%}
    cast(timezone('Asia/Shanghai', {{ ts }}) as date)
{%- endmacro %}
