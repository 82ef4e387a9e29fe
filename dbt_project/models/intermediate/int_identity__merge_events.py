"""When two customers became one: a replay of the merging evidence in the order it was first seen.

An edge whose evidence is newer than both of its identifiers joins two customers that existed
before it (an edge seen together with a new identifier only gives an existing customer one more
identifier). Newer means seen later in the sources, or landed in a later lake partition than both
ends: a customer built yesterday and absorbed today is logged even when the evidence that joined
them carries an older source timestamp. Only components holding such an edge are replayed, with a union-find whose root is the
earliest-seen identifier (lowest node_rank): when two sets meet, the later anchor's customer_id is
absorbed by the earlier one's. Replaying evidence instead of diffing runs makes the log the same
whichever dates were built, and a re-run of a date rebuilds it identically.
"""

import hashlib

import pyarrow as pa


def _customer_id(identifier_type: str, identifier: str) -> str:
    # Same derivation as the customer_id macro (macros/identity.sql).
    return "c_" + hashlib.md5(f"{identifier_type}:{identifier}".encode()).hexdigest()[:16]


def _find(parent: dict, x: int) -> int:
    root = x
    while parent.get(root, root) != root:
        root = parent[root]
    while parent.get(x, x) != root:  # path compression
        parent[x], x = root, parent[x]
    return root


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_identity__links").create_view("_merge_links", replace=True)
    dbt.ref("int_identity__components").create_view("_merge_components", replace=True)
    dbt.ref("int_identity__nodes").create_view("_merge_nodes", replace=True)
    # Components holding a joining edge; then every merging edge of those components, in time order.
    edges = session.sql("""
        with labelled as (
            select k.*, c.anchor_rank
            from _merge_links k join _merge_components c on c.node_rank = k.src
        ),
        replayed as (
            select * from labelled where anchor_rank in (
                select anchor_rank from labelled
                where first_seen_at > greatest(src_first_seen_at, dst_first_seen_at)
                   or first_landed_on > greatest(src_first_landed_on, dst_first_landed_on))
        )
        select r.src, r.dst, r.rule, r.first_seen_at, r.first_landed_on,
               s.first_seen_at, s.identifier_type, s.identifier, s.first_landed_on,
               d.first_seen_at, d.identifier_type, d.identifier, d.first_landed_on
        from replayed r
        join _merge_nodes s on s.node_rank = r.src
        join _merge_nodes d on d.node_rank = r.dst
        order by r.first_landed_on, r.first_seen_at, r.rule, r.src, r.dst
    """).fetchall()
    nodes = {}
    for e in edges:
        nodes[e[0]], nodes[e[1]] = e[5:9], e[9:13]
    parent: dict[int, int] = {}
    rows = {"absorbed_id": [], "surviving_id": [], "merged_at": [], "rule": []}
    for src, dst, rule, at, landed, *_ in edges:
        a, b = _find(parent, src), _find(parent, dst)
        if a == b:
            continue
        root, other = min(a, b), max(a, b)  # lower rank = seen earlier: the older customer survives
        parent[other] = root
        # the absorbed customer existed before this evidence (in the sources, or in an earlier build)
        landed_later = landed is not None and nodes[other][3] is not None and landed > nodes[other][3]
        if at > nodes[other][0] or landed_later:
            rows["absorbed_id"].append(_customer_id(*nodes[other][1:3]))
            rows["surviving_id"].append(_customer_id(*nodes[root][1:3]))
            rows["merged_at"].append(at)
            rows["rule"].append(rule)
    for view in ("_merge_links", "_merge_components", "_merge_nodes"):
        session.execute(f"drop view if exists {view}")
    return pa.table({
        "absorbed_id": pa.array(rows["absorbed_id"], pa.string()),
        "surviving_id": pa.array(rows["surviving_id"], pa.string()),
        "merged_at": pa.array(rows["merged_at"], pa.timestamp("us", tz="UTC")),
        "rule": pa.array(rows["rule"], pa.string()),
    })
