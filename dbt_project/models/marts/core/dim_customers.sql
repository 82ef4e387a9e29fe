-- One row per customer: how many identifiers of each type resolve to them, when first seen, which
-- channels they are on, and what they bought. Money: gross_paid is before refunds (every order that
-- was paid, refunded ones too); net_paid (= total_paid) deducts the refunds.
-- is_test: a test account's customer (int_customer_test_accounts): kept here, flagged, and left out of
-- every fact, segment, operations mart, export and the tag sync. Their orders are not in fct_orders,
-- so their money columns are 0.
with identifiers as (
    select
        customer_id,
        count(*) as identifiers_count,
        count(*) filter (where identifier_type = 'unionid') as unionid_count,
        count(*) filter (where identifier_type = 'external_userid') as external_userid_count,
        count(*) filter (where identifier_type = 'mp_openid') as mp_openid_count,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from {{ ref('customer_identifiers') }}
    group by customer_id
),

orders as (
    select
        customer_id,
        count(*) as orders_count,
        count(*) filter (where is_paid) as paid_orders_count,
        coalesce(sum(amount) filter (where is_paid or (paid_at is not null and status = 'refunded')), 0)
            as gross_paid,
        coalesce(sum(net_amount) filter (where is_paid), 0) as net_paid,
        min(paid_at) filter (where is_paid) as first_paid_at,
        max(paid_at) filter (where is_paid) as last_paid_at
    from {{ ref('fct_orders') }}
    group by customer_id
)

select
    i.customer_id,
    i.identifiers_count,
    i.unionid_count,
    i.external_userid_count,
    i.mp_openid_count,
    i.first_seen_at,
    i.last_seen_at,
    i.external_userid_count > 0 as has_wecom,
    i.mp_openid_count > 0 as has_mini_program,
    coalesce(o.orders_count, 0) as orders_count,
    coalesce(o.paid_orders_count, 0) as paid_orders_count,
    cast(coalesce(o.net_paid, 0) as decimal(18, 2)) as total_paid,
    cast(coalesce(o.gross_paid, 0) as decimal(18, 2)) as gross_paid,
    cast(coalesce(o.gross_paid, 0) - coalesce(o.net_paid, 0) as decimal(18, 2)) as refunded_amount,
    cast(coalesce(o.net_paid, 0) as decimal(18, 2)) as net_paid,
    o.first_paid_at,
    o.last_paid_at,
    a.first_channel,
    a.first_scene,
    a.gender,
    a.province,
    a.city,
    a.city_tier,
    a.was_invited,
    t.customer_id is not null as is_test,
    {{ china_day('i.first_seen_at') }} as first_seen_date,
    {{ china_day('i.last_seen_at') }} as last_seen_date,
    {{ china_day('o.first_paid_at') }} as first_paid_date,
    {{ china_day('o.last_paid_at') }} as last_paid_date
from identifiers i
left join orders o using (customer_id)
left join {{ ref('int_customer_attributes') }} a using (customer_id)
left join {{ ref('int_customer_test_accounts') }} t using (customer_id)
