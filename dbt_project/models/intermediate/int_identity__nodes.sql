-- One row per identifier (type, value) in the graph, first/last seen over all its edges.
-- node_rank orders identifiers by (first_seen_at, type order, value): the component's minimum rank
-- is its anchor, so the label propagation in int_identity__components finds the anchor directly.
-- node_rank is recomputed each build and never leaves the warehouse: customer_id comes from the
-- anchor's type and value, which do not shift when new identifiers arrive.
with sides as (
    select left_type as identifier_type, left_identifier as identifier, source, first_seen_at, last_seen_at
    from {{ ref('int_identity__edges') }}
    union all
    select right_type, right_identifier, source, first_seen_at, last_seen_at
    from {{ ref('int_identity__edges') }}
    where right_identifier is not null
),

nodes as (
    select
        identifier_type,
        identifier,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        list_sort(list(distinct source)) as sources
    from sides
    group by identifier_type, identifier
)

select
    *,
    row_number() over (
        order by first_seen_at nulls last, {{ identifier_type_rank('identifier_type') }}, identifier
    ) as node_rank
from nodes
