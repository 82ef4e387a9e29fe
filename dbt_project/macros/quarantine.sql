{#- Row-level checks of a staging model, in one place: `quarantine_reason(checks)` gives the first
    failed check's reason (or null), so the staging model keeps rows where it is null and its
    *_quarantine companion keeps the others, with the reason. checks: list of [sql condition of a
    BAD row, reason]. Conditions come from configuration (vars): each is checked by safe_condition
    (macros/safe_sql.sql) before it reaches SQL, over the columns the model names. -#}
{% macro quarantine_reason(checks, columns=none, built_in=[]) %}
  case
  {%- for condition, reason in checks %}
    when {{ safe_condition(condition, columns) }} then '{{ reason | replace("'", "''") }}'
  {%- endfor %}
  {%- for condition, reason in built_in %}
    when {{ condition }} then '{{ reason | replace("'", "''") }}'
  {%- endfor %}
  end
{%- endmacro %}

{#- The reason an app-DB row cannot flow: extraction's (column quarantine_reason: an unreadable or
    future timestamp), else the first failed check, plausibility of its timestamps included. -#}
{% macro row_quarantine(checks, time_columns, columns) %}
  coalesce(quarantine_reason, {{ quarantine_reason(checks, columns, plausible_time_checks(time_columns)) }})
{%- endmacro %}

{#- Timestamps a brand's data can hold: not before the brand's start (var plausible_since), not after
    the end of the run's China day plus var plausible_future_hours. An event in 1970 or an order paid
    in 2099 is a clock or a unit gone wrong: set aside with the reason, not counted. -#}
{% macro plausible_time_checks(columns) %}
  {%- set since = var('plausible_since') | string -%}
  {%- if execute and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', since) -%}
    {{ exceptions.raise_compiler_error("var plausible_since must be 'YYYY-MM-DD', got: " ~ since) }}
  {%- endif -%}
  {%- set hours = var('plausible_future_hours') | int -%}
  {%- set checks = [] -%}
  {%- for column in columns -%}
    {%- do checks.append([column ~ " < date '" ~ since ~ "'", column ~ " before " ~ since ~ " (plausible_since)"]) -%}
    {%- do checks.append([column ~ " >= " ~ run_date() ~ " + interval 1 day + interval " ~ hours ~ " hour",
                          column ~ " after the run's end + " ~ hours ~ "h (plausible_future_hours)"]) -%}
  {%- endfor -%}
  {{ return(checks) }}
{%- endmacro %}

{#- Why a landed event cannot count: no id or person, or a ts outside the plausible bounds. -#}
{% macro tracking_event_checks() %}
  {{ return([["event_id is null", "null event_id"], ["openid is null", "null openid"]]
            + plausible_time_checks(['ts'])) }}
{%- endmacro %}
