{{ incremental_state_config(['identifier_type', 'identifier'], version='identity graph v4',
                           vars=['identifier_type_order', 'identity_max_links_per_phone',
                                 'identity_test_phones', 'identity_merge_rules']) }}
{{ config(pre_hook="{{ identity_graph_drop_cut() }}") }}
-- depends_on (the pre-hook's cut): {{ ref('int_identity__quarantine') }} {{ ref('int_identity__overrides') }}
-- The identity graph resolved: every identifier, its customer_id and how it is matched, for the part
-- this run recomputes (int_identity__graph_part: the whole graph on a rebuild), replacing that
-- part's rows (delete+insert on the identifier; the pre-hook drops the identifiers newly cut).
-- - Components: int_identity__graph_components (numpy), operators' separations kept.
-- - Anchor: a component's oldest identifier, by the anchor order (macros/identity.sql:
--   identity_anchor_order, as int_identity__graph_part ranks it); customer_id derives from the
--   anchor (customer_id). The part holding a separated component's oldest identifier keeps its id;
--   unmerged_from is the id the whole component would have had, for every identifier of a
--   component so split (null elsewhere).
-- - matched_by: 'anchor', or the merging rules that tie the identifier to others.
-- - replay: int_identity__merge_events replays the component to log who absorbed whom.
-- - last_seen_at: the latest dated evidence; in_latest_snapshot: WeCom's latest snapshot still holds
--   evidence of it (customer_identifiers dates that to the snapshot).
with nodes as (
    select n.*, c.component, c.rule_mask, c.replay, c.split_from
    from {{ ref('int_identity__graph_part') }} n
    join {{ ref('int_identity__graph_components') }} c using (node_id)
),

anchors as (
    -- the anchor's node id only: carrying its strings through the aggregate costs more than
    -- looking them up for the million anchors afterwards
    select component, {{ value_at_min('node_id', 'anchor_rank') }} as anchor_id
    from nodes
    group by component
),

customers as (
    select a.component, a.anchor_id, {{ customer_id('n.identifier_type', 'n.identifier') }} as customer_id
    from anchors a join {{ ref('int_identity__graph_part') }} n on n.node_id = a.anchor_id
),

unmerged as (
    -- the id a component split by a separation would have had whole
    select split_from,
           {{ customer_id(value_at_min('identifier_type', 'anchor_rank'), value_at_min('identifier', 'anchor_rank')) }} as unmerged_from
    from nodes where split_from is not null
    group by split_from
),

rule_sets as (
    -- the rules of each set of rule bits some node has
    select m.rule_mask, {{ string_agg_ordered('r.rule', ',', 'r.bit') }} as rules
    from (select distinct rule_mask from nodes where rule_mask <> 0) m
    join (
        select distinct cast(bit as bigint) as bit, rule
        from {{ ref('int_identity__graph_links') }} where not separates
    ) r on (m.rule_mask >> r.bit) & 1 = 1
    group by m.rule_mask
)

select
    n.identifier_type,
    n.identifier,
    c.customer_id,
    case when n.node_id = c.anchor_id then 'anchor' else s.rules end as matched_by,
    n.node_id = c.anchor_id as is_anchor,
    n.first_seen_at,
    n.last_seen_at,
    n.in_latest_snapshot,
    n.first_landed_on,
    n.replay,
    u.unmerged_from,
    {{ run_date() }} as written_on
from nodes n
join customers c using (component)
left join rule_sets s using (rule_mask)
left join unmerged u using (split_from)
