-- Co-creation commissions as of run_date: latest version per commission_id over partitions <= run_date.
select
    commission_id,
    order_id,
    promoter_openid,
    channel,
    rate,
    amount,
    status,
    created_at,
    updated_at
from {{ source('appdb', 'commissions') }}
where cast(dt as date) <= {{ run_date() }}
  and commission_id is not null
  and {{ not_suppressed(['order_id']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by commission_id order by updated_at desc, dt desc) = 1
