{{ config(materialized='table') }}
-- The links of the part of the graph this run recomputes (int_identity__graph_part), on node ids:
-- - the merging links: the merging evidence and operators' `link` decisions (rule `operator`;
--   they join identifiers the evidence knows, and make no node), with the rule's bit (its
--   position among the rules present: int_identity__graph names a node's rules from the bits),
--   whether the evidence is newer than its ends (for the replay flag; a comparison with an
--   unknown time counts as no), and the order a separation takes them in (priority: operators'
--   links first, by decision time, then the evidence as it arrived);
-- - operators' `separate` decisions (separates: the pair (src, dst) never shares a customer).
with in_effect as {{ identity_overrides_in_effect() }},

part as (
    select * from {{ ref('int_identity__graph_part') }}
),

merging as (
    select rule, left_type, left_identifier, right_type, right_identifier,
           first_seen_at, first_landed_on, 1 as priority
    from {{ ref('int_identity__edges') }} as e where e.merges
    union all
    select 'operator', left_type, left_identifier, right_type, right_identifier,
           decided_at, cast(decided_at as date), 0
    from in_effect where action = 'link'
),

links as (
    select l.node_id as src, r.node_id as dst, e.rule,
           coalesce(e.first_seen_at > greatest(l.first_seen_at, r.first_seen_at)
                    or e.first_landed_on > greatest(l.first_landed_on, r.first_landed_on),
                    false) as joins_existing,
           -- the evidence is newer than one end: it ties the other end to something older
           coalesce(e.first_seen_at > l.first_seen_at or e.first_landed_on > l.first_landed_on,
                    false) as newer_than_src,
           coalesce(e.first_seen_at > r.first_seen_at or e.first_landed_on > r.first_landed_on,
                    false) as newer_than_dst,
           e.priority, e.first_landed_on, e.first_seen_at
    from merging e
    join part l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
    join part r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
    where l.node_id <> r.node_id
)

select src, dst, rule,
       cast({{ list_index("(select " ~ sorted_list('rule') ~ " from (select distinct rule from links))", 'rule') }} - 1
            as tinyint) as bit,
       joins_existing, newer_than_src, newer_than_dst, priority, first_landed_on, first_seen_at,
       false as separates
from links
union all
select a.node_id, b.node_id, 'separate', null, false, false, false, null, null, null, true
from in_effect o
join part a on a.identifier_type = o.left_type and a.identifier = o.left_identifier
join part b on b.identifier_type = o.right_type and b.identifier = o.right_identifier
where o.action = 'separate'
