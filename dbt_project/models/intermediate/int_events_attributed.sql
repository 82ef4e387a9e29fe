{{ config(schema='intermediate', materialized='view') }}
-- [event] Every landed event with the customer it resolves to now (null while its identity has not
-- landed): through the openid, else the unionid the event carries. fct_events keeps those with a
-- customer, events_awaiting_identity the others.
select
    e.*,
    coalesce(by_openid.customer_id, by_unionid.customer_id) as customer_id
from {{ ref('stg_tracking__events') }} e
left join {{ ref('int_identity__graph') }} by_openid
    on by_openid.identifier_type = 'mp_openid' and by_openid.identifier = e.mp_openid
left join {{ ref('int_identity__graph') }} by_unionid
    on by_unionid.identifier_type = 'unionid' and by_unionid.identifier = e.unionid
