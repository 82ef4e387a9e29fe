-- Orders set aside by the row-level checks of stg_appdb__orders, with the reason.
select
    'appdb.orders' as entity,
    coalesce(order_id, '(null)') as row_key,
    {{ quarantine_reason(var('order_quarantine_checks')) }} as reason,
    cast(dt as date) as dt
from {{ source('appdb', 'orders') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ quarantine_reason(var('order_quarantine_checks')) }} is not null
