"""Connected components of an undirected graph on integer node ids, in numpy.

Hook and compress: every edge whose ends sit in different trees hooks the larger root under the
smaller one (``np.minimum.at``), then pointer jumping flattens every tree to its root; repeat until
no edge crosses two trees. Each round keeps only the crossing edges; few rounds are needed (3 on
the 1M-people benchmark graph, 12 on a shuffled 200,000-node chain), and the result is exact
whatever their number. At a million people it is as fast as scipy's ``connected_components``
(0.16 s against 0.20 s) and spares the model's process the import of scipy.sparse (0.45-0.8 s,
longer than the search itself).
"""

from __future__ import annotations

import numpy as np


def connected_components(count: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The component of each node 0..count-1: the smallest node id in it."""
    dtype = np.int32 if count < np.iinfo(np.int32).max else np.int64
    parent = np.arange(count, dtype=dtype)
    src, dst = np.asarray(src, dtype), np.asarray(dst, dtype)
    while len(src):
        src_root, dst_root = parent[src], parent[dst]
        crossing = src_root != dst_root
        if not crossing.any():
            break
        src, dst = src[crossing], dst[crossing]
        src_root, dst_root = src_root[crossing], dst_root[crossing]
        # roots only ever point to a smaller id: no cycles, and the smallest id ends up the root
        np.minimum.at(parent, np.maximum(src_root, dst_root), np.minimum(src_root, dst_root))
        while True:
            grandparent = parent[parent]
            if np.array_equal(grandparent, parent):
                break
            parent = grandparent
    return parent


def separated_components(
    component: np.ndarray, src: np.ndarray, dst: np.ndarray, pair_a: np.ndarray, pair_b: np.ndarray
) -> np.ndarray:
    """Components that keep operators' separations: ``component`` relabelled where the links
    (src, dst), taken in the order given, would join a separated pair (pair_a[i], pair_b[i]).

    A union-find takes the links in order and skips a link that would put both nodes of a pair in
    one set: the evidence that arrived first stands, and the link that would close the gap (and any
    later one) does not. Only the links of the components holding a pair are passed (a handful of
    customers: plain Python). A set's label is its smallest node id, as in connected_components.
    """
    label = np.array(component, copy=True)
    partners: dict[int, set[int]] = {}
    for a, b in zip(pair_a.tolist(), pair_b.tolist(), strict=True):
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    parent: dict[int, int] = {}
    separated = {node: {node} for node in partners}  # a set's root -> its nodes that have partners

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(src.tolist(), dst.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        held_a, held_b = separated.get(ra, set()), separated.get(rb, set())
        if any(partners[x] & held_b for x in held_a):
            continue
        root, other = (ra, rb) if ra < rb else (rb, ra)
        parent[other] = root
        if held_a or held_b:
            separated[root] = held_a | held_b
    nodes = np.unique(np.concatenate([src, dst])) if len(src) else np.zeros(0, np.int64)
    label[nodes] = [find(int(n)) for n in nodes]
    return label
