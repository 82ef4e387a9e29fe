"""When two customers became one: a replay of the merging evidence in the order it was first seen.

An edge whose evidence is newer than both of its identifiers joins two customers that existed
before it (an edge seen together with a new identifier only gives an existing customer one more
identifier). Newer means seen later in the sources, or landed in a later lake partition than both
ends: a customer built yesterday and absorbed today is logged even when the evidence that joined
them carries an older source timestamp. A new identifier arriving with two pieces of evidence at
once can bridge two older customers too. Only the components int_identity__graph flags (its replay
column: such an edge, or such a bridge) are replayed, with a union-find whose root is the oldest
identifier (lowest node_rank, in the anchor order): when two sets meet, the later anchor's
customer_id is absorbed by the earlier one's, if that customer existed before the evidence.
Operators' links (int_identity__overrides) are merging evidence dated by their decision (rule
`operator`, with its reason); a link an operator's separation skipped (its ends are two customers)
merged nothing and is not replayed.
Replaying evidence instead of diffing runs makes the log the same whichever dates were built, and a
re-run of a date rebuilds it identically.

The replay moves integers only (ranks, epoch microseconds, day numbers): a first build or a backfill
of WeCom's ID conversion replays hundreds of thousands of components at a million people, and
Python datetimes and strings for each of them cost ten times the replay itself.
"""

import numpy as np
import pyarrow as pa

NEVER = np.iinfo(np.int64).max  # an unknown time compares as "not earlier" on both sides


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.identity.merge_replay import replay
    from siyu.identity.model_config import arrow_ints

    dbt.ref("int_identity__edges").create_view("_merge_edges", replace=True)
    dbt.ref("int_identity__replay_nodes").create_view("_merge_replay_nodes", replace=True)
    dbt.ref("int_identity__overrides").create_view("_merge_overrides", replace=True)
    # The replayed components' nodes, ranked oldest first (int_identity__replay_nodes: the anchor
    # order); then their merging edges, numbered in the order the evidence arrived.
    session.execute(
        "create or replace temp table _merge_nodes as select * from _merge_replay_nodes"
    ).fetchall()
    session.execute("""
        create or replace temp table _merge_links as
        select row_number() over (
                   order by first_landed_on, first_seen_at, rule, src, dst) - 1 as ordinal, *
        from (
            select l.node_rank as src, r.node_rank as dst, e.rule,
                   min(e.first_seen_at) as first_seen_at, min(e.first_landed_on) as first_landed_on,
                   any_value(e.reason) as reason, any_value(e.decided_by) as decided_by
            from (
                select rule, left_type, left_identifier, right_type, right_identifier,
                       first_seen_at, first_landed_on, cast(null as varchar) as reason,
                       cast(null as varchar) as decided_by
                from _merge_edges where merges
                union all
                select 'operator', left_type, left_identifier, right_type, right_identifier,
                       decided_at, cast(decided_at as date), reason, decided_by
                from _merge_overrides
                where action = 'link' and rejected_reason is null and revoked_on is null
            ) e
            join _merge_nodes l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
            join _merge_nodes r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
            where l.node_rank <> r.node_rank and l.customer_id = r.customer_id
            group by all
        )
    """).fetchall()
    nodes = session.execute(f"""
        select coalesce(epoch_us(first_seen_at), {NEVER}) as seen,
               coalesce(cast(first_landed_on - date '1970-01-01' as bigint), {NEVER}) as landed
        from _merge_nodes order by node_rank
    """).fetchnumpy()
    links = session.execute(f"""
        select src, dst, coalesce(epoch_us(first_seen_at), {-NEVER}) as seen,
               coalesce(cast(first_landed_on - date '1970-01-01' as bigint), {-NEVER}) as landed
        from _merge_links order by ordinal
    """).fetchnumpy()
    absorbed, surviving, ordinal = replay(
        nodes["seen"], nodes["landed"], links["src"], links["dst"], links["seen"], links["landed"]
    )
    session.register(
        "_merge_replayed",
        pa.table(
            {
                "absorbed": arrow_ints(absorbed),
                "surviving": arrow_ints(surviving),
                "ordinal": arrow_ints(ordinal),
            }
        ),
    )
    session.execute("""
        create or replace temp table _merge_log as
        select a.anchored_id as absorbed_id, s.anchored_id as surviving_id,
               k.first_seen_at as merged_at, k.rule, k.reason, k.decided_by
        from _merge_replayed m
        join _merge_nodes a on a.node_rank = m.absorbed
        join _merge_nodes s on s.node_rank = m.surviving
        join _merge_links k on k.ordinal = m.ordinal
        order by m.ordinal
    """).fetchall()
    session.unregister("_merge_replayed")
    for view in ("_merge_edges", "_merge_replay_nodes", "_merge_overrides"):
        session.execute(f"drop view if exists {view}")
    return session.sql("select * from _merge_log")
