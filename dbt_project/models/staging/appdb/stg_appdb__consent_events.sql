-- Marketing consent events as of run_date: latest version per event_id over partitions <= run_date.
-- An event counts from the moment it occurred (occurred_at), on or before the end of run_date.
select
    event_id,
    openid as mp_openid,
    purpose,
    action,
    source,
    occurred_at,
    updated_at
from {{ source('appdb', 'consent_events') }}
where cast(dt as date) <= {{ run_date() }}
  and event_id is not null and openid is not null
  and action in ('opt_in', 'opt_out')
  and quarantine_reason is null
  and {{ not_suppressed(['openid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by event_id order by updated_at desc, dt desc) = 1
