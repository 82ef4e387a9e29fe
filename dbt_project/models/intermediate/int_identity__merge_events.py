"""When two customers became one: a replay of the merging evidence in the order it was first seen.

An edge whose evidence is newer than both of its identifiers joins two customers that existed
before it (an edge seen together with a new identifier only gives an existing customer one more
identifier). Newer means seen later in the sources, or landed in a later lake partition than both
ends: a customer built yesterday and absorbed today is logged even when the evidence that joined
them carries an older source timestamp. Only the components holding such an edge (int_identity__graph's
replay flag) are replayed, with a union-find whose root is the oldest identifier (lowest node_rank, in
the anchor order): when two sets meet, the later anchor's customer_id is absorbed by the earlier one's.
Replaying evidence instead of diffing runs makes the log the same whichever dates were built, and a
re-run of a date rebuilds it identically.
"""

import hashlib


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
    from siyu.identity.model_config import config_list, type_rank_sql

    type_rank = type_rank_sql(config_list(dbt.config.get("identifier_type_order")))
    dbt.ref("int_identity__edges").create_view("_merge_edges", replace=True)
    dbt.ref("int_identity__graph").create_view("_merge_graph", replace=True)
    # The replayed components' nodes, ranked oldest first (the anchor order of int_identity__graph);
    # then their merging edges, in the order the evidence arrived.
    edges = session.sql(f"""
        with nodes as (
            select *, row_number() over (
                order by first_landed_on nulls last, first_seen_at nulls last,
                         {type_rank}, identifier) as node_rank
            from _merge_graph where replay
        ),
        links as (
            select l.node_rank as src, r.node_rank as dst, e.rule,
                   min(e.first_seen_at) as first_seen_at, min(e.first_landed_on) as first_landed_on
            from _merge_edges e
            join nodes l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
            join nodes r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
            where e.merges and l.node_rank <> r.node_rank
            group by all
        )
        select k.src, k.dst, k.rule, k.first_seen_at, k.first_landed_on,
               s.first_seen_at, s.identifier_type, s.identifier, s.first_landed_on,
               d.first_seen_at, d.identifier_type, d.identifier, d.first_landed_on
        from links k
        join nodes s on s.node_rank = k.src
        join nodes d on d.node_rank = k.dst
        order by k.first_landed_on, k.first_seen_at, k.rule, k.src, k.dst
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
    for view in ("_merge_edges", "_merge_graph"):
        session.execute(f"drop view if exists {view}")
    # Lists bound as parameters go to DuckDB without pyarrow, whose first Python-object conversion
    # imports pandas (a second on a cold process): this model is usually a handful of rows.
    session.execute("""
        create or replace temp table _merge_log as
        select unnest($1::varchar[]) as absorbed_id, unnest($2::varchar[]) as surviving_id,
               unnest($3::timestamptz[]) as merged_at, unnest($4::varchar[]) as rule
    """, [rows["absorbed_id"], rows["surviving_id"], rows["merged_at"], rows["rule"]]).fetchall()
    return session.sql("select * from _merge_log")
