{%- set columns = ['order_id', 'openid', 'status', 'amount', 'pay_method', 'receiver_phone_hash', 'province', 'city', 'paid_at', 'created_at', 'updated_at'] -%}
-- Orders set aside by the row-level checks of stg_appdb__orders, with the reason.
select
    'appdb.orders' as entity,
    coalesce(order_id, '(null)') as row_key,
    {{ row_quarantine(var('order_quarantine_checks'), ['paid_at', 'created_at', 'updated_at'], columns) }} as reason,
    cast(dt as date) as dt
from {{ source('appdb', 'orders') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ row_quarantine(var('order_quarantine_checks'), ['paid_at', 'created_at', 'updated_at'], columns) }} is not null
  and {{ not_suppressed(['order_id', 'openid']) }}  -- erased people (siyu.pipl)
-- a row outside every window is read by each run: report it once, from the first partition
qualify row_number() over (partition by row_key, reason order by dt) = 1
