-- [event] Events that landed before their user's identity did: neither their openid nor their
-- unionid resolves to a customer yet. They are kept, not dropped, and move to fct_events on the run
-- whose lake holds their user (usually the next day's app-DB extraction).
-- Only the events with an id the graph does not hold are staged (macros/tracking_events.sql): the
-- others resolve, and parsing all history for the few that wait would cost the whole lake.
-- depends_on: {{ ref('int_events_attributed') }}
{%- set graph = ref('int_identity__graph') %}
with unresolved as (
    select event_id from {{ source('tracking', 'events') }}
    where cast(dt as date) <= {{ run_date() }}
        and openid not in (select identifier from {{ graph }} where identifier_type = 'mp_openid')
        and (unionid is null
             or unionid not in (select identifier from {{ graph }} where identifier_type = 'unionid'))
),

staged as (
    {{ staged_tracking_events('event_id in (select event_id from unresolved)') | indent(4) }}
),

attributed as (
    {{ attributed_events('staged') | indent(4) }}
)

select
    event_id,
    mp_openid,
    event_name,
    event_at,
    event_date,
    landed_date,
    'identity not landed yet: openid unknown to customer_identifiers' as reason,
    {{ days_between('landed_date', run_date()) }} as days_waiting
from attributed
where customer_id is null
