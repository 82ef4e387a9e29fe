-- Order lines as of run_date: latest version per (order_id, line_no) over partitions <= run_date.
select
    order_id,
    line_no,
    item_id,
    category,
    quantity,
    unit_price,
    quantity * unit_price as line_amount,
    updated_at
from {{ source('appdb', 'order_items') }}
where cast(dt as date) <= {{ run_date() }}
  and order_id is not null
  and {{ not_suppressed(['order_id']) }}  -- erased people (siyu.pipl)
  and quarantine_reason is null  -- set aside: stg_appdb__lines_quarantine
qualify row_number() over (partition by order_id, line_no order by updated_at desc, dt desc) = 1
