{{ config(schema='intermediate', materialized='view') }}
-- [event] Every landed event with the customer it resolves to now (null while its identity has not
-- landed): through the openid, else the unionid the event carries. fct_events keeps those with a
-- customer, events_awaiting_identity the others. The SQL is macros/tracking_events.sql
-- (attributed_events): fct_events' daily run attributes only the events it rewrites.
{{ attributed_events(ref('stg_tracking__events')) }}
