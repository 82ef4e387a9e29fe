-- [staff × day] Each staff member's day: contacts held, new adds, inherited contacts, behaviour stats
-- from get_user_behavior_data, reply rate and capacity used of WeCom's 5,000-contact limit (var).
-- Contact counts are from the latest snapshot's relations (added_at), so "contacts" is the number
-- held at the end of each day among the relations that still exist; "lost" needs two snapshots and
-- counts relations present in the previous snapshot and gone from the latest.
with relations as (
    select staff_userid, external_userid, cast(added_at as date) as added_on, add_way
    from {{ ref('stg_wecom__follow_users') }}
),

snapshots as (
    select distinct cast(dt as date) as snapshot_date
    from {{ source('wecom', 'follow_users') }} where cast(dt as date) <= {{ run_date() }}
),

lost as (
    -- relations in the previous snapshot that the latest one no longer holds
    select p.userid as staff_userid, (select max(snapshot_date) from snapshots) as day, count(*) as lost
    from {{ source('wecom', 'follow_users') }} p
    where cast(p.dt as date) = (select max(snapshot_date) from snapshots where snapshot_date < (select max(snapshot_date) from snapshots))
      and not exists (select 1 from relations r where r.staff_userid = p.userid and r.external_userid = p.external_userid)
    group by all
),

days as (
    select b.staff_userid, b.stat_date as day from {{ ref('stg_wecom__user_behavior') }} b
    union
    select staff_userid, {{ run_date() }} from relations
)

select
    d.staff_userid,
    d.day,
    (select count(*) from relations r where r.staff_userid = d.staff_userid and r.added_on <= d.day) as contacts,
    (select count(*) from relations r where r.staff_userid = d.staff_userid and r.added_on = d.day) as new_adds,
    (select count(*) from relations r
     where r.staff_userid = d.staff_userid and r.added_on = d.day and r.add_way = 202) as inherited,
    coalesce(l.lost, 0) as lost,
    b.chat_cnt,
    b.message_cnt,
    b.reply_percentage / 100.0 as reply_rate,
    b.avg_reply_time as avg_reply_minutes,
    b.negative_feedback_cnt,
    b.new_apply_cnt,
    b.new_contact_cnt,
    round((select count(*) from relations r where r.staff_userid = d.staff_userid and r.added_on <= d.day)
          / {{ var('staff_contact_capacity') }}, 4) as capacity_used
from days d
left join {{ ref('stg_wecom__user_behavior') }} b on b.staff_userid = d.staff_userid and b.stat_date = d.day
left join lost l on l.staff_userid = d.staff_userid and l.day = d.day
where d.day <= {{ run_date() }}
