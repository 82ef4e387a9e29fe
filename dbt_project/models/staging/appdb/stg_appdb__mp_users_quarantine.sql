{%- set columns = ['openid', 'unionid', 'phone_hash', 'first_scene', 'inviter_openid', 'created_at', 'updated_at'] -%}
-- Mini-program users set aside by the row-level checks of stg_appdb__mp_users, with the reason.
select
    'appdb.mp_users' as entity,
    coalesce(openid, '(null)') as row_key,
    {{ row_quarantine(var('mp_user_quarantine_checks'), ['created_at', 'updated_at'], columns) }} as reason,
    cast(dt as date) as dt
from {{ source('appdb', 'mp_users') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ row_quarantine(var('mp_user_quarantine_checks'), ['created_at', 'updated_at'], columns) }} is not null
  and {{ not_suppressed(['openid', 'unionid', 'phone_hash']) }}  -- erased people (siyu.pipl)
-- a row outside every window is read by each run: report it once, from the first partition
qualify row_number() over (partition by row_key, reason order by dt) = 1
