-- Refunds as of run_date: latest version per refund_id over partitions <= run_date.
select
    refund_id,
    order_id,
    amount,
    reason,
    created_at,
    updated_at
from {{ source('appdb', 'refunds') }}
where cast(dt as date) <= {{ run_date() }}
  and refund_id is not null
  and {{ not_suppressed(['refund_id', 'order_id']) }}  -- erased people (siyu.pipl)
  and quarantine_reason is null  -- set aside: stg_appdb__lines_quarantine
qualify row_number() over (partition by refund_id order by updated_at desc, dt desc) = 1
