-- One row per order (latest version), attributed to the customer of the buyer's mini-program openid,
-- with its refunds netted (net_amount). A fully refunded order has status refunded and is not paid.
-- Test accounts' orders are left out (int_customer_test_accounts): no mart counts them.
select
    o.order_id,
    ci.customer_id,
    o.mp_openid,
    o.status,
    o.amount,
    cast(coalesce(r.refunded, 0) as decimal(18, 2)) as refunded_amount,
    cast(case when o.paid_at is not null then o.amount - coalesce(r.refunded, 0) else 0 end as decimal(18, 2))
        as net_amount,
    o.status not in {{ sql_list(var('unpaid_statuses')) }} and o.paid_at is not null as is_paid,
    o.pay_method,
    o.province,
    o.city,
    o.paid_at,
    cast(o.paid_at as date) as paid_date,  -- China day (session TimeZone Asia/Shanghai)
    o.created_at,
    o.updated_at,
    {{ china_day('o.created_at') }} as created_date
from {{ ref('stg_appdb__orders') }} o
left join (
    select order_id, sum(amount) as refunded from {{ ref('stg_appdb__refunds') }} group by 1
) r using (order_id)
left join {{ ref('customer_identifiers') }} ci
    on ci.identifier_type = 'mp_openid' and ci.identifier = o.mp_openid
where {{ not_test_customer('ci.customer_id') }}
