-- Customer groups as of run_date: the latest full snapshot with dt <= run_date.
with latest as (
    select *, cast(dt as date) as snapshot_date
    from {{ source('wecom', 'group_chats') }}
    where cast(dt as date) = {{ latest_snapshot('wecom', 'group_chats') }}
)

select
    chat_id,
    name as chat_name,
    owner as owner_userid,
    create_time as created_at,
    notice,
    status,  -- groupchat/list's: 0 normal, 1 owner resigned awaiting inheritance, 2 inheriting, 3 inherited
    admin_userids,
    member_count,
    member_version,
    snapshot_date
from latest
where chat_id is not null
qualify row_number() over (partition by chat_id order by create_time) = 1
