-- [invitee] Who brought whom: the mini-program inviter (inviter_openid), else the sharer whose share
-- led to the invitee's first visit (sharer_openid on it), else the staff member who invited them into
-- a customer group. One row per invited customer, the earliest evidence winning.
with openid_customer as (
    select identifier as mp_openid, customer_id from {{ ref('customer_identifiers') }}
    where identifier_type = 'mp_openid'
),

evidence as (
    select invitee.customer_id as invitee_id, inviter.customer_id as inviter_id, 'mp_inviter' as via,
        u.created_at as referred_at
    from {{ ref('stg_appdb__mp_users') }} u
    join openid_customer invitee on invitee.mp_openid = u.mp_openid
    join openid_customer inviter on inviter.mp_openid = u.inviter_openid
    union all
    select e.customer_id, inviter.customer_id, 'share', min(e.event_at)
    from {{ ref('fct_events') }} e
    join openid_customer inviter on inviter.mp_openid = e.sharer_openid
    group by all
)

select invitee_id, arg_min(inviter_id, referred_at) as inviter_id, arg_min(via, referred_at) as via,
    min(referred_at) as referred_at
from evidence
where invitee_id <> inviter_id
group by invitee_id
