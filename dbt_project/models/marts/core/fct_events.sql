-- One row per mini-program event with a customer: the customer of its openid, else of the unionid
-- the event carries. An event whose user is not known yet (the mini-program user row lands on a later
-- day than the event) waits in events_awaiting_identity and joins this table on the run its identity
-- lands: both are rebuilt from every landed event on each run. Test accounts' events are left out
-- (int_customer_test_accounts).
select
    e.event_id,
    e.customer_id,
    e.mp_openid,
    e.event_name,
    e.event_at,
    e.event_date,
    e.page,
    e.item_id,
    e.scene,
    e.share_id,
    e.share_target,
    e.sharer_openid,
    e.search_keyword,
    e.props,
    e.arrival_date,
    e.arrival_date > e.event_date as arrived_late
from {{ ref('int_events_attributed') }} e
where e.customer_id is not null and {{ not_test_customer('e.customer_id') }}
