-- WeCom contacts as of run_date: the latest full snapshot with dt <= run_date.
-- first_snapshot_date: the first snapshot (<= run_date) the contact appears in.
with snapshots as (
    select *, cast(dt as date) as snapshot_date
    from {{ source('wecom', 'external_contacts') }}
    where cast(dt as date) <= {{ run_date() }}
),

first_seen as (
    select external_userid, min(snapshot_date) as first_snapshot_date
    from snapshots
    group by external_userid
)

select
    s.external_userid,
    s.type as contact_type,  -- 1 WeChat user, 2 WeCom user
    s.gender,                -- 0 unknown, 1 male, 2 female
    nullif(trim(s.unionid), '') as unionid,
    s.corp_name,
    f.first_snapshot_date,
    s.snapshot_date
from snapshots s
join first_seen f using (external_userid)
where s.snapshot_date = (select max(snapshot_date) from snapshots)
  and s.external_userid is not null
-- A snapshot should hold a contact once; if the API paged a row twice, keep one.
qualify row_number() over (partition by s.external_userid order by s.unionid nulls last) = 1
