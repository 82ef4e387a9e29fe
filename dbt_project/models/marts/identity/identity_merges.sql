-- The identity change log.
-- merge: new evidence, or an operator's link (rule operator), joined two existing customers; the
--        older customer_id survives.
-- split: a quarantined identifier, or one an operator junked, would have joined these customers;
--        they stay apart, and the customer of the earliest-seen identifier is the one that would
--        have absorbed the others. An operator's separation of two identifiers the evidence joins
--        is a split too: the part holding the component's oldest identifier keeps the id
--        (int_identity__graph: unmerged_from), the other part is kept apart.
-- reason and decided_by: an operator's decision (int_identity__overrides); null for the evidence.
with overrides as (
    select * from {{ ref('int_identity__overrides') }}
    where rejected_reason is null and revoked_on is null
),

cut as (
    select identifier_type, identifier, quarantined_at as cut_at, 'junk_guard:' || reason as rule,
           cast(null as {{ sql_string_type() }}) as reason, cast(null as {{ sql_string_type() }}) as decided_by
    from {{ ref('int_identity__quarantine') }}
    union all
    select left_type, left_identifier, decided_at, 'operator', reason, decided_by
    from overrides o
    where action = 'junk' and not exists (
        select 1 from {{ ref('int_identity__quarantine') }} q
        where q.identifier_type = o.left_type and q.identifier = o.left_identifier)
),

cut_neighbours as (
    -- the identifiers a cut identifier linked by a merging rule, on either side of the evidence
    select c.*, e.left_type as neighbour_type, e.left_identifier as neighbour
    from cut c join {{ ref('int_identity__edges') }} e
        on e.merges and e.right_type = c.identifier_type and e.right_identifier = c.identifier
    union all
    select c.*, e.right_type, e.right_identifier
    from cut c join {{ ref('int_identity__edges') }} e
        on e.merges and e.left_type = c.identifier_type and e.left_identifier = c.identifier
        and e.right_identifier is not null
),

split_candidates as (
    select
        n.identifier as cut_identifier,
        n.cut_at,
        n.rule,
        n.reason,
        n.decided_by,
        c.customer_id,
        -- the customer whose identifier on the hub is oldest (the anchor order of int_identity__graph)
        min((coalesce(c.first_landed_on, date '9999-12-31'), coalesce(c.first_seen_at, {{ sql_instant_last() }}),
             {{ identifier_type_rank('c.identifier_type') }}, c.identifier)) as first_key
    from cut_neighbours n
    join {{ ref('int_identity__graph') }} c
        on c.identifier_type = n.neighbour_type and c.identifier = n.neighbour
    group by all
),

splits as (
    select
        'split' as event,
        customer_id as absorbed_id,
        first_value(customer_id) over (partition by cut_identifier order by first_key) as surviving_id,
        cut_at as event_at,
        rule,
        cut_identifier as via_identifier,
        reason,
        decided_by
    from split_candidates
),

anchors as (
    select customer_id,
           (coalesce(first_landed_on, date '9999-12-31'), coalesce(first_seen_at, {{ sql_instant_last() }}),
             {{ identifier_type_rank("identifier_type") }}, identifier) as anchor_key
    from {{ ref('int_identity__graph') }}
    where is_anchor and unmerged_from is not null
),

separations as (
    -- a separation that split a component: the customer with the later anchor is kept apart
    select
        'split' as event,
        case when ka.anchor_key > kb.anchor_key then a.customer_id else b.customer_id end as absorbed_id,
        case when ka.anchor_key > kb.anchor_key then b.customer_id else a.customer_id end as surviving_id,
        o.decided_at as event_at,
        'operator' as rule,
        o.left_identifier || ' | ' || o.right_identifier as via_identifier,
        o.reason,
        o.decided_by
    from overrides o
    join {{ ref('int_identity__graph') }} a on a.identifier_type = o.left_type and a.identifier = o.left_identifier
    join {{ ref('int_identity__graph') }} b on b.identifier_type = o.right_type and b.identifier = o.right_identifier
    join anchors ka on ka.customer_id = a.customer_id
    join anchors kb on kb.customer_id = b.customer_id
    where o.action = 'separate' and a.unmerged_from = b.unmerged_from and a.customer_id <> b.customer_id
)

select 'merge' as event, absorbed_id, surviving_id, merged_at as event_at, rule,
       cast(null as {{ sql_string_type() }}) as via_identifier, reason, decided_by
from {{ ref('int_identity__merge_events') }}
union all
select * from splits where absorbed_id <> surviving_id
union all
select * from separations
