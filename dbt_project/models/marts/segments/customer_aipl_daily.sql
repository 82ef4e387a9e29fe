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

-- The days before the grid's first that a look-back window reaches, as SQL dates.
reach as (
    select
        min(day) - {{ var('aipl_purchase_days') }} as paid_from,
        min(day) - {{ var('aipl_interest_days') }} as touched_from
    from days
),

-- One ordered pass per customer answers both look-backs for every grid day: the grid's days, the
-- days they touched Siyu (an event or an order) and their paid orders, as one timeline whose range
-- windows count the touches in the last aipl_interest_days and the paid orders in the last
-- aipl_purchase_days. (Joining the grid to the touches by range grew with days × touches a customer:
-- 53-82 s at 1M customers.)
timeline as (
    select customer_id, day, true as on_grid, 0 as touches, 0 as paid_orders from grid
    union all
    select customer_id, touch_date, false, 1, 0
    from (
        select customer_id, event_date as touch_date from {{ ref('fct_events') }}
        union
        select customer_id, cast(created_at as date) from {{ ref('fct_orders') }} where customer_id is not null
    ) t
    where touch_date > (select touched_from from reach)
    union all
    select customer_id, cast(paid_at as date), false, 0, 1 from {{ ref('fct_orders') }}
    where is_paid and customer_id is not null and cast(paid_at as date) > (select paid_from from reach)
),

looked_back as (
    select
        customer_id,
        day,
        on_grid,
        cast(sum(touches) over (
            partition by customer_id order by {{ days_between("date '1970-01-01'", 'day') }}
            range between {{ var('aipl_interest_days') - 1 }} preceding and current row
        ) as bigint) as touches,
        cast(sum(paid_orders) over (
            partition by customer_id order by {{ days_between("date '1970-01-01'", 'day') }}
            range between {{ var('aipl_purchase_days') - 1 }} preceding and current row
        ) as bigint) as paid_orders
    from timeline
),

grid_looked_back as (
    select customer_id, day, touches, paid_orders from looked_back where on_grid
),

paid_in_window as (
    select customer_id, day, paid_orders from grid_looked_back where paid_orders > 0
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
        when g.paid_orders >= {{ var('aipl_loyalty_orders') }} or r.customer_id is not null then 'Loyalty'
        when g.paid_orders >= 1 then 'Purchase'
        when g.touches > 0 then 'Interest'
        else 'Awareness'
    end as aipl_stage,
    g.paid_orders as paid_orders_365d,
    g.touches > 0 as interacted_recently,
    r.customer_id is not null as referred_a_buyer
from grid_looked_back g
left join referred_a_buyer r using (customer_id, day)
