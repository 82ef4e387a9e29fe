-- Order lines and refunds extraction could not read (an unreadable or future timestamp), with the reason.
select
    'appdb.order_items' as entity,
    coalesce(order_id, '(null)') || '/' || coalesce(cast(line_no as {{ sql_string_type() }}), '(null)') as row_key,
    quarantine_reason as reason,
    cast(dt as date) as dt
from {{ source('appdb', 'order_items') }}
where cast(dt as date) <= {{ run_date() }} and quarantine_reason is not null
  and {{ not_suppressed(['order_id']) }}
qualify row_number() over (partition by row_key, reason order by dt) = 1
union all
select
    'appdb.refunds' as entity,
    coalesce(refund_id, '(null)') as row_key,
    quarantine_reason as reason,
    cast(dt as date) as dt
from {{ source('appdb', 'refunds') }}
where cast(dt as date) <= {{ run_date() }} and quarantine_reason is not null
  and {{ not_suppressed(['refund_id', 'order_id']) }}
qualify row_number() over (partition by row_key, reason order by dt) = 1
