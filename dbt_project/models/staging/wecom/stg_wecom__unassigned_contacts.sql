-- Customers of resigned staff awaiting transfer (get_unassigned_list) as of run_date: not lost, their
-- relation with the resigned member waits for a colleague to inherit it.
select
    handover_userid as staff_userid,
    external_userid,
    dimission_time as resigned_at,
    cast(dt as date) as snapshot_date
from {{ source('wecom', 'unassigned_contacts') }}
where cast(dt as date) = {{ latest_snapshot('wecom', 'unassigned_contacts') }}
  and external_userid is not null and handover_userid is not null
  and {{ not_suppressed(['external_userid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by handover_userid, external_userid order by dimission_time) = 1
