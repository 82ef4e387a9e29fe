{#- Rank of an identifier type in the customer_id tie-break (var identifier_type_order). A type
    is a plain name (letters, digits, underscores): anything else is refused at compile time,
    since it is written into the SQL as a literal. -#}
{% macro identifier_type_rank(column) %}
  case {{ column }}
  {%- for t in var('identifier_type_order') %}
    {%- if not (t is string and t.isascii() and t.replace('_', '').isalnum()) %}
      {{- exceptions.raise_compiler_error("identifier_type_order: " ~ t ~ " is not a plain name") }}
    {%- endif %}
    when '{{ t }}' then {{ loop.index }}
  {%- endfor %}
    else 99
  end
{%- endmacro %}

{#- The stable customer id of a component, from its anchor identifier (type, value). -#}
{% macro customer_id(type_column, value_column) %}
  'c_' || substr(md5({{ type_column }} || ':' || {{ value_column }}), 1, 16)
{%- endmacro %}

{#- The anchor order of an identifier (the customer_id tie-break): first landed (the first lake
    partition holding it), then first seen, then the type order (var identifier_type_order), then
    the value, so that the anchor never depends on row order. Evidence landing later never
    outranks an identifier the warehouse already knew: a customer keeps its id until it merges
    into an older one. An unknown date sorts last. -#}
{% macro identity_anchor_order(prefix='') %}
  coalesce({{ prefix }}first_landed_on, date '9999-12-31'),
  coalesce({{ prefix }}first_seen_at, {{ sql_instant_last() }}),
  {{ identifier_type_rank(prefix ~ 'identifier_type') }},
  {{ prefix }}identifier
{%- endmacro %}

{#- Operators' decisions in effect (int_identity__overrides: neither rejected nor revoked). -#}
{% macro identity_overrides_in_effect() %}
  (select * from {{ ref('int_identity__overrides') }} where rejected_reason is null and revoked_on is null)
{%- endmacro %}

{#- The identifiers cut from the graph: the junk guard's quarantine and operators' `junk`. -#}
{% macro identity_cut() %}
  (select identifier_type, identifier from {{ ref('int_identity__quarantine') }}
   union
   select left_type, left_identifier from {{ identity_overrides_in_effect() }} where action = 'junk')
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

{#- int_identity__graph's pre-hook: identifiers cut since its last build lose their rows (the
    delete+insert replaces only the rows of identifiers it writes again). -#}
{% macro identity_graph_drop_cut() %}
  {%- if is_incremental() %}
  delete from {{ this }} where (identifier_type, identifier) in (select identifier_type, identifier from {{ identity_cut() }})
  {%- endif %}
{%- endmacro %}
