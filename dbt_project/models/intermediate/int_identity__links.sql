-- The merging edges between two graph nodes, as node ranks (quarantined identifiers are not nodes,
-- so every edge through them is cut here). One row per (pair, rule), earliest evidence first.
select
    l.node_rank as src,
    r.node_rank as dst,
    e.rule,
    min(e.first_seen_at) as first_seen_at,
    any_value(l.first_seen_at) as src_first_seen_at,
    any_value(r.first_seen_at) as dst_first_seen_at,
    min(e.first_landed_on) as first_landed_on,
    any_value(l.first_landed_on) as src_first_landed_on,
    any_value(r.first_landed_on) as dst_first_landed_on
from {{ ref('int_identity__edges') }} e
join {{ ref('int_identity__nodes') }} l
    on l.identifier_type = e.left_type and l.identifier = e.left_identifier
join {{ ref('int_identity__nodes') }} r
    on r.identifier_type = e.right_type and r.identifier = e.right_identifier
where e.merges and l.node_rank <> r.node_rank
group by all
