"""The merge log's replay per component (Spark's siyu_merge_replay) equals the replay of every
component at once (the DuckDB model's)."""

import numpy as np

from siyu.identity.merge_replay import replay
from siyu.spark_identity import replay_component


def test_replaying_each_component_alone_gives_the_same_log():
    rng = np.random.default_rng(3)
    nodes, component = 60, rng.integers(0, 6, 60)  # 6 components; a link stays inside one
    seen, landed = rng.integers(0, 50, nodes), rng.integers(0, 5, nodes)
    links = [(a, b) for a in range(nodes) for b in range(nodes) if a != b and component[a] == component[b]]
    picked = [links[i] for i in rng.choice(len(links), 120, replace=False)]
    src, dst = (np.array(side, np.int64) for side in zip(*picked, strict=True))
    link_seen, link_landed = rng.integers(0, 60, len(picked)), rng.integers(0, 6, len(picked))
    absorbed, surviving, ordinal = replay(seen, landed, src, dst, link_seen, link_landed)
    whole = set(zip(absorbed.tolist(), surviving.tolist(), ordinal.tolist(), strict=True))
    per_component = set()
    for c in set(component.tolist()):
        members = [{"node_rank": i, "seen": int(seen[i]), "landed": int(landed[i])} for i in range(nodes)]
        members = [m for m in members if component[m["node_rank"]] == c]
        own = [
            {"ordinal": o, "src": int(src[o]), "dst": int(dst[o]), "seen": int(link_seen[o])}
            | {"landed": int(link_landed[o])}
            for o in range(len(picked))
            if component[src[o]] == c
        ]
        per_component |= set(replay_component(members[::-1], own[::-1]))  # any order in
    assert per_component == whole and len(whole) > 10
