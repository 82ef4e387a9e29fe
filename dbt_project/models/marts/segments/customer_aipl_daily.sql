{{ config(materialized=incremental_materialization(), unique_key=['customer_id', 'day'],
          incremental_strategy='delete+insert', on_schema_change='append_new_columns',
          post_hook=test_customers_out_hooks()) }}
-- [customer × day] AIPL stage of every known customer on each day (the chain as flows, 全链路 AIPL):
-- Loyalty: ≥ var aipl_loyalty_orders (2) paid orders in the var aipl_purchase_days (365) up to that day,
-- or referred (referrals) a customer who paid in that window; Purchase: a paid order in it; Interest:
-- an interaction (event or order) in the last var aipl_interest_days (30); Awareness: known, nothing
-- recent. The first build backfills var aipl_backfill_days; later builds add the days since the last
-- one; a re-run of a date recomputes that date.
with days as ({{ days_to_build(var('aipl_backfill_days')) }}),

grid as (
    select c.customer_id, d.day
    from {{ real_customers() }} c join days d on cast(c.first_seen_at as date) <= d.day
),

paid as (
    select customer_id, cast(paid_at as date) as paid_date from {{ ref('fct_orders') }}
    where is_paid and customer_id is not null
),

paid_in_window as (
    select g.customer_id, g.day, count(*) as paid_orders
    from grid g join paid p
        on p.customer_id = g.customer_id and p.paid_date > g.day - {{ var('aipl_purchase_days') }}
        and p.paid_date <= g.day
    group by all
),

touched as (
    select distinct g.customer_id, g.day
    from grid g join (
        select customer_id, event_date as touch_date from {{ ref('fct_events') }}
        union all
        select customer_id, cast(created_at as date) from {{ ref('fct_orders') }} where customer_id is not null
    ) t on t.customer_id = g.customer_id and t.touch_date > g.day - {{ var('aipl_interest_days') }}
        and t.touch_date <= g.day
),

referred_a_buyer as (
    select distinct r.inviter_id as customer_id, w.day
    from {{ ref('referrals') }} r join paid_in_window w on w.customer_id = r.invitee_id
    where cast(r.referred_at as date) <= w.day
)

select
    g.customer_id,
    g.day,
    case
        when coalesce(p.paid_orders, 0) >= {{ var('aipl_loyalty_orders') }} or r.customer_id is not null
            then 'Loyalty'
        when p.paid_orders >= 1 then 'Purchase'
        when t.customer_id is not null then 'Interest'
        else 'Awareness'
    end as aipl_stage,
    coalesce(p.paid_orders, 0) as paid_orders_365d,
    t.customer_id is not null as interacted_recently,
    r.customer_id is not null as referred_a_buyer
from grid g
left join paid_in_window p using (customer_id, day)
left join touched t using (customer_id, day)
left join referred_a_buyer r using (customer_id, day)
