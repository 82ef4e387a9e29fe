-- Each identifier's component: its anchor (earliest-seen identifier) and the customer_id derived from it.
select
    n.identifier_type,
    n.identifier,
    a.identifier_type as anchor_type,
    a.identifier as anchor_identifier,
    a.own_customer_id as customer_id,
    n.node_rank,
    l.anchor_rank
from {{ ref('int_identity__labels') }} l
join {{ ref('int_identity__nodes') }} n on n.node_rank = l.node_rank
join {{ ref('int_identity__nodes') }} a on a.node_rank = l.anchor_rank
