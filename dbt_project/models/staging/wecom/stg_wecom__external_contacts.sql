-- WeCom contacts as of run_date: the latest full snapshot with dt <= run_date.
-- (The history of a contact's unionids is int_wecom__contact_unionids.)
select
    external_userid,
    type as contact_type,  -- 1 WeChat user, 2 WeCom user
    gender,                -- 0 unknown, 1 male, 2 female
    nullif(trim(unionid), '') as unionid,
    corp_name,
    position,            -- a WeCom user's (type 2) job title
    corp_full_name,
    external_profile,    -- JSON text of the contact's external profile (external_attr, ...)
    cast(dt as date) as snapshot_date
from {{ source('wecom', 'external_contacts') }}
where cast(dt as date) = {{ latest_snapshot('wecom', 'external_contacts') }}
  and external_userid is not null
  and {{ not_suppressed(['external_userid', 'unionid']) }}  -- erased people (siyu.pipl)
-- A snapshot should hold a contact once; if the API paged a row twice, keep one.
qualify row_number() over (partition by external_userid order by unionid nulls last) = 1
