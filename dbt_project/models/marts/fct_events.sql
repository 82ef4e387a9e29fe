-- One row per mini-program event, attributed to the customer of its openid.
select
    e.event_id,
    ci.customer_id,
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
from {{ ref('stg_tracking__events') }} e
left join {{ ref('customer_identifiers') }} ci
    on ci.identifier_type = 'mp_openid' and ci.identifier = e.mp_openid
