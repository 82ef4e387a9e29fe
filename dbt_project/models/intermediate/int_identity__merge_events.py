"""When two customers became one: a replay of the merging evidence in the order it was first seen.

An edge whose evidence is newer than both of its identifiers joins two customers that existed
before it (an edge seen together with a new identifier only gives an existing customer one more
identifier). Only components holding such an edge are replayed, with a union-find whose root is the
earliest-seen identifier: when two sets meet, the later anchor's customer_id is absorbed by the
earlier one's. Replaying evidence instead of diffing runs makes the log the same whichever dates
were built, and a re-run of a date rebuilds it identically.
"""

import numpy as np
import pyarrow as pa


def _find(parent: dict, x: int) -> int:
    root = x
    while parent.get(root, root) != root:
        root = parent[root]
    while parent.get(x, x) != root:  # path compression
        parent[x], x = root, parent[x]
    return root


def model(dbt, session):
    dbt.config(materialized="table")
    nodes = dbt.ref("int_identity__nodes").query(
        "nodes", "select node_rank, epoch_us(first_seen_at) as seen, own_customer_id from nodes").fetchnumpy()
    seen = dict(zip(nodes["node_rank"].tolist(), nodes["seen"].tolist(), strict=True))
    own_id = dict(zip(nodes["node_rank"].tolist(), nodes["own_customer_id"].tolist(), strict=True))
    components = dbt.ref("int_identity__components").query(
        "c", "select node_rank, anchor_rank from c").fetchnumpy()
    anchor_of = np.zeros(int(components["node_rank"].max(initial=0)) + 1, dtype=np.int64)
    anchor_of[components["node_rank"]] = components["anchor_rank"]
    links = dbt.ref("int_identity__links").query("links", """
        select src, dst, rule, epoch_us(first_seen_at) as at_us,
               epoch_us(first_seen_at) > greatest(epoch_us(src_first_seen_at), epoch_us(dst_first_seen_at))
                   as joins_existing
        from links order by at_us, rule, src, dst
    """).fetchnumpy()
    src = np.asarray(links["src"], dtype=np.int64)
    replay = np.isin(anchor_of[src], np.unique(anchor_of[src[np.asarray(links["joins_existing"], bool)]]))
    links = {k: np.asarray(v)[replay] for k, v in links.items()}
    parent: dict[int, int] = {}
    rows = {"absorbed_id": [], "surviving_id": [], "merged_at_us": [], "rule": []}
    for src, dst, at_us, rule in zip(links["src"].tolist(), links["dst"].tolist(), links["at_us"].tolist(),
                                     links["rule"].tolist(), strict=True):
        a, b = _find(parent, src), _find(parent, dst)
        if a == b:
            continue
        root, other = min(a, b), max(a, b)  # lower rank = seen earlier: the older customer survives
        parent[other] = root
        if at_us > seen[other]:  # the absorbed customer existed before this evidence
            rows["absorbed_id"].append(own_id[other])
            rows["surviving_id"].append(own_id[root])
            rows["merged_at_us"].append(at_us)
            rows["rule"].append(rule)
    return pa.table({
        "absorbed_id": pa.array(rows["absorbed_id"], pa.string()),
        "surviving_id": pa.array(rows["surviving_id"], pa.string()),
        "merged_at": pa.array(np.array(rows["merged_at_us"], dtype="int64"), pa.timestamp("us", tz="UTC")),
        "rule": pa.array(rows["rule"], pa.string()),
    })
