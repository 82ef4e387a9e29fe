{#- Row-level checks of a staging model, in one place: `quarantine_reason(checks)` gives the first
    failed check's reason (or null), so the staging model keeps rows where it is null and its
    *_quarantine companion keeps the others, with the reason. checks: list of [sql condition of a
    BAD row, reason]. -#}
{% macro quarantine_reason(checks) %}
  case
  {%- for condition, reason in checks %}
    when {{ condition }} then '{{ reason }}'
  {%- endfor %}
  end
{%- endmacro %}
