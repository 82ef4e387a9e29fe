-- [customer] Co-creators (共创, makers / 创客): customers who sell for the brand (orders placed through
-- their share link or code, with a commission: stg_appdb__commissions) or who recruited at least var
-- co_creator_min_referrals customers (referrals) and bought themselves. What they sold (net of
-- refunds), to how many buyers, the commission settled and pending, whom they recruited and how many
-- of those became makers too (创客裂变创客). rank 1 = the biggest seller (net sales), then recruiter.
with sales as (
    select ci.customer_id,
        count(*) filter (where c.status <> 'cancelled') as orders_sold,
        count(distinct o.customer_id) filter (where c.status <> 'cancelled') as buyers_reached,
        coalesce(sum(o.net_amount) filter (where o.is_paid and c.status <> 'cancelled'), 0) as sales_net,
        coalesce(sum(c.amount) filter (where c.status = 'settled'), 0) as commission_settled,
        coalesce(sum(c.amount) filter (where c.status = 'pending'), 0) as commission_pending,
        min(c.created_at) as first_sale_at
    from {{ ref('stg_appdb__commissions') }} c
    join {{ real_customer_identifiers() }} ci
        on ci.identifier_type = 'mp_openid' and ci.identifier = c.promoter_openid
    left join {{ ref('fct_orders') }} o using (order_id)
    where cast(c.created_at as date) <= {{ run_date() }}
    group by 1
),

recruited as (select inviter_id as customer_id, count(*) as referred_customers from {{ ref('referrals') }} group by 1),

makers as (
    select c.customer_id
    from {{ real_customers() }} c
    left join sales s using (customer_id)
    left join recruited r using (customer_id)
    where coalesce(s.orders_sold, 0) >= 1
       or (coalesce(r.referred_customers, 0) >= {{ var('co_creator_min_referrals') }} and c.paid_orders_count >= 1)
),

recruited_makers as (
    select r.inviter_id as customer_id, count(*) as makers_recruited
    from {{ ref('referrals') }} r join makers m on m.customer_id = r.invitee_id
    group by 1
)

select
    m.customer_id,
    coalesce(s.orders_sold, 0) >= 1 as sells,
    coalesce(s.orders_sold, 0) as orders_sold,
    coalesce(s.buyers_reached, 0) as buyers_reached,
    cast(coalesce(s.sales_net, 0) as decimal(18, 2)) as sales_net,
    cast(coalesce(s.commission_settled, 0) as decimal(18, 2)) as commission_settled,
    cast(coalesce(s.commission_pending, 0) as decimal(18, 2)) as commission_pending,
    coalesce(r.referred_customers, 0) as referred_customers,
    coalesce(x.makers_recruited, 0) as makers_recruited,
    c.net_paid as own_net_spend,
    s.first_sale_at,
    {{ china_day('s.first_sale_at') }} as first_sale_date,
    {{ ranking('row_number()', 'order by coalesce(s.sales_net, 0) desc, coalesce(r.referred_customers, 0) desc,
        m.customer_id') }} as rank
from makers m
join {{ real_customers() }} c using (customer_id)
left join sales s using (customer_id)
left join recruited r using (customer_id)
left join recruited_makers x using (customer_id)
