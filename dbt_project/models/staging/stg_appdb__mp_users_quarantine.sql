-- Mini-program users set aside by the row-level checks of stg_appdb__mp_users, with the reason.
select
    'appdb.mp_users' as entity,
    coalesce(openid, '(null)') as row_key,
    {{ quarantine_reason(var('mp_user_quarantine_checks')) }} as reason,
    cast(dt as date) as dt
from {{ source('appdb', 'mp_users') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ quarantine_reason(var('mp_user_quarantine_checks')) }} is not null
