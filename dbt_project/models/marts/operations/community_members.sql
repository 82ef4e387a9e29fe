-- [group × member] Customer groups and their external members. Group tier: small (≤ var
-- community_small_size members), quality (≥ var community_quality_buyer_share of members bought),
-- else volume. Member engagement from their events and orders: high = var community_engaged_orders (2)
-- paid orders and an event in var features_window_days (30); a suggested move: such a repeat buyer in a
-- volume group moves up to a quality group, a silent member of a quality group moves down.
with members as (
    select m.chat_id, m.external_userid, m.joined_at, m.join_scene, m.invitor_userid, ci.customer_id
    from {{ ref('stg_wecom__group_members') }} m
    left join {{ real_customer_identifiers() }} ci
        on ci.identifier_type = 'external_userid' and ci.identifier = m.external_userid
    where m.member_type = 'external'
),
engagement as (
    select c.customer_id, c.paid_orders_count, coalesce(f.events_30d, 0) as events_30d
    from {{ real_customers() }} c join {{ ref('customer_features') }} f using (customer_id)
),
groups as (
    select m.chat_id, count(*) as members,
        avg(case when e.paid_orders_count >= 1 then 1.0 else 0.0 end) as buyer_share
    from members m left join engagement e using (customer_id)
    group by 1
)
select
    m.chat_id,
    g.chat_name,
    m.external_userid,
    m.customer_id,
    m.joined_at,
    {{ china_day('m.joined_at') }} as joined_date,
    m.join_scene,
    m.invitor_userid,
    gr.members as group_members,
    case
        when gr.members <= {{ var('community_small_size') }} then 'small'
        when gr.buyer_share >= {{ var('community_quality_buyer_share') }} then 'quality'
        else 'volume'
    end as group_tier,
    case
        when coalesce(e.paid_orders_count, 0) >= {{ var('community_engaged_orders') }} and coalesce(e.events_30d, 0) > 0 then 'high'
        when coalesce(e.paid_orders_count, 0) >= 1 or coalesce(e.events_30d, 0) > 0 then 'medium'
        else 'low'
    end as engagement,
    case
        when gr.members > {{ var('community_small_size') }} and gr.buyer_share < {{ var('community_quality_buyer_share') }}
            and coalesce(e.paid_orders_count, 0) >= {{ var('community_engaged_orders') }} then 'move up'
        when gr.buyer_share >= {{ var('community_quality_buyer_share') }} and coalesce(e.paid_orders_count, 0) = 0
            and coalesce(e.events_30d, 0) = 0 then 'move down'
        else 'stay'
    end as suggested_move
from members m
join groups gr using (chat_id)
left join {{ ref('stg_wecom__group_chats') }} g using (chat_id)
left join engagement e using (customer_id)
