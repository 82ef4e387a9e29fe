-- [customer] Whether the brand may contact each customer, why, and since when: the latest marketing
-- decision the sources carry (an opt-in or opt-out in the app DB's consent_events, an opt-out filed
-- through the privacy inbox), else contactable with reason no_decision (the customer gave their contact
-- and has not objected). On WeCom, a customer also needs a staff member who still holds them: one who
-- deleted every staff member (int_customer_wecom_presence) is not contactable there. An opt-out keeps
-- every row of the customer elsewhere; exports, staff audiences and tag sync leave them out.
with decisions as (
    select ci.customer_id, e.action, 'app:' || coalesce(e.source, 'unknown') as source,
           e.occurred_at as decided_at, e.event_id as decision_id
    from {{ ref('stg_appdb__consent_events') }} e
    join {{ ref('customer_identifiers') }} ci on ci.identifier_type = 'mp_openid' and ci.identifier = e.mp_openid
    where e.purpose = 'marketing' and cast(e.occurred_at as date) <= {{ run_date() }}
    union all
    select customer_id, 'opt_out', 'privacy_request', received_at, request_id
    from {{ ref('int_privacy__opt_outs') }}
),

latest as (
    select * from decisions
    qualify row_number() over (partition by customer_id order by decided_at desc, decision_id desc) = 1
),

overall as (
    select
        c.customer_id,
        coalesce(l.action <> 'opt_out', true) as can_contact,
        case when l.action is null then 'no_decision'
             when l.action = 'opt_out' then 'opted_out:' || l.source
             else 'opted_in:' || l.source end as reason,
        l.decided_at
    from {{ real_customers() }} c  -- test accounts are in no mart but dim_customers
    left join latest l using (customer_id)
)

select
    o.customer_id,
    o.can_contact,
    o.reason,
    o.decided_at,
    {{ china_day('o.decided_at') }} as decided_date,
    o.can_contact and coalesce(p.is_contact or p.awaiting_transfer, false) as can_contact_wecom,
    case when not o.can_contact then o.reason
         when p.customer_id is null then 'not_a_wecom_contact'
         when p.deleted_by_all_on is not null then 'deleted_every_staff_member'
         when p.awaiting_transfer and not p.is_contact then 'awaiting_transfer'
         else 'held_by_staff' end as wecom_reason,
    case when not o.can_contact then o.decided_at
         when p.deleted_by_all_on is not null then cast(p.deleted_by_all_on as {{ sql_timestamptz_type() }}) end as wecom_decided_at,
    case when not o.can_contact then {{ china_day('o.decided_at') }}
         else p.deleted_by_all_on end as wecom_decided_date
from overall o
left join {{ ref('int_customer_wecom_presence') }} p using (customer_id)
