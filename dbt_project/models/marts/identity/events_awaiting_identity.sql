-- [event] Events that landed before their user's identity did: neither their openid nor their
-- unionid resolves to a customer yet. They are kept, not dropped, and move to fct_events on the run
-- whose lake holds their user (usually the next day's app-DB extraction).
select
    event_id,
    mp_openid,
    event_name,
    event_at,
    event_date,
    landed_date,
    'identity not landed yet: openid unknown to customer_identifiers' as reason,
    {{ days_between('landed_date', run_date()) }} as days_waiting
from {{ ref('int_events_attributed') }}
where customer_id is null
