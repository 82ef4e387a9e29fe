"""Connected components on integer node ids, against a plain union-find."""

from __future__ import annotations

import numpy as np
import pytest

from siyu.identity.components import connected_components


def reference(count: int, src, dst) -> list[int]:
    parent = list(range(count))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(src, dst, strict=True):
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(x) for x in range(count)]


def test_a_chain_in_any_order_is_one_component():
    rng = np.random.default_rng(1)
    for order in (np.arange(1000), np.arange(1000)[::-1], rng.permutation(1000)):
        labels = connected_components(1000, order[:-1], order[1:])
        assert set(labels.tolist()) == {0}


def test_isolated_nodes_self_loops_and_repeated_edges():
    labels = connected_components(6, np.array([1, 3, 3, 4]), np.array([1, 4, 4, 3]))
    assert labels.tolist() == [0, 1, 2, 3, 3, 5]
    assert connected_components(3, np.array([], np.int32), np.array([], np.int32)).tolist() == [0, 1, 2]


@pytest.mark.parametrize("seed", range(20))
def test_random_graphs_match_a_plain_union_find(seed):
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 3000))
    edges = int(rng.integers(0, 2 * count))
    src, dst = rng.integers(0, count, edges), rng.integers(0, count, edges)
    # the smallest node id of each component labels it, as the reference's roots do
    assert connected_components(count, src, dst).tolist() == reference(count, src, dst)


def test_a_separation_skips_the_link_that_would_join_the_pair_and_later_ones():
    from siyu.identity.components import separated_components

    # a chain 0-1-2-3-4 taken in that order; 0 and 3 separated: 2-3 is skipped, 3-4 taken
    src, dst = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4])
    component = connected_components(6, src, dst)
    labels = separated_components(component, src, dst, np.array([0]), np.array([3]))
    assert labels.tolist() == [0, 0, 0, 3, 3, 5]
    # a second path closing the gap later is skipped too
    src2, dst2 = np.append(src, 4), np.append(dst, 1)
    component2 = connected_components(6, src2, dst2)
    labels = separated_components(component2, src2, dst2, np.array([0]), np.array([3]))
    assert labels.tolist() == [0, 0, 0, 3, 3, 5]
    # the same links newest first: the cut moves to the link taken last (0-1)
    labels = separated_components(component, src[::-1], dst[::-1], np.array([0]), np.array([3]))
    assert labels.tolist() == [0, 1, 1, 1, 1, 5]
