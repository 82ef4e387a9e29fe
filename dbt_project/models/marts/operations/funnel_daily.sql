-- [acquisition day × channel] The eight private-domain steps for the customers acquired that day, as
-- of run_date: acquired → retained (a WeCom contact var funnel_retained_days [7, 30] days after
-- acquisition, from the relation history) → activated (an event within var funnel_activation_days, 7)
-- → converted (a paid order) → referred (brought at least one new customer) → repurchased (2+ paid
-- orders) → recommended (a share that led to a new customer's first visit) → co-creators (the
-- co_creators mart: sold through their link or recruited var co_creator_min_referrals, 3, and bought).
-- Retention is counted only for cohorts old enough (acquired 7 / 30 or more days before run_date).
-- The column names say the default windows.
with customers as (
    select f.customer_id, cast(c.first_seen_at as date) as acquired_on,
        coalesce(f.first_channel, 'unknown') as channel, c.paid_orders_count
    from {{ real_customers() }} c
    join {{ ref('customer_features') }} f using (customer_id)
    where cast(c.first_seen_at as date) <= {{ run_date() }}
),

relations as (
    select ci.customer_id, r.added_on, r.removed_on
    from {{ ref('int_wecom__relation_spells') }} r
    join {{ real_customer_identifiers() }} ci
        on ci.identifier_type = 'external_userid' and ci.identifier = r.external_userid
),

-- A contact on day x: a relation added on or before x and not yet removed on x.
retained as (
    select c.customer_id,
        bool_or(r.added_on <= c.acquired_on + {{ var('funnel_retained_days')[0] }} and coalesce(r.removed_on, date '9999-12-31') > c.acquired_on + {{ var('funnel_retained_days')[0] }})
            as retained_7d,
        bool_or(r.added_on <= c.acquired_on + {{ var('funnel_retained_days')[1] }} and coalesce(r.removed_on, date '9999-12-31') > c.acquired_on + {{ var('funnel_retained_days')[1] }})
            as retained_30d
    from customers c join relations r using (customer_id)
    group by c.customer_id
),

activated as (
    select distinct e.customer_id
    from {{ ref('fct_events') }} e join customers c using (customer_id)
    where e.event_date between c.acquired_on and c.acquired_on + {{ var('funnel_activation_days') }}
),

referrers as (
    select inviter_id as customer_id, count(*) as referred, count(*) filter (where via = 'share') as via_share
    from {{ ref('referrals') }} group by 1
)

select
    c.acquired_on,
    c.channel,
    count(*) as acquired,
    count(*) filter (where t.retained_7d and c.acquired_on <= {{ run_date() }} - {{ var('funnel_retained_days')[0] }}) as retained_7d,
    count(*) filter (where t.retained_30d and c.acquired_on <= {{ run_date() }} - {{ var('funnel_retained_days')[1] }}) as retained_30d,
    count(a.customer_id) as activated,
    count(*) filter (where c.paid_orders_count >= 1) as converted,
    count(r.customer_id) as referred,
    count(*) filter (where c.paid_orders_count >= 2) as repurchased,
    count(*) filter (where r.via_share >= 1) as recommended,
    count(k.customer_id) as co_creators
from customers c
left join retained t using (customer_id)
left join activated a using (customer_id)
left join referrers r using (customer_id)
left join {{ ref('co_creators') }} k using (customer_id)
group by all
