"""The merge log's session function on Spark (issue 22): ``siyu_merge_replay``.

``siyu_merge_replay(nodes, links)``: one component's nodes (node_rank, seen, landed; any order) and
merging links (ordinal, src, dst, seen, landed: ranks and integers, as the DuckDB model moves them)
replayed by siyu.identity.merge_replay.replay, the union-find int_identity__merge_events runs over
every component at once; returns the unions that absorbed a customer as (absorbed, surviving,
ordinal) in global ranks and ordinals. The SQL model (models/intermediate/spark/) groups by component.
"""

from __future__ import annotations

import numpy as np

RESULT = "array<struct<absorbed: bigint, surviving: bigint, ordinal: bigint>>"


def replay_component(nodes: list, links: list) -> list[tuple[int, int, int]]:
    from siyu.identity.merge_replay import replay

    nodes = sorted(nodes, key=lambda n: n["node_rank"])
    links = sorted(links, key=lambda k: k["ordinal"])
    local = {n["node_rank"]: i for i, n in enumerate(nodes)}  # rank order kept: the oldest is lowest
    absorbed, surviving, ordinal = replay(
        np.array([n["seen"] for n in nodes], np.int64),
        np.array([n["landed"] for n in nodes], np.int64),
        np.array([local[k["src"]] for k in links], np.int64),
        np.array([local[k["dst"]] for k in links], np.int64),
        np.array([k["seen"] for k in links], np.int64),
        np.array([k["landed"] for k in links], np.int64),
    )
    ranks = [n["node_rank"] for n in nodes]
    return [
        (ranks[a], ranks[s], links[o]["ordinal"])
        for a, s, o in zip(absorbed.tolist(), surviving.tolist(), ordinal.tolist(), strict=True)
    ]


def register(spark) -> None:
    def merge_replay(nodes, links):
        return replay_component(nodes or [], links or [])

    spark.udf.register("siyu_merge_replay", merge_replay, RESULT)
