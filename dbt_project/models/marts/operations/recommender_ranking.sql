-- [month × customer] The recommender of the month (推荐之星): the customers they brought that month,
-- those customers' net spend (all time up to run_date, refunds deducted), and their own shares.
-- rank 1 = most referred customers in the month, then most referred spend, then most shares.
-- Counts people: an invitee who orders many times is one referred customer.
with referred as (
    select date_trunc('month', r.referred_at) as month, r.inviter_id as customer_id,
        count(*) as referred_customers,  -- referrals has one row per invitee
        coalesce(sum(c.net_paid), 0) as referred_spend
    from {{ ref('referrals') }} r
    left join {{ real_customers() }} c on c.customer_id = r.invitee_id
    group by all
),

shares as (
    select date_trunc('month', event_at) as month, customer_id, count(*) as shares
    from {{ ref('fct_events') }} where event_name = 'share' group by all
)

select
    cast(coalesce(r.month, s.month) as date) as month,
    coalesce(r.customer_id, s.customer_id) as customer_id,
    coalesce(r.referred_customers, 0) as referred_customers,
    cast(coalesce(r.referred_spend, 0) as decimal(18, 2)) as referred_spend,
    coalesce(s.shares, 0) as shares,
    {{ ranking('row_number()', 'partition by coalesce(r.month, s.month)
        order by coalesce(r.referred_customers, 0) desc, coalesce(r.referred_spend, 0) desc,
                 coalesce(s.shares, 0) desc, coalesce(r.customer_id, s.customer_id)') }} as rank
from referred r
full join shares s using (month, customer_id)
