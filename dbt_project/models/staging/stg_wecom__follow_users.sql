-- Contact ↔ staff relations as of run_date: the latest full snapshot with dt <= run_date.
with snapshots as (
    select *, cast(dt as date) as snapshot_date
    from {{ source('wecom', 'follow_users') }}
    where cast(dt as date) <= {{ run_date() }}
)

select
    external_userid,
    userid as staff_userid,
    remark,
    description,
    createtime as added_at,
    tags,
    remark_mobile_hashes,
    add_way,
    state as contact_way_state,
    oper_userid,
    snapshot_date
from snapshots
where snapshot_date = (select max(snapshot_date) from snapshots)
  and external_userid is not null
qualify row_number() over (partition by external_userid, userid order by createtime) = 1
