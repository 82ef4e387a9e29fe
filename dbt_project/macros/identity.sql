{#- Rank of an identifier type in the customer_id tie-break (var identifier_type_order). -#}
{% macro identifier_type_rank(column) %}
  case {{ column }}
  {%- for t in var('identifier_type_order') %}
    when '{{ t | replace("'", "''") }}' then {{ loop.index }}
  {%- endfor %}
    else 99
  end
{%- endmacro %}

{#- The stable customer id of a component, from its anchor identifier (type, value). -#}
{% macro customer_id(type_column, value_column) %}
  'c_' || substr(md5({{ type_column }} || ':' || {{ value_column }}), 1, 16)
{%- endmacro %}

{#- SQL list literal of a list var: ('a', 'b'); a quote in a value stays in the value. -#}
{% macro sql_list(values) %}
  ({%- for v in values %}'{{ v | replace("'", "''") }}'{{ "," if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- For int_identity__edges: every version (row-level checks as in staging) of an app DB entity's
    rows of the openids in its CTE `openids` (all on a rebuild), with the first run that
    landed the row's `key`: when the warehouse first knew it (identity ranks on it).
    The checks are staging's own (row_quarantine): extraction's quarantine_reason and the plausible
    timestamps too, so a row set aside in staging (a user created in 1970, an order paid in 2099)
    is no evidence either. #}
{%- macro appdb_versions(entity, key, checks, rebuild, columns, openids) %}
    select
        openid as mp_openid,
        {{ columns | join(', ') }},
        created_at,
        updated_at,
        min(cast(dt as date)) over (partition by {{ key }}) as first_extracted_dt
    from {{ source('appdb', entity) }}
    where cast(dt as date) <= {{ run_date() }}
        and {{ row_quarantine(checks, {'orders': ['paid_at', 'created_at', 'updated_at'],
                                       'mp_users': ['created_at', 'updated_at']}[entity], none) }} is null
        {%- if not rebuild %}
        and openid in (select openid from {{ openids }})
        {%- endif %}
{%- endmacro %}
