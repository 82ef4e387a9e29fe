-- One row per identifier in the graph, first/last seen over all its edges, minus the quarantine.
-- An identifier is a node when some rule names it as its subject (left side) or a merging rule links
-- to it: a phone seen only as an order's receiver is evidence for the junk guard, not a customer.
-- node_rank orders identifiers by (first_landed_on, first_seen_at, type order, value): a component's
-- minimum rank is its anchor, from which customer_id is derived. first_landed_on (the first lake
-- partition holding the identifier) comes first so that evidence landing later can never outrank an
-- identifier the warehouse already knew, even when it carries an earlier source timestamp (an
-- openid first seen on an order, whose user row with an older created_at lands the next day): a
-- customer keeps its id until it merges into an older one. Then the earliest-seen identifier; ties
-- fall to var identifier_type_order, then to the value itself, so the anchor never depends on row order.
with sides as (
    select left_type as identifier_type, left_identifier as identifier, source, first_seen_at, last_seen_at,
        first_landed_on
    from {{ ref('int_identity__edges') }}
    union all
    select right_type, right_identifier, source, first_seen_at, last_seen_at, first_landed_on
    from {{ ref('int_identity__edges') }}
    where right_identifier is not null and merges
),

nodes as (
    select
        identifier_type,
        identifier,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        min(first_landed_on) as first_landed_on
    from sides
    anti join {{ ref('int_identity__quarantine') }} q using (identifier_type, identifier)
    group by identifier_type, identifier
)

select
    *,
    row_number() over (
        order by first_landed_on nulls last, first_seen_at nulls last, {{ identifier_type_rank('identifier_type') }}, identifier
    ) as node_rank
from nodes
