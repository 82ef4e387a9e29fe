-- Every identifier and the customer it belongs to, with the rules that tie it to the customer.
-- A view: int_identity__graph already holds these rows as a table (millions at scale), and a second
-- copy would double the identity build's heaviest write for nothing. The contract still holds the
-- columns and types; the data tests check what the constraints checked.
-- last_seen_at: evidence WeCom's latest snapshot still holds was seen on that snapshot's day (the
-- graph does not store that date: it would rewrite every contact's row every day).
{{ config(materialized='view') }}
with identifiers as (
    select
        identifier_type,
        identifier,
        customer_id,
        matched_by,
        first_seen_at,
        case when in_latest_snapshot
             then greatest(last_seen_at, cast({{ latest_snapshot('wecom', 'external_contacts') }} as {{ sql_timestamptz_type() }}))
             else last_seen_at end as last_seen_at,
        is_anchor
    from {{ ref('int_identity__graph') }}
)

select
    identifier_type,
    identifier,
    customer_id,
    matched_by,
    first_seen_at,
    last_seen_at,
    is_anchor,
    {{ china_day('first_seen_at') }} as first_seen_date,
    {{ china_day('last_seen_at') }} as last_seen_date
from identifiers
