-- Group membership as of run_date (latest snapshot), with the first snapshot each member was seen
-- in: a member who left has no row in the latest snapshot.
with snapshots as (
    select *, cast(dt as date) as snapshot_date
    from {{ source('wecom', 'group_members') }}
    where cast(dt as date) <= {{ run_date() }}
      and chat_id is not null and userid is not null
),

latest as (
    select * from snapshots where snapshot_date = (select max(snapshot_date) from snapshots)
),

first_seen as (
    select chat_id, userid, min(snapshot_date) as first_snapshot_date
    from snapshots
    group by all
)

select
    l.chat_id,
    l.userid as member_userid,
    case l.type when 1 then 'staff' when 2 then 'external' else 'unknown' end as member_type,
    case when l.type = 2 then l.userid end as external_userid,
    l.unionid,
    l.join_time as joined_at,
    l.join_scene,
    l.invitor_userid,
    l.group_nickname,
    f.first_snapshot_date,
    l.snapshot_date
from latest l
join first_seen f using (chat_id, userid)
qualify row_number() over (partition by l.chat_id, l.userid order by l.join_time) = 1
