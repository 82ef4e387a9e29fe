"""node_flags: the rules on each node's links and the components the merge log must replay."""

from __future__ import annotations

import numpy as np

from siyu.identity.components import connected_components
from siyu.identity.node_flags import node_flags


def flags(count, links):
    """links: (src, dst, rule bit, joins_existing, newer_than_src, newer_than_dst)."""
    src, dst, bit, joins, newer_src, newer_dst = (np.array(c) for c in zip(*links, strict=True))
    component = connected_components(count, src, dst)
    return node_flags(count, component, src, dst, bit, joins, newer_src, newer_dst)


def test_rules_are_a_bit_set_per_node_and_a_node_without_links_has_none():
    mask, _ = flags(4, [(0, 1, 0, False, False, False), (1, 2, 3, False, False, False)])
    assert mask.tolist() == [0b1, 0b1001, 0b1000, 0]


def test_evidence_newer_than_both_ends_replays_the_whole_component():
    # 0-1 joined by new evidence; 1-2 old; 3-4 old: only the first component is replayed
    _, replay = flags(5, [(0, 1, 0, True, True, True), (1, 2, 0, False, False, False),
                          (3, 4, 0, False, False, False)])  # fmt: skip
    assert replay.tolist() == [True, True, True, False, False]


def test_a_new_node_with_two_links_to_older_ones_is_a_bridge():
    # node 2 arrived with two pieces of evidence, each tying it to an older node (0 and 4): a bridge.
    # node 5 has one such link only: it just joined an existing customer.
    links = [(2, 0, 0, False, False, True), (4, 2, 1, False, True, False), (5, 6, 0, False, False, True)]
    _, replay = flags(7, links)
    assert replay.tolist() == [True, False, True, False, True, False, False]
