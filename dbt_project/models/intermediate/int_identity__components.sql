-- Connected components of the identity graph (merging edges only), by label propagation:
-- every node starts labelled with its own rank and repeatedly takes the smallest label among its
-- neighbours. USING KEY keeps one row per node (the recursion updates it in place) and the
-- recursive step only touches neighbours of nodes whose label just changed, so each iteration is
-- cheap; iterations = the longest shortest path to the anchor, which is small for real customers.
-- A component's label is its minimum node_rank, i.e. its earliest-seen identifier: the anchor.
with recursive

nodes as (
    select identifier_type, identifier, node_rank from {{ ref('int_identity__nodes') }}
),

links as (
    select l.node_rank as src, r.node_rank as dst
    from {{ ref('int_identity__edges') }} e
    join nodes l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
    join nodes r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
    where e.merges
),

adjacency as (
    select src, dst from links
    union
    select dst, src from links
),

labels(node, label) using key (node) as (
    select node_rank, node_rank from nodes
    union
    select a.dst, min(l.label)
    from labels l
    join adjacency a on a.src = l.node
    join recurring.labels r on r.node = a.dst
    where l.label < r.label
    group by a.dst
)

select
    n.identifier_type,
    n.identifier,
    anchor.identifier_type as anchor_type,
    anchor.identifier as anchor_identifier,
    {{ customer_id('anchor.identifier_type', 'anchor.identifier') }} as customer_id
from labels l
join nodes n on n.node_rank = l.node
join nodes anchor on anchor.node_rank = l.label
