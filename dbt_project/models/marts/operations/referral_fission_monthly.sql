-- [month × campaign] Fission (裂变) per month and per campaign (share source: share_friend,
-- share_group, mp_invite; 'all' sums them): inviters who brought someone that month, the customers
-- they brought, the fission coefficient (invitees per inviter), the shares of that source, and the
-- K-factor: invitations per customer × their conversion = invitees / customers known before the month.
with referred as (
    select date_trunc('month', referred_at) as month, campaign, inviter_id, invitee_id
    from {{ ref('referrals') }}
),

shares as (
    select date_trunc('month', event_at) as month, 'share_' || coalesce(share_target, 'unknown') as campaign,
        count(*) as shares
    from {{ ref('fct_events') }} where event_name = 'share' group by all
),

by_campaign as (
    select month, coalesce(campaign, 'all') as campaign, count(distinct inviter_id) as inviters,
        count(*) as invitees
    from referred group by grouping sets ((month, campaign), (month))
),

with_shares as (
    select b.*, case when b.campaign = 'all' then (select sum(shares) from shares s where s.month = b.month)
        else s.shares end as shares
    from by_campaign b left join shares s using (month, campaign)
),

bases as (
    select m.month, count(c.customer_id) as customers_before
    from (select distinct month from by_campaign) m
    left join {{ real_customers() }} c on c.first_seen_at < m.month
    group by 1
)

select
    cast(w.month as date) as month,
    w.campaign,
    w.inviters,
    w.invitees,
    round(w.invitees / w.inviters, 4) as fission_coefficient,
    cast(w.shares as bigint) as shares,
    round(w.invitees / nullif(w.shares, 0), 4) as share_conversion,
    b.customers_before,
    round(w.invitees / nullif(b.customers_before, 0), 4) as k_factor
from with_shares w join bases b using (month)
