-- [evidence] Why a customer is who they are: every link between two identifiers the sources gave,
-- on the customer of its left identifier, with its rule, source and dates. `merged`: the link joins
-- two identifiers of this customer (a merging rule, both ends kept). A link that did not is evidence
-- of a rule that does not merge (an order's receiver phone: right_customer_id says whose phone it
-- is), or a link to an identifier the junk guard cut (right_customer_id null; identity_quarantine
-- says why). `where customer_id = ...` answers "why are these accounts one customer?".
-- An operator's link (int_identity__overrides) is a link too: rule operator, source
-- operator:<who decided>, first seen when decided.
-- A view: the evidence already is a table (int_identity__edges), millions of rows at scale.
{{ config(materialized='view') }}
select
    l.customer_id,
    e.rule,
    e.source,
    e.left_type,
    e.left_identifier,
    e.right_type,
    e.right_identifier,
    r.customer_id as right_customer_id,
    coalesce(e.merges and r.customer_id = l.customer_id, false) as merged,
    e.first_seen_at,
    -- null in the evidence while WeCom's latest snapshot holds it: seen on that snapshot's day
    case when e.last_seen_at is null and e.source like 'wecom.%'
         then cast({{ latest_snapshot('wecom', 'external_contacts') }} as {{ sql_timestamptz_type() }})
         else e.last_seen_at end as last_seen_at,
    e.first_landed_on
from (
    select rule, source, left_type, left_identifier, right_type, right_identifier, merges,
           first_seen_at, last_seen_at, first_landed_on
    from {{ ref('int_identity__edges') }}
    union all
    select 'operator', 'operator:' || decided_by, left_type, left_identifier, right_type, right_identifier,
           true, decided_at, decided_at, cast(decided_at as date)
    from {{ ref('int_identity__overrides') }}
    where action = 'link' and rejected_reason is null and revoked_on is null
) e
join {{ ref('int_identity__graph') }} l
    on l.identifier_type = e.left_type and l.identifier = e.left_identifier
left join {{ ref('int_identity__graph') }} r
    on r.identifier_type = e.right_type and r.identifier = e.right_identifier
where e.right_identifier is not null
