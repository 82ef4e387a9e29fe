-- Tracking events set aside: lines or files extraction could not read (events_quarantine: file, line,
-- reason), and landed events staging's checks refuse (a ts before the brand's start or after the run's
-- end: the device clock of a phone set to 1970 or 2100).
select
    'tracking.events' as entity,
    coalesce(event_id, '(null)') as row_key,
    {{ quarantine_reason([], [], tracking_event_checks()) }} as reason,
    cast(dt as date) as dt
from {{ source('tracking', 'events') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ quarantine_reason([], [], tracking_event_checks()) }} is not null
  and {{ not_suppressed(['openid', 'unionid']) }}  -- erased people (siyu.pipl)
union all
select
    'tracking.events_quarantine' as entity,
    source_file || coalesce(':' || cast(line_no as {{ sql_string_type() }}), '') as row_key,
    reason,
    cast(dt as date) as dt
from {{ source('tracking', 'events_quarantine') }}
where cast(dt as date) <= {{ run_date() }}
