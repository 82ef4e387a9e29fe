-- Each identifier's component: its anchor (oldest identifier: first landed, then first seen) and the customer_id derived from it.
with anchors as (
    select distinct l.anchor_rank, a.identifier_type as anchor_type, a.identifier as anchor_identifier,
        {{ customer_id('a.identifier_type', 'a.identifier') }} as customer_id
    from {{ ref('int_identity__labels') }} l
    join {{ ref('int_identity__nodes') }} a on a.node_rank = l.anchor_rank
)

select
    n.identifier_type,
    n.identifier,
    a.anchor_type,
    a.anchor_identifier,
    a.customer_id,
    n.node_rank,
    l.anchor_rank
from {{ ref('int_identity__labels') }} l
join {{ ref('int_identity__nodes') }} n on n.node_rank = l.node_rank
join anchors a on a.anchor_rank = l.anchor_rank
