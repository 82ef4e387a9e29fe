{%- set columns = ['order_id', 'openid', 'status', 'amount', 'pay_method', 'receiver_phone_hash', 'province', 'city', 'paid_at', 'created_at', 'updated_at'] -%}
-- Orders as of run_date: all incremental partitions <= run_date, latest version per order_id
-- (highest updated_at; on a tie the later partition wins). Rows failing a row-level check (var
-- order_quarantine_checks) go to stg_appdb__orders_quarantine instead: the raw gate stops a partition
-- with many bad rows; a few are set aside here, with the reason, and the rest flow on.
select
    order_id,
    openid as mp_openid,
    lower(status) as status,
    amount,
    pay_method,
    receiver_phone_hash,
    province,
    city,
    paid_at,
    created_at,
    updated_at,
    cast(dt as date) as extracted_dt,
    -- the first run that landed this order_id: when the warehouse first knew it (identity ranks on it)
    min(cast(dt as date)) over (partition by order_id) as first_extracted_dt
from {{ source('appdb', 'orders') }}
where cast(dt as date) <= {{ run_date() }}
  and {{ row_quarantine(var('order_quarantine_checks'), ['paid_at', 'created_at', 'updated_at'], columns) }} is null
  and {{ not_suppressed(['order_id', 'openid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by order_id order by updated_at desc, dt desc) = 1
