"""The identity graph resolved: every identifier, its connected component and its customer_id.

Nodes are the identifiers some rule names as its subject or a merging rule links to, minus the
quarantine; links are the merging edges between them. Everything between reading the evidence and
writing one row per identifier happens on integer node ids in this connection's memory (temporary
tables): the graph is a few million rows at a million people, and writing the nodes, links and
labels out as tables of their own cost more than computing them.

- Components: siyu.identity.components (hook and compress in numpy), exact on a chain of any
  length (SQL label propagation needs one pass per hop).
- Anchor: a component's oldest identifier, by (first_landed_on, first_seen_at, type order in var
  identifier_type_order, value). The first landing date (the first lake partition holding the
  identifier) comes first so that evidence landing later never outranks an identifier the
  warehouse already knew, even when it carries an earlier source timestamp: a customer keeps its
  id until it merges into an older one. The value breaks the last ties, so the anchor never
  depends on row order. customer_id derives from the anchor (macros/identity.sql: customer_id).
- matched_by: 'anchor', or the merging rules that tie the identifier to others.
- replay: the component may hold two customers that existed apart and were joined, and
  int_identity__merge_events replays it to log who absorbed whom. Either an edge's evidence is
  newer than both its ends (seen later in the sources, or landed later than both), or an identifier
  has two links each newer than its other end: a new identifier that arrived with two pieces of
  evidence at once, bridging two older customers (a phone authorised in the mini-program and noted
  by staff in the same instant). Flagging a component that turns out to hold no merge costs only
  its replay.
- last_seen_at: the latest dated evidence; in_latest_snapshot: WeCom's latest snapshot still holds
  evidence of it (customer_identifiers dates that to the snapshot).

Kept incrementally (macros/incremental_state.sql). The evidence only grows and the quarantine only
widens, so a component changes only where new evidence or a newly quarantined identifier touches
it: a run takes the identifiers on the evidence and quarantine written since its last build, the
customers they belong to, and every identifier of those customers; it recomputes just that part of
the graph (closed: any link of such an identifier ends in it) and replaces those customers' rows.
Every other customer is untouched, and its id cannot change: its anchor is still its oldest
identifier. A day without new evidence costs two scans of a date column.
"""

import re

