-- The identity change log.
-- merge: new evidence joined two existing customers; the older customer_id survives.
-- split: a quarantined identifier would have joined these customers; they stay apart, and the
--        customer of the earliest-seen identifier is the one that would have absorbed the others.
with split_candidates as (
    select
        q.identifier as quarantined_identifier,
        q.reason,
        q.quarantined_at,
        c.customer_id,
        -- the customer whose identifier on the hub is oldest (the anchor order of int_identity__graph)
        min((coalesce(c.first_landed_on, date '9999-12-31'), coalesce(c.first_seen_at, timestamptz 'infinity'),
             {{ identifier_type_rank('c.identifier_type') }}, c.identifier)) as first_key
    from {{ ref('int_identity__quarantine') }} q
    join {{ ref('int_identity__edges') }} e
        on e.merges and e.right_type = q.identifier_type and e.right_identifier = q.identifier
    join {{ ref('int_identity__graph') }} c
        on c.identifier_type = e.left_type and c.identifier = e.left_identifier
    group by all
),

splits as (
    select
        'split' as event,
        customer_id as absorbed_id,
        first_value(customer_id) over (partition by quarantined_identifier order by first_key) as surviving_id,
        quarantined_at as event_at,
        'junk_guard:' || reason as rule,
        quarantined_identifier as via_identifier
    from split_candidates
)

select 'merge' as event, absorbed_id, surviving_id, merged_at as event_at, rule,
       cast(null as varchar) as via_identifier
from {{ ref('int_identity__merge_events') }}
union all
select * from splits where absorbed_id <> surviving_id
