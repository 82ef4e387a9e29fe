-- [acquisition day × channel] The eight private-domain steps for the customers acquired that day, as
-- of run_date: acquired → retained (still a WeCom contact 7 / 30 days on) → activated (an event within
-- 7 days) → converted (a paid order) → referred (brought a customer) → repurchased (2+ paid orders) →
-- recommended (a referral that came through a share or an invite) → co-creators (3+ referrals and a buyer).
with customers as (
    select f.customer_id, cast(c.first_seen_at as date) as acquired_on,
        coalesce(f.first_channel, 'unknown') as channel, c.has_wecom, c.paid_orders_count
    from {{ ref('dim_customers') }} c
    join {{ ref('int_customer_features') }} f using (customer_id)
    where cast(c.first_seen_at as date) <= {{ run_date() }}
),
still_contacts as (select distinct customer_id from {{ ref('customer_contacts') }}),
activated as (
    select distinct e.customer_id
    from {{ ref('fct_events') }} e join customers c using (customer_id)
    where e.event_date between c.acquired_on and c.acquired_on + 7
),
referrers as (
    select inviter_id as customer_id, count(*) as referred, count(*) filter (where via = 'share') as via_share
    from {{ ref('referrals') }} group by 1
)
select
    c.acquired_on,
    c.channel,
    count(*) as acquired,
    count(*) filter (where s.customer_id is not null and c.acquired_on <= {{ run_date() }} - 7) as retained_7d,
    count(*) filter (where s.customer_id is not null and c.acquired_on <= {{ run_date() }} - 30) as retained_30d,
    count(a.customer_id) as activated,
    count(*) filter (where c.paid_orders_count >= 1) as converted,
    count(r.customer_id) as referred,
    count(*) filter (where c.paid_orders_count >= 2) as repurchased,
    count(*) filter (where r.referred >= 1) as recommended,
    count(*) filter (where r.referred >= 3 and c.paid_orders_count >= 1) as co_creators
from customers c
left join still_contacts s using (customer_id)
left join activated a using (customer_id)
left join referrers r using (customer_id)
group by all
