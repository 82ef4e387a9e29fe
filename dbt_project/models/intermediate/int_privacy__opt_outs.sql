-- [customer] Marketing opt-outs filed through the privacy inbox (siyu privacy opt-out), resolved to
-- customers through identity: an opt-out names one identifier and holds for every identifier of that
-- customer. A request counts from the China day it was received, on or before run_date.
with requests as (
    select
        request_id,
        case identifier_type when 'phone' then 'phone_hash' else identifier_type end as identifier_type,
        coalesce(identifier, pseudonym, value) as identifier,
        cast(coalesce(received_at, opted_out_at) as {{ sql_timestamptz_type() }}) as received_at
    from {{ privacy_opt_outs() }}
)

select
    coalesce(ci.customer_id, case when r.identifier_type = 'customer_id' then r.identifier end) as customer_id,
    r.request_id,
    r.received_at
from requests r
left join {{ ref('int_identity__graph') }} ci
    on ci.identifier_type = r.identifier_type and ci.identifier = r.identifier
where cast(r.received_at as date) <= {{ run_date() }}
  and (ci.customer_id is not null or r.identifier_type = 'customer_id')
