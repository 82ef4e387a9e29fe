{{ config(schema='intermediate') }}
-- [customer] Who the customer is and where they came from: first channel (the live QR code's state,
-- else how they were added, else their mini-program entry scene), gender, region. dim_customers
-- carries these; kept apart so the marts that dim_customers feeds can use them too.
with contacts as (
    -- over the relation history: a customer deleted since still came in through their first relation
    select ci.customer_id, {{ value_at_min('r.contact_way_state', 'r.added_at') }} as first_state,
        {{ value_at_min('r.add_way', 'r.added_at') }} as first_add_way, min(r.added_at) as first_added
    from {{ ref('int_wecom__relation_spells') }} r
    join {{ ref('int_identity__graph') }} ci
        on ci.identifier_type = 'external_userid' and ci.identifier = r.external_userid
    group by 1
),
scenes as (
    -- the mini-program entry scene of the customer's earliest user (WeChat scene values)
    select ci.customer_id, {{ value_at_min('u.first_scene', 'u.created_at') }} as first_scene
    from {{ ref('stg_appdb__mp_users') }} u
    join {{ ref('int_identity__graph') }} ci on ci.identifier_type = 'mp_openid' and ci.identifier = u.mp_openid
    group by 1
),
genders as (
    select ci.customer_id, max(e.gender) as gender
    from {{ ref('stg_wecom__external_contacts') }} e
    join {{ ref('int_identity__graph') }} ci
        on ci.identifier_type = 'external_userid' and ci.identifier = e.external_userid
    group by 1
),
invited as (
    select distinct ci.customer_id
    from {{ ref('stg_appdb__mp_users') }} u
    join {{ ref('int_identity__graph') }} ci on ci.identifier_type = 'mp_openid' and ci.identifier = u.mp_openid
    where u.inviter_openid is not null
),
regions as (
    -- ordered: a tie goes to the latest order's region, the same on every run
    select customer_id, {{ ordered_mode('province', 'created_at desc, order_id') }} as province,
        {{ ordered_mode('city', 'created_at desc, order_id') }} as city
    from {{ ref('fct_orders') }} where customer_id is not null group by 1
),
customers as (select distinct customer_id from {{ ref('int_identity__graph') }})

select
    c.customer_id,
    coalesce(
        k.first_state,
        case when i.customer_id is not null then 'mp_share' end,
        case k.first_add_way when 2 then 'wecom_phone_search' when 3 then 'wecom_card_share'
            when 4 then 'wecom_group' when 6 then 'wecom_wechat_contacts' when 202 then 'wecom_inherited' end,
        case when sc.first_scene in (1001, 1005, 1006) then 'mp_search'
            when sc.first_scene in (1007, 1008, 1036) then 'mp_share'
            when sc.first_scene in (1011, 1012, 1013, 1047, 1048, 1049) then 'mp_qr_code'
            when sc.first_scene in (1037, 1045, 1046) then 'mp_ad'
            when sc.first_scene is not null then 'mp_other' end,
        'unknown'
    ) as first_channel,
    sc.first_scene,
    i.customer_id is not null as was_invited,
    cast(coalesce(g.gender, 0) as integer) as gender,
    r.province,
    r.city,
    case
        when r.city in {{ sql_list(var('tier1_cities')) }} then 1
        when r.city in {{ sql_list(var('new_tier1_cities')) }} then 2
        when r.city is not null then 3
    end as city_tier
from customers c
left join contacts k using (customer_id)
left join scenes sc using (customer_id)
left join genders g using (customer_id)
left join invited i using (customer_id)
left join regions r using (customer_id)
