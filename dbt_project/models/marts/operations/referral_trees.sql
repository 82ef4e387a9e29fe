-- [customer] The referral trees (裂变 chains): every customer who referred someone or was referred,
-- with the root of their tree (the first inviter up the chain), their depth (0 at the root), the
-- customers they brought directly, their tree (every descendant down the chain) and its net spend.
-- A loop in the evidence (A brought B, B brought A) is cut where it closes.
with recursive ancestry(descendant_id, ancestor_id, distance, path) as (
    select invitee_id, inviter_id, 1, {{ list_pair('invitee_id', 'inviter_id') }} from {{ ref('referrals') }}
    union all
    select a.descendant_id, r.inviter_id, a.distance + 1, {{ list_appended('a.path', 'r.inviter_id') }}
    from ancestry a join {{ ref('referrals') }} r on r.invitee_id = a.ancestor_id
    where not {{ list_holds('a.path', 'r.inviter_id') }}
),

members as (
    select invitee_id as customer_id from {{ ref('referrals') }}
    union
    select inviter_id from {{ ref('referrals') }}
),

up as (
    select descendant_id as customer_id, max(distance) as depth, {{ value_at_max('ancestor_id', 'distance') }} as root_id
    from ancestry group by 1
),

down as (
    select a.ancestor_id as customer_id, count(*) as tree_size, sum(c.net_paid) as tree_net_spend,
        max(a.distance) as tree_depth
    from ancestry a join {{ real_customers() }} c on c.customer_id = a.descendant_id
    group by 1
),

direct as (select inviter_id as customer_id, count(*) as direct_referrals from {{ ref('referrals') }} group by 1)

select
    m.customer_id,
    coalesce(u.root_id, m.customer_id) as root_id,
    cast(coalesce(u.depth, 0) as integer) as depth,
    coalesce(d.direct_referrals, 0) as direct_referrals,
    coalesce(w.tree_size, 0) as tree_size,
    cast(coalesce(w.tree_depth, 0) as integer) as tree_depth,
    cast(coalesce(w.tree_net_spend, 0) as decimal(18, 2)) as descendants_net_spend,
    cast(coalesce(c.net_paid, 0) as decimal(18, 2)) as own_net_spend
from members m
left join up u using (customer_id)
left join down w using (customer_id)
left join direct d using (customer_id)
left join {{ real_customers() }} c using (customer_id)
