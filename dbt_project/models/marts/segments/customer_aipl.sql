-- [customer] AIPL stage on run_date. Loyalty: ≥ var aipl_loyalty_orders (2) paid orders in var
-- aipl_purchase_days (365), or referred a customer who bought; Purchase: a paid order in that window;
-- Interest: an interaction (event or order) in the last var aipl_interest_days (30) and no paid order
-- in the window; Awareness: known, nothing recent.
with paid as (
    select customer_id, count(*) as paid_365
    from {{ ref('fct_orders') }}
    where is_paid and cast(paid_at as date) > {{ run_date() }} - {{ var('aipl_purchase_days') }} and cast(paid_at as date) <= {{ run_date() }}
    group by 1
),

recent as (
    select distinct customer_id from {{ ref('fct_events') }}
    where event_date > {{ run_date() }} - {{ var('aipl_interest_days') }} and event_date <= {{ run_date() }}
    union
    select distinct customer_id from {{ ref('fct_orders') }}
    where cast(created_at as date) > {{ run_date() }} - {{ var('aipl_interest_days') }}
      and cast(created_at as date) <= {{ run_date() }}
),

referrers as (
    -- inviters (mini-program inviter_openid) of a customer with a paid order
    select distinct inviter.customer_id
    from {{ ref('stg_appdb__mp_users') }} u
    join {{ ref('customer_identifiers') }} invitee
        on invitee.identifier_type = 'mp_openid' and invitee.identifier = u.mp_openid
    join {{ ref('customer_identifiers') }} inviter
        on inviter.identifier_type = 'mp_openid' and inviter.identifier = u.inviter_openid
    join paid on paid.customer_id = invitee.customer_id
    where inviter.customer_id <> invitee.customer_id
)

select
    c.customer_id,
    case
        when coalesce(p.paid_365, 0) >= {{ var('aipl_loyalty_orders') }} or r.customer_id is not null then 'Loyalty'
        when p.paid_365 >= 1 then 'Purchase'
        when i.customer_id is not null then 'Interest'
        else 'Awareness'
    end as aipl_stage,
    coalesce(p.paid_365, 0) as paid_orders_365d,
    i.customer_id is not null as interacted_recently,
    r.customer_id is not null as referred_a_buyer,
    {{ run_date() }} as as_of_date
from {{ ref('dim_customers') }} c
left join paid p using (customer_id)
left join recent i using (customer_id)
left join referrers r using (customer_id)
