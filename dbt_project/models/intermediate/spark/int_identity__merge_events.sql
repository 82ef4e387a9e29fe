{{ config(materialized='table', enabled=target.type == 'spark') }}
-- int_identity__merge_events on Spark (issue 22): the DuckDB Python model's replay
-- (models/intermediate/int_identity__merge_events.py, its docstring says what is logged) in SQL: the
-- replayed nodes and their merging links as there, numbered in the order the evidence arrived; the
-- union-find replay itself per component (its customer_id: a link never crosses two) by the session
-- function siyu_merge_replay (siyu.spark_identity, siyu.identity.merge_replay.replay).
{%- set never = 9223372036854775807 %}

with nodes as (
    select * from {{ ref('int_identity__replay_nodes') }}
),

evidence as (
    select rule, left_type, left_identifier, right_type, right_identifier,
           first_seen_at, first_landed_on, cast(null as string) as reason, cast(null as string) as decided_by
    from {{ ref('int_identity__edges') }} where merges
    union all
    select 'operator', left_type, left_identifier, right_type, right_identifier,
           decided_at, cast(decided_at as date), reason, decided_by
    from {{ ref('int_identity__overrides') }}
    where action = 'link' and rejected_reason is null and revoked_on is null
),

pairs as (
    select l.node_rank as src, r.node_rank as dst, e.rule, l.customer_id,
           min(e.first_seen_at) as first_seen_at, min(e.first_landed_on) as first_landed_on,
           any_value(e.reason) as reason, any_value(e.decided_by) as decided_by
    from evidence e
    join nodes l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
    join nodes r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
    where l.node_rank <> r.node_rank and l.customer_id = r.customer_id
    group by l.node_rank, r.node_rank, e.rule, l.customer_id
),

links as (
    select row_number() over (order by first_landed_on, first_seen_at, rule, src, dst) - 1 as ordinal, *
    from pairs
),

replayed as (
    select explode(siyu_merge_replay(n.nodes, k.links)) as u
    from (
        select customer_id,
               collect_list(named_struct(
                   'node_rank', node_rank,
                   'seen', coalesce(unix_micros(first_seen_at), {{ never }}),
                   'landed', coalesce(cast(datediff(first_landed_on, date '1970-01-01') as bigint), {{ never }})
               )) as nodes
        from nodes group by customer_id
    ) n
    join (
        select customer_id,
               collect_list(named_struct(
                   'ordinal', ordinal, 'src', src, 'dst', dst,
                   'seen', coalesce(unix_micros(first_seen_at), -{{ never }}),
                   'landed', coalesce(cast(datediff(first_landed_on, date '1970-01-01') as bigint), -{{ never }})
               )) as links
        from links group by customer_id
    ) k on k.customer_id = n.customer_id
)

select a.anchored_id as absorbed_id, s.anchored_id as surviving_id,
       k.first_seen_at as merged_at, k.rule, k.reason, k.decided_by
from replayed m
join nodes a on a.node_rank = m.u.absorbed
join nodes s on s.node_rank = m.u.surviving
join links k on k.ordinal = m.u.ordinal
