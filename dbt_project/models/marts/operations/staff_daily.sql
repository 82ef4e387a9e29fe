-- [staff × day] Each staff member's day: contacts held at the end of the day, new adds, contacts
-- inherited from a departed colleague (add_way 202), relations lost, the behaviour stats of
-- get_user_behavior_data, reply rate and capacity used of WeCom's 5,000-contact limit (var).
-- Contacts and losses come from the relation history over all snapshots: a relation counts from its
-- added day until the first snapshot without it, which is also the day it is counted as lost, unless
-- the customer awaits transfer from this (resigned) staff member (get_unassigned_list): awaiting_transfer.
-- Test accounts' contacts (int_customer_test_accounts) are left out, like in every operations mart.
with relations as (
    select * from {{ ref('int_wecom__relation_spells') }}
    where external_userid not in {{ test_identifiers('external_userid') }}
),

awaiting as (select staff_userid, external_userid from {{ ref('stg_wecom__unassigned_contacts') }}),

changes as (
    select staff_userid, added_on as day, count(*) as new_adds,
        count(*) filter (where add_way = 202) as inherited, 0 as lost, 0 as awaiting_transfer
    from relations group by all
    union all
    select r.staff_userid, r.removed_on, 0, 0,
        count(*) filter (where a.external_userid is null),
        count(*) filter (where a.external_userid is not null)
    from relations r
    left join awaiting a on a.staff_userid = r.staff_userid and a.external_userid = r.external_userid
    where r.removed_on is not null group by all
),

daily_changes as (
    select staff_userid, day, sum(new_adds) as new_adds, sum(inherited) as inherited, sum(lost) as lost,
        sum(awaiting_transfer) as awaiting_transfer
    from changes group by all
),

behaviour as (select * from {{ ref('stg_wecom__user_behavior') }} where stat_date <= {{ run_date() }}),

-- The days reported: every day with a change (an add or a loss), with behaviour stats, and run_date.
all_days as (
    select staff_userid, day from daily_changes
    union
    select staff_userid, stat_date from behaviour
    union
    select distinct staff_userid, {{ run_date() }} from relations
),

running as (
    select
        d.staff_userid,
        d.day,
        coalesce(c.new_adds, 0) as new_adds,
        coalesce(c.inherited, 0) as inherited,
        coalesce(c.lost, 0) as lost,
        coalesce(c.awaiting_transfer, 0) as awaiting_transfer,
        sum(coalesce(c.new_adds, 0) - coalesce(c.lost, 0)
            - coalesce(c.awaiting_transfer, 0)) over (partition by d.staff_userid order by d.day) as contacts
    from all_days d
    left join daily_changes c using (staff_userid, day)
)

select
    r.staff_userid,
    r.day,
    cast(r.contacts as bigint) as contacts,
    cast(r.new_adds as bigint) as new_adds,
    cast(r.inherited as bigint) as inherited,
    cast(r.lost as bigint) as lost,
    cast(r.awaiting_transfer as bigint) as awaiting_transfer,
    b.chat_cnt,
    b.message_cnt,
    b.reply_percentage / 100.0 as reply_rate,
    b.avg_reply_time as avg_reply_minutes,
    b.negative_feedback_cnt,
    b.new_apply_cnt,
    b.new_contact_cnt,
    round(r.contacts / {{ var('staff_contact_capacity') }}, 4) as capacity_used
from running r
left join behaviour b on b.staff_userid = r.staff_userid and b.stat_date = r.day
where r.day <= {{ run_date() }}
