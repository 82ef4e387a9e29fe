-- [invitee] Who brought whom: the mini-program inviter (inviter_openid on the invitee's user row), or
-- the sharer whose share led to the invitee's first visit (sharer_openid in their first session). One
-- row per invited customer: the inviter of the earliest evidence; via 'share' when that inviter's
-- share brought the first visit, with the share and its campaign (share_friend / share_group; an
-- invitation without a known share: mp_invite). (A group's invitor is a staff member, not a customer:
-- community_members keeps it.)
with openid_customer as (
    select identifier as mp_openid, customer_id from {{ real_customer_identifiers() }}
    where identifier_type = 'mp_openid'
),

evidence as (
    select invitee.customer_id as invitee_id, inviter.customer_id as inviter_id, 'mp_inviter' as via,
        u.created_at as referred_at, cast(null as {{ sql_string_type() }}) as share_id
    from {{ ref('stg_appdb__mp_users') }} u
    join openid_customer invitee on invitee.mp_openid = u.mp_openid
    join openid_customer inviter on inviter.mp_openid = u.inviter_openid
    union all
    -- a sharer_openid on any event of the invitee's first session (the landing page carries it)
    select e.customer_id, inviter.customer_id, 'share', min(e.event_at), {{ value_at_min('e.share_id', 'e.event_at') }}
    from {{ ref('fct_events') }} e
    join (
        select customer_id, min(started_at) as started_at, {{ value_at_min('ended_at', 'started_at') }} as ended_at
        from {{ ref('fct_sessions') }} group by customer_id
    ) first_visit on first_visit.customer_id = e.customer_id
        and e.event_at between first_visit.started_at and first_visit.ended_at
    join openid_customer inviter on inviter.mp_openid = e.sharer_openid
    group by all
),

chosen as (
    select invitee_id, {{ value_at_min('inviter_id', 'referred_at') }} as inviter_id, min(referred_at) as referred_at
    from evidence
    where invitee_id <> inviter_id
    group by invitee_id
),

-- the inviter's share that brought the first visit, and where it was shared (friend / group)
shared as (
    select e.invitee_id, e.inviter_id, e.share_id, s.share_target
    from evidence e
    left join (
        select share_id, min(share_target) as share_target from {{ ref('fct_events') }}
        where event_name = 'share' and share_id is not null group by 1
    ) s using (share_id)
    where e.via = 'share'
)

select
    c.invitee_id,
    c.inviter_id,
    -- 'share' when the inviter's share brought the first visit (a recommendation), else an invite
    case when s.invitee_id is not null then 'share' else 'mp_inviter' end as via,
    c.referred_at,
    {{ china_day('c.referred_at') }} as referred_date,
    s.share_id,
    -- the campaign (share source) for the fission figures
    case when s.invitee_id is null then 'mp_invite' else 'share_' || coalesce(s.share_target, 'unknown') end
        as campaign
from chosen c
left join shared s on s.invitee_id = c.invitee_id and s.inviter_id = c.inviter_id
