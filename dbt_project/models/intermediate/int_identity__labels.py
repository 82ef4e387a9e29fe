"""Connected components of the identity graph: each node's anchor (the component's minimum node_rank).

scipy's connected_components is a linear-time graph search in C: exact on a chain of any length,
where SQL label propagation needs one iteration per hop (pointer jumping cuts that to log n, but
each iteration still rescans the edges).
"""

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def model(dbt, session):
    dbt.config(materialized="table")
    ranks = dbt.ref("int_identity__nodes").query(
        "nodes", "select node_rank from nodes order by node_rank").fetchnumpy()["node_rank"]
    links = dbt.ref("int_identity__links").fetchnumpy()
    n = int(ranks.max()) + 1 if len(ranks) else 1
    src, dst = np.asarray(links["src"], dtype=np.int64), np.asarray(links["dst"], dtype=np.int64)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    anchor = np.full(component.max() + 1, n, dtype=np.int64)
    np.minimum.at(anchor, component[ranks], ranks)
    import pyarrow as pa

    return pa.table({"node_rank": ranks.astype(np.int64), "anchor_rank": anchor[component[ranks]]})
