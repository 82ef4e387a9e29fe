{{ incremental_state_config('override_key', version='identity overrides v1') }}
-- Operators' decisions on the identity graph, as rows: the seed identity_overrides (version-kept
-- decisions; the demo's) and, when var identity_overrides_inbox names one, the production inbox
-- (CSV or Parquet files a review tool or an operator drops there).
--   link      two identifiers are one person (a manual merge), whatever the evidence says;
--   separate  two identifiers never share a customer, even when evidence joins them (an unmerge);
--   junk      an identifier is cut from the graph, like a hub the junk guard cuts.
-- Each row says who decided (decided_by), why (reason) and when (decided_at); a decision counts
-- from the run of its own day (China time) on, so a backfill of an earlier date does not see it.
-- The latest decision on a pair (link or separate) or on an identifier (junk) holds.
-- A row that cannot be applied keeps rejected_reason and changes nothing.
--
-- Kept incrementally (macros/incremental_state.sql), though it is small: the graph recomputes the
-- customers of the identifiers whose decisions were written since its last build. A decision that
-- leaves the input (deleted from the seed or the inbox) is kept with revoked_on, which the graph
-- reads as "no longer in effect".
{%- set rebuild = incremental_watermark() is none %}
{%- set types = var('identifier_type_order') %}
{%- set inbox = var('identity_overrides_inbox', none) %}

with decisions as (
    select action, left_type, left_identifier, right_type, right_identifier, decided_by, reason,
           cast(decided_at as {{ sql_string_type() }}) as decided_at
    from {{ ref('identity_overrides') }}
    {%- if inbox %}
    union all
    select action, left_type, left_identifier, right_type, right_identifier, decided_by, reason,
           cast(decided_at as {{ sql_string_type() }}) as decided_at
    from {{ identity_overrides_inbox_files(inbox) }}
    {%- endif %}
),

cleaned as (
    select
        lower(trim(action)) as action,
        nullif(trim(left_type), '') as left_type,
        nullif(trim(left_identifier), '') as left_identifier,
        nullif(trim(right_type), '') as right_type,
        nullif(trim(right_identifier), '') as right_identifier,
        nullif(trim(decided_by), '') as decided_by,
        nullif(trim(reason), '') as reason,
        try_cast(decided_at as {{ sql_timestamptz_type() }}) as decided_at
    from decisions
),

checked as (
    select *,
        case
            when action not in ('link', 'separate', 'junk') or action is null
                then 'action must be link, separate or junk'
            when left_identifier is null or left_type not in {{ sql_list(types) }}
                then 'left identifier missing, or its type not one of identifier_type_order'
            when action = 'junk' and right_identifier is not null
                then 'junk names one identifier'
            when action <> 'junk' and (right_identifier is null or right_type not in {{ sql_list(types) }})
                then action || ' needs a right identifier of a known type'
            when action <> 'junk' and left_type = right_type and left_identifier = right_identifier
                then 'the same identifier on both sides'
            when decided_by is null or reason is null then 'who decided and why are required'
            when decided_at is null then 'decided_at missing or not a timestamp'
        end as rejected_reason
    from cleaned
),

normalised as (
    -- a pair in one order, so that (a, b) and (b, a) are one decision
    select
        action,
        case when swap then right_type else left_type end as left_type,
        case when swap then right_identifier else left_identifier end as left_identifier,
        case when swap then left_type else right_type end as right_type,
        case when swap then left_identifier else right_identifier end as right_identifier,
        decided_by, reason, decided_at, rejected_reason
    from (
        select *, right_identifier is not null
                  and (right_type || ':' || right_identifier) < (left_type || ':' || left_identifier) as swap
        from checked
    )
),

in_effect as (
    select
        case
            when rejected_reason is not null then 'rejected:' || md5(concat_ws('|', action, left_type,
                 left_identifier, right_type, right_identifier, decided_by, reason, {{ instant_text('decided_at') }}, rejected_reason))
            when action = 'junk' then 'junk:' || left_type || ':' || left_identifier
            else 'pair:' || left_type || ':' || left_identifier || '|' || right_type || ':' || right_identifier
        end as override_key,
        *
    from normalised
    where rejected_reason is not null or cast(decided_at as date) <= {{ run_date() }}  -- China day
),

current_decisions as (
    -- the latest decision on each pair or identifier holds
    select * from in_effect
    qualify row_number() over (
        partition by override_key
        order by decided_at desc, action, decided_by, reason) = 1
)

{%- set columns = ['override_key', 'action', 'left_type', 'left_identifier', 'right_type', 'right_identifier',
                   'decided_by', 'reason', 'decided_at', 'rejected_reason'] %}
select {{ columns | join(', ') }}, cast(null as date) as revoked_on, {{ run_date() }} as written_on
from current_decisions c
{%- if not rebuild %}
where not exists (
    -- unchanged since the last build: not rewritten
    select 1 from {{ this }} s
    where s.override_key = c.override_key and s.revoked_on is null
        {%- for col in columns[1:] %} and s.{{ col }} is not distinct from c.{{ col }}{% endfor %})
union all
-- decisions no longer in the input
select {{ columns | join(', ') }}, {{ run_date() }} as revoked_on, {{ run_date() }} as written_on
from {{ this }} s
where s.revoked_on is null
    and not exists (select 1 from current_decisions c where c.override_key = s.override_key)
{%- endif %}
