"""The merge log's replay (int_identity__merge_events): a union-find over the merging edges in the
order their evidence arrived, on integers only (ranks, epoch microseconds, day numbers). Shared by the
DuckDB Python model and, per component, by the session function ``siyu_merge_replay`` on Spark
(siyu.spark_identity): components never share an edge, so replaying each alone gives the same log."""

from __future__ import annotations

import numpy as np


def replay(node_seen, node_landed, src, dst, edge_seen, edge_landed):
    """Union-find over the edges in arrival order; the root of a set is its lowest rank (its oldest
    identifier). Returns (absorbed root, surviving root, edge ordinal) for every union whose evidence
    is newer than the absorbed customer (seen later, or landed in a later partition)."""
    parent = list(range(len(node_seen)))
    node_seen, node_landed = node_seen.tolist(), node_landed.tolist()
    absorbed, surviving, ordinals = [], [], []
    for ordinal, (a, b, seen, landed) in enumerate(
        zip(src.tolist(), dst.tolist(), edge_seen.tolist(), edge_landed.tolist(), strict=True)
    ):
        a, b = _find(parent, a), _find(parent, b)
        if a == b:
            continue
        root, other = (a, b) if a < b else (b, a)  # lower rank = seen earlier: the older survives
        parent[other] = root
        if seen > node_seen[other] or landed > node_landed[other]:
            absorbed.append(other)
            surviving.append(root)
            ordinals.append(ordinal)
    return np.array(absorbed, np.int64), np.array(surviving, np.int64), np.array(ordinals, np.int64)


def _find(parent: list, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root
