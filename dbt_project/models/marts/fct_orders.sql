-- One row per order (latest version), attributed to the customer of the buyer's mini-program openid.
select
    o.order_id,
    ci.customer_id,
    o.mp_openid,
    o.status,
    o.amount,
    o.status not in {{ sql_list(var('unpaid_statuses')) }} and o.paid_at is not null as is_paid,
    o.pay_method,
    o.province,
    o.city,
    o.paid_at,
    cast(o.paid_at as date) as paid_date,  -- China day (session TimeZone Asia/Shanghai)
    o.created_at,
    o.updated_at
from {{ ref('stg_appdb__orders') }} o
left join {{ ref('customer_identifiers') }} ci
    on ci.identifier_type = 'mp_openid' and ci.identifier = o.mp_openid