import numpy as np
import pyarrow as pa


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", on_schema_change="fail")
    from siyu.identity.components import connected_components
    from siyu.identity.model_config import arrow_ints, config_list, customer_id_sql, type_rank_sql, watermark
    from siyu.identity.node_flags import node_flags

    type_rank = type_rank_sql(config_list(dbt.config.get("identifier_type_order")))
    run_date = dbt.config.get("run_date")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", run_date)

    dbt.ref("int_identity__edges").create_view("_graph_all_edges", replace=True)
    dbt.ref("int_identity__quarantine").create_view("_graph_quarantine", replace=True)
    since = watermark(session, dbt.this) if dbt.is_incremental else None
    if since is None:
        session.execute("create or replace temp view _graph_edges as select * from _graph_all_edges").fetchall()
    elif not _take_changed_part(session, dbt.this, since, run_date):
        return session.sql(f"select * from {dbt.this} limit 0")  # nothing new: nothing to rewrite
    # Node ids in whatever order the aggregation yields: only ever compared for equality.
    session.execute("""
        create or replace temp table _graph_nodes as
        with sides as (
            select left_type as identifier_type, left_identifier as identifier,
                   first_seen_at, last_seen_at, first_landed_on, source
            from _graph_edges
            union all
            select right_type, right_identifier, first_seen_at, last_seen_at, first_landed_on, source
            from _graph_edges
            where right_identifier is not null and merges
        ),
        nodes as (
            select identifier_type, identifier, min(first_seen_at) as first_seen_at,
                   max(last_seen_at) as last_seen_at, min(first_landed_on) as first_landed_on,
                   -- WeCom evidence the latest snapshot still holds has no last_seen_at yet
                   bool_or(last_seen_at is null and source like 'wecom.%') as in_latest_snapshot
            from sides
            anti join _graph_quarantine using (identifier_type, identifier)
            group by identifier_type, identifier
        )
        select cast(row_number() over () - 1 as integer) as node_id, * from nodes
    """).fetchall()
    # The merging links on node ids, with what the replay flag needs: the rule (as its bit: its
    # position in `rules`), and whether the evidence is newer than its ends (a comparison with an
    # unknown time counts as no).
    rules = [r for (r,) in session.execute(
        "select distinct rule from _graph_edges where merges order by rule").fetchall()]
    links = session.execute("""
        select l.node_id as src, r.node_id as dst, cast(list_position(?, e.rule) - 1 as tinyint) as bit,
               coalesce(e.first_seen_at > greatest(l.first_seen_at, r.first_seen_at)
                        or e.first_landed_on > greatest(l.first_landed_on, r.first_landed_on),
                        false) as joins_existing,
               -- the evidence is newer than one end: it ties the other end to something older
               coalesce(e.first_seen_at > l.first_seen_at or e.first_landed_on > l.first_landed_on,
                        false) as newer_than_src,
               coalesce(e.first_seen_at > r.first_seen_at or e.first_landed_on > r.first_landed_on,
                        false) as newer_than_dst
        from _graph_edges e
        join _graph_nodes l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
        join _graph_nodes r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
        where e.merges and l.node_id <> r.node_id
    """, [rules]).fetchnumpy()

    count = session.execute("select count(*) from _graph_nodes").fetchall()[0][0]
    src, dst = links["src"], links["dst"]
    component = connected_components(count, src, dst)
    rule_mask, replay = node_flags(
        count, component, src, dst, links["bit"],
        links["joins_existing"], links["newer_than_src"], links["newer_than_dst"],
    )
    labels = pa.Table.from_arrays(
        [arrow_ints(np.arange(count, dtype=np.int32)), arrow_ints(component.astype(np.int32)),
         arrow_ints(rule_mask), arrow_ints(replay.astype(np.int8))],
        names=["node_id", "component", "rule_mask", "replay"],
    )
    session.register("_graph_labels_arrow", labels)
    session.execute("""
        create or replace temp table _graph_components as
        select n.*, l.component, l.rule_mask, l.replay = 1 as replay
        from _graph_nodes n join _graph_labels_arrow l using (node_id)
    """).fetchall()
    session.unregister("_graph_labels_arrow")
    # matched_by: the rules of a node's links, by name, for each set of rules some node has (as
    # query parameters: pyarrow's conversion of Python values imports pandas, a second here)
    masks = [int(m) for m in np.unique(rule_mask) if m]
    names = [",".join(rule for b, rule in enumerate(rules) if (m >> b) & 1) for m in masks]
    session.execute("""
        create or replace temp table _graph_rule_sets as
        select unnest(?::bigint[]) as rule_mask, unnest(?::varchar[]) as rules
    """, [masks, names]).fetchall()

    # Returned as a relation over the temporary tables: dbt writes it straight from DuckDB.
    return session.sql(f"""
        with anchors as (
            -- the anchor's node id only: carrying its strings through the aggregate costs more
            -- than looking them up for the million anchors afterwards
            select component,
                   arg_min(node_id, (coalesce(first_landed_on, date '9999-12-31'),
                                     coalesce(first_seen_at, timestamptz 'infinity'),
                                     {type_rank},
                                     identifier)) as anchor_id
            from _graph_components
            group by component
        ),
        customers as (
            select a.component, a.anchor_id,
                   {customer_id_sql("n.identifier_type", "n.identifier")} as customer_id
            from anchors a join _graph_nodes n on n.node_id = a.anchor_id
        )
        select
            n.identifier_type,
            n.identifier,
            c.customer_id,
            case when n.node_id = c.anchor_id then 'anchor' else s.rules end as matched_by,
            n.node_id = c.anchor_id as is_anchor,
            n.first_seen_at,
            n.last_seen_at,
            n.in_latest_snapshot,
            n.first_landed_on,
            n.replay,
            date '{run_date}' as written_on
        from _graph_components n
        join customers c using (component)
        left join _graph_rule_sets s using (rule_mask)
    """)


def _take_changed_part(session, this, since: str, run_date: str) -> bool:
    """Point _graph_edges at the part of the graph the evidence and quarantine written since
    ``since`` touch, and delete that part's rows from ``this``. False when nothing was written."""
    from siyu.identity.model_config import written_since

    changed = written_since(since, run_date)
    session.execute(f"""
        create or replace temp table _graph_seeds as
        select left_type as identifier_type, left_identifier as identifier
        from _graph_all_edges where {changed}
        union
        select right_type, right_identifier
        from _graph_all_edges where {changed} and merges and right_identifier is not null
        union
        select identifier_type, identifier from _graph_quarantine where {changed}
    """).fetchall()
    if not session.execute("select count(*) from _graph_seeds").fetchall()[0][0]:
        return False
    session.execute(f"""
        create or replace temp table _graph_customers as
        select distinct customer_id from {this} join _graph_seeds using (identifier_type, identifier)
    """).fetchall()
    session.execute(f"""
        create or replace temp table _graph_part as
        select identifier_type, identifier from {this} semi join _graph_customers using (customer_id)
        union
        select identifier_type, identifier from _graph_seeds
    """).fetchall()
    # Every link of the part starts in it: a merging link's ends are in one customer, or one of
    # them is new evidence (a seed). So the links whose left end is in the part are all it has.
    session.execute("""
        create or replace temp table _graph_part_edges as
        select e.* from _graph_all_edges e
        semi join _graph_part p on p.identifier_type = e.left_type and p.identifier = e.left_identifier
    """).fetchall()
    session.execute("create or replace temp view _graph_edges as select * from _graph_part_edges").fetchall()
    session.execute(f"delete from {this} where customer_id in (select customer_id from _graph_customers)").fetchall()
    return True
