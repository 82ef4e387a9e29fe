-- Group membership as of run_date (latest snapshot): a member who left has no row in it. (The history
-- of external members' unionids is int_wecom__group_member_unionids.)
select
    chat_id,
    userid as member_userid,
    case type when 1 then 'staff' when 2 then 'external' else 'unknown' end as member_type,
    case when type = 2 then userid end as external_userid,
    unionid,
    join_time as joined_at,
    join_scene,
    invitor_userid,
    group_nickname,
    state as join_state,  -- the join-by-QR channel (a contact way's state) that brought the member in
    cast(dt as date) as snapshot_date
from {{ source('wecom', 'group_members') }}
where cast(dt as date) = {{ latest_snapshot('wecom', 'group_members') }}
  and chat_id is not null and userid is not null
  and {{ not_suppressed(['userid', 'unionid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by chat_id, userid order by join_time) = 1
