"""The connected components of the part of the identity graph this run recomputes, on node ids.

Reads the part's nodes (int_identity__graph_part) and links (int_identity__graph_links) and only
computes, per node, in numpy:

- component: siyu.identity.components.connected_components (hook and compress), exact on a chain of
  any length (SQL label propagation needs one pass per hop); where an operator's `separate` pair
  sits in one component, separated_components takes that component's links in order (operators'
  links first, by decision time, then the evidence as it arrived; ties by the nodes' anchor rank)
  and skips the ones that would join the pair. A component's label is its smallest node id.
- rule_mask: the rules of the node's kept links as bits (int_identity__graph names them);
- replay: the component may hold two customers that existed apart and were joined
  (siyu.identity.node_flags), for int_identity__merge_events;
- split_from: for every node of a component a separation split, the component it would have been
  whole (null elsewhere).

Everything else (which part, anchors, customer_id) is SQL: int_identity__graph_part and
int_identity__graph.
"""

import numpy as np
import pyarrow as pa


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.identity.components import connected_components
    from siyu.identity.model_config import arrow_ints
    from siyu.identity.node_flags import node_flags

    dbt.ref("int_identity__graph_part").create_view("_components_nodes", replace=True)
    dbt.ref("int_identity__graph_links").create_view("_components_links", replace=True)
    count = session.execute("select count(*) from _components_nodes").fetchall()[0][0]
    links = session.execute("""
        select src, dst, bit, joins_existing, newer_than_src, newer_than_dst
        from _components_links where not separates
    """).fetchnumpy()
    src, dst = links["src"], links["dst"]
    evidence_component = connected_components(count, src, dst)
    component = _separate(session, evidence_component)
    kept = component[src] == component[dst]  # the links a separation skipped tie nothing
    rule_mask, replay = node_flags(
        count,
        component,
        src[kept],
        dst[kept],
        links["bit"][kept],
        links["joins_existing"][kept],
        links["newer_than_src"][kept],
        links["newer_than_dst"][kept],
    )
    split = component != evidence_component
    split_from = np.where(np.isin(evidence_component, evidence_component[split]), evidence_component, -1)
    labels = pa.Table.from_arrays(
        [
            arrow_ints(np.arange(count, dtype=np.int32)),
            arrow_ints(component.astype(np.int32)),
            arrow_ints(rule_mask),
            arrow_ints(replay.astype(np.int8)),
            arrow_ints(split_from.astype(np.int32)),
        ],
        names=["node_id", "component", "rule_mask", "replay", "split_from"],
    )
    session.register("_components_arrow", labels)
    session.execute("""
        create or replace temp table _components as
        select node_id, component, rule_mask, replay = 1 as replay, nullif(split_from, -1) as split_from
        from _components_arrow
    """).fetchall()
    session.unregister("_components_arrow")
    for view in ("_components_nodes", "_components_links"):
        session.execute(f"drop view if exists {view}")
    return session.sql("select * from _components")


def _separate(session, component):
    """The components once operators' separations are kept (separated_components), on the
    components holding both nodes of a `separate` pair; ``component`` itself when there is none."""
    from siyu.identity.components import separated_components
    from siyu.identity.model_config import arrow_ints

    pairs = session.execute("select src as a, dst as b from _components_links where separates").fetchnumpy()
    together = component[pairs["a"]] == component[pairs["b"]]
    if not together.any():
        return component
    held = np.isin(component, component[pairs["a"][together]])
    session.register(
        "_components_held", pa.table({"node_id": arrow_ints(np.flatnonzero(held).astype(np.int32))})
    )
    # the links of those components in the order they are taken; ties broken by the identifiers'
    # anchor order, never by node ids (which differ between builds)
    links = session.execute("""
        with ranked as (
            select node_id, anchor_rank from _components_nodes semi join _components_held using (node_id)
        )
        select l.src, l.dst
        from _components_links l join ranked s on s.node_id = l.src join ranked d on d.node_id = l.dst
        where not l.separates
        order by l.priority, l.first_landed_on nulls last, l.first_seen_at nulls last, l.rule,
                 least(s.anchor_rank, d.anchor_rank), greatest(s.anchor_rank, d.anchor_rank)
    """).fetchnumpy()
    session.unregister("_components_held")
    return separated_components(
        component, links["src"], links["dst"], pairs["a"][together], pairs["b"][together]
    )
