"""Per-node facts the identity graph model derives from its links, in numpy on integer node ids
(aggregating millions of links in SQL, with a rule name on each, cost more than the rest of the model).
"""

from __future__ import annotations

import numpy as np


def node_flags(
    count: int,
    component: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    rule_bit: np.ndarray,
    joins_existing: np.ndarray,
    newer_than_src: np.ndarray,
    newer_than_dst: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For nodes 0..count-1 and links (src, dst) with their rule's bit number:

    - rule_mask: the rules of the node's links as a bit set (0: no link);
    - replay: the node's component may hold two customers that existed apart and were joined. Either
      some node has a link whose evidence is newer than both its ends (``joins_existing``), or a node
      has two links each newer than their other end: a new identifier that arrived with two pieces
      of evidence at once, bridging two older customers (``newer_than_dst`` on a link read from its
      src says the evidence ties src to an older dst, and the other way round).
    """
    bit = np.left_shift(np.int64(1), np.asarray(rule_bit, np.int64))
    rule_mask = np.zeros(count, np.int64)
    np.bitwise_or.at(rule_mask, src, bit)
    np.bitwise_or.at(rule_mask, dst, bit)
    joins = np.asarray(joins_existing, np.float64)
    joined = (np.bincount(src, joins, count) + np.bincount(dst, joins, count)) > 0
    to_older = np.bincount(src, np.asarray(newer_than_dst, np.float64), count) + np.bincount(
        dst, np.asarray(newer_than_src, np.float64), count
    )
    flagged = np.zeros(count, bool)
    flagged[component[joined | (to_older >= 2)]] = True
    return rule_mask, flagged[component]
