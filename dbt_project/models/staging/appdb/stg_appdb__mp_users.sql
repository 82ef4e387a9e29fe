{%- set columns = ['openid', 'unionid', 'phone_hash', 'first_scene', 'inviter_openid', 'created_at', 'updated_at'] -%}
-- Mini-program users as of run_date: all incremental partitions <= run_date, latest version per openid
-- (highest updated_at; on a tie the later partition wins).
select
    openid as mp_openid,
    nullif(trim(unionid), '') as unionid,
    phone_hash,
    first_scene,
    inviter_openid,
    created_at,
    updated_at,
    cast(dt as date) as extracted_dt,
    -- the first run that landed this openid: when the warehouse first knew it (identity ranks on it)
    min(cast(dt as date)) over (partition by openid) as first_extracted_dt
from {{ source('appdb', 'mp_users') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ row_quarantine(var('mp_user_quarantine_checks'), ['created_at', 'updated_at'], columns) }} is null
  and {{ not_suppressed(['openid', 'unionid', 'phone_hash']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by openid order by updated_at desc, dt desc) = 1
