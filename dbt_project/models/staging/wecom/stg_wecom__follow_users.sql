-- Contact ↔ staff relations as of run_date: the latest full snapshot with dt <= run_date.
with latest as (
    select *, cast(dt as date) as snapshot_date
    from {{ source('wecom', 'follow_users') }}
    where cast(dt as date) = {{ latest_snapshot('wecom', 'follow_users') }}
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
    remark_corp_name,
    wechat_channels_nickname,  -- the WeChat Channels account a contact came from (add_way 10)
    wechat_channels_source,
    snapshot_date
from latest
where external_userid is not null
  and {{ not_suppressed(['external_userid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by external_userid, userid order by createtime) = 1
