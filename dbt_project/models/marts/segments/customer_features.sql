-- [customer] One row of features per customer: what tag conditions (seed tag_definitions) are written over.
-- Windows are vars (features_recent_days 7, features_window_days 30, features_share_days 90); the
-- column names say the defaults. Money is net of refunds.
with events as (
    select customer_id,
        count(*) filter (where event_date > {{ run_date() }} - {{ var('features_recent_days') }}) as events_7d,
        count(*) filter (where event_date > {{ run_date() }} - {{ var('features_window_days') }}) as events_30d,
        count(*) filter (where event_name = 'product_view' and event_date > {{ run_date() }} - {{ var('features_window_days') }}) as product_views_30d,
        count(*) filter (where event_name = 'add_to_cart' and event_date > {{ run_date() }} - {{ var('features_window_days') }}) as add_to_carts_30d,
        count(*) filter (where event_name = 'share' and event_date > {{ run_date() }} - {{ var('features_share_days') }}) as shares_90d,
        count(*) filter (where event_name = 'search' and event_date > {{ run_date() }} - {{ var('features_window_days') }}) as searches_30d
    from {{ ref('fct_events') }} where event_date <= {{ run_date() }} group by 1
),
orders as (
    select o.customer_id,
        count(*) filter (where cast(o.created_at as date) > {{ run_date() }} - {{ var('features_window_days') }}) as orders_30d,
        {{ decimal_avg_where('o.net_amount', 'o.is_paid') }} as avg_order_value,  -- net of refunds (客单价)
        -- mode() keeps the first value it meets among ties: ordered, ties go to the latest purchase
        {{ ordered_mode('o.pay_method', 'o.paid_at desc, o.pay_method', 'o.is_paid') }} as preferred_pay_method
    from {{ ref('fct_orders') }} o group by 1
),
categories as (
    select o.customer_id, {{ ordered_mode('i.category', 'o.paid_at desc, i.category') }} as favourite_category
    from {{ ref('fct_orders') }} o join {{ ref('stg_appdb__order_items') }} i using (order_id)
    where o.is_paid group by 1
),
refunds as (
    select o.customer_id, count(*) as refunds_count
    from {{ ref('stg_appdb__refunds') }} r join {{ ref('fct_orders') }} o using (order_id) group by 1
),
groups as (
    select ci.customer_id, count(distinct g.chat_id) as groups
    from {{ ref('stg_wecom__group_members') }} g
    join {{ real_customer_identifiers() }} ci
        on ci.identifier_type = 'external_userid' and ci.identifier = g.external_userid
    group by 1
)

select
    c.customer_id,
    c.has_wecom,
    c.has_mini_program,
    c.paid_orders_count,
    c.total_paid,
    c.first_channel,
    c.first_scene,
    c.gender,
    c.city,
    c.city_tier,
    c.was_invited,
    coalesce(e.events_7d, 0) as events_7d,
    coalesce(e.events_30d, 0) as events_30d,
    coalesce(e.product_views_30d, 0) as product_views_30d,
    coalesce(e.add_to_carts_30d, 0) as add_to_carts_30d,
    coalesce(e.shares_90d, 0) as shares_90d,
    coalesce(e.searches_30d, 0) as searches_30d,
    coalesce(o.orders_30d, 0) as orders_30d,
    o.avg_order_value,
    o.preferred_pay_method,
    cat.favourite_category,
    coalesce(r.refunds_count, 0) as refunds_count,
    coalesce(gr.groups, 0) as groups,
    rfm.rfm_class_cn,
    rfm.segment as rfm_segment,
    coalesce(rfm.frequency, 0) as frequency_365d,
    l.lifecycle_stage,
    a.aipl_stage,
    pr.p_alive,
    pr.clv_12m
from {{ real_customers() }} c
left join events e using (customer_id)
left join orders o using (customer_id)
left join categories cat using (customer_id)
left join refunds r using (customer_id)
left join groups gr using (customer_id)
left join {{ ref('customer_rfm') }} rfm using (customer_id)
left join {{ ref('customer_lifecycle') }} l using (customer_id)
left join {{ ref('customer_aipl') }} a using (customer_id)
left join {{ ref('customer_predictions') }} pr using (customer_id)
