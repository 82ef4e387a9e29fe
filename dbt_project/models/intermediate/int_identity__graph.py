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
- Operators' overrides (int_identity__overrides): a `junk` identifier is cut like the quarantine;
  a `link` is one more merging link (rule `operator`) between two identifiers the evidence knows
  (a link to an identifier not landed yet waits for it); a `separate` pair never shares a
  customer: in a component holding one, siyu.identity.components.separated_components takes the
  links in order (operators' links first, by decision time, then the evidence as it arrived) and
  skips the ones that would join the pair. The part holding the component's oldest identifier
  keeps its id (the anchor rule); unmerged_from is the id the whole component would have had, for
  every identifier of a component so split (null elsewhere).
- last_seen_at: the latest dated evidence; in_latest_snapshot: WeCom's latest snapshot still holds
  evidence of it (customer_identifiers dates that to the snapshot).

Kept incrementally (macros/incremental_state.sql). The evidence only grows and the quarantine only
widens, so a component changes only where new evidence or a newly quarantined identifier touches
it, or a decision of an operator changes: a run takes the identifiers on the evidence, quarantine
and decisions written since its last build (a decision's: with their neighbours), the customers
they belong to (with every customer split from the same component, and the other end of a
decision), and every identifier of those customers; it recomputes just that part of
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
    dbt.ref("int_identity__overrides").create_view("_graph_all_overrides", replace=True)
    session.execute("""
        create or replace temp table _graph_overrides as
        select * from _graph_all_overrides where rejected_reason is null and revoked_on is null
    """).fetchall()
    session.execute("""
        create or replace temp view _graph_cut as
        select identifier_type, identifier from _graph_quarantine
        union
        select left_type, left_identifier from _graph_overrides where action = 'junk'
    """).fetchall()
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
            anti join _graph_cut using (identifier_type, identifier)
            group by identifier_type, identifier
        )
        select cast(row_number() over () - 1 as integer) as node_id, * from nodes
    """).fetchall()
    # The merging links on node ids, with what the replay flag needs: the rule (as its bit: its
    # position in `rules`), and whether the evidence is newer than its ends (a comparison with an
    # unknown time counts as no); and the order separated_components takes them in (`priority`:
    # operators' links first, by decision time; then the evidence as it arrived). Operators' links
    # join identifiers the evidence knows: they make no node.
    rules = [r for (r,) in session.execute("""
        select distinct rule from _graph_edges where merges
        union select 'operator' from _graph_overrides where action = 'link' order by 1""").fetchall()]
    session.execute("""
        create or replace temp table _graph_links as
        with merging as (
            select rule, left_type, left_identifier, right_type, right_identifier,
                   first_seen_at, first_landed_on, 1 as priority
            from _graph_edges where merges
            union all
            select 'operator', left_type, left_identifier, right_type, right_identifier,
                   decided_at, cast(decided_at as date), 0
            from _graph_overrides where action = 'link'
        )
        select l.node_id as src, r.node_id as dst, cast(list_position(?, e.rule) - 1 as tinyint) as bit,
               coalesce(e.first_seen_at > greatest(l.first_seen_at, r.first_seen_at)
                        or e.first_landed_on > greatest(l.first_landed_on, r.first_landed_on),
                        false) as joins_existing,
               -- the evidence is newer than one end: it ties the other end to something older
               coalesce(e.first_seen_at > l.first_seen_at or e.first_landed_on > l.first_landed_on,
                        false) as newer_than_src,
               coalesce(e.first_seen_at > r.first_seen_at or e.first_landed_on > r.first_landed_on,
                        false) as newer_than_dst,
               e.priority, e.first_landed_on, e.first_seen_at, e.rule
        from merging e
        join _graph_nodes l on l.identifier_type = e.left_type and l.identifier = e.left_identifier
        join _graph_nodes r on r.identifier_type = e.right_type and r.identifier = e.right_identifier
        where l.node_id <> r.node_id
    """, [rules]).fetchall()
    links = session.execute(
        "select src, dst, bit, joins_existing, newer_than_src, newer_than_dst from _graph_links"
    ).fetchnumpy()

    count = session.execute("select count(*) from _graph_nodes").fetchall()[0][0]
    src, dst = links["src"], links["dst"]
    evidence_component = connected_components(count, src, dst)
    component = _separate(session, evidence_component, type_rank)
    kept = component[src] == component[dst]  # the links a separation skipped tie nothing
    rule_mask, replay = node_flags(
        count, component, src[kept], dst[kept], links["bit"][kept],
        links["joins_existing"][kept], links["newer_than_src"][kept], links["newer_than_dst"][kept],
    )
    split = (component != evidence_component)
    split_from = np.where(np.isin(evidence_component, evidence_component[split]), evidence_component, -1)
    labels = pa.Table.from_arrays(
        [arrow_ints(np.arange(count, dtype=np.int32)), arrow_ints(component.astype(np.int32)),
         arrow_ints(rule_mask), arrow_ints(replay.astype(np.int8)), arrow_ints(split_from.astype(np.int32))],
        names=["node_id", "component", "rule_mask", "replay", "split_from"],
    )
    session.register("_graph_labels_arrow", labels)
    session.execute("""
        create or replace temp table _graph_components as
        select n.*, l.component, l.rule_mask, l.replay = 1 as replay,
               nullif(l.split_from, -1) as split_from
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
    anchor_key = _anchor_key(type_rank)
    return session.sql(f"""
        with anchors as (
            -- the anchor's node id only: carrying its strings through the aggregate costs more
            -- than looking them up for the million anchors afterwards
            select component,
                   arg_min(node_id, {anchor_key}) as anchor_id
            from _graph_components
            group by component
        ),
        customers as (
            select a.component, a.anchor_id,
                   {customer_id_sql("n.identifier_type", "n.identifier")} as customer_id
            from anchors a join _graph_nodes n on n.node_id = a.anchor_id
        ),
        unmerged as (
            -- the id a component split by a separation would have had whole
            select split_from, {customer_id_sql(f"arg_min(identifier_type, {anchor_key})",
                                                f"arg_min(identifier, {anchor_key})")} as unmerged_from
            from _graph_components where split_from is not null
            group by split_from
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
            u.unmerged_from,
            date '{run_date}' as written_on
        from _graph_components n
        join customers c using (component)
        left join _graph_rule_sets s using (rule_mask)
        left join unmerged u using (split_from)
    """)


def _anchor_key(type_rank: str) -> str:
    """The anchor order of an identifier (macros: identity_merges' first_key)."""
    return (f"(coalesce(first_landed_on, date '9999-12-31'), coalesce(first_seen_at, timestamptz 'infinity'), "
            f"{type_rank}, identifier)")


def _separate(session, component, type_rank: str):
    """The components once operators' separations are kept (separated_components), on the
    components holding both nodes of a `separate` pair; ``component`` itself when there is none."""
    from siyu.identity.components import separated_components
    from siyu.identity.model_config import arrow_ints

    pairs = session.execute("""
        select a.node_id as a, b.node_id as b
        from _graph_overrides o
        join _graph_nodes a on a.identifier_type = o.left_type and a.identifier = o.left_identifier
        join _graph_nodes b on b.identifier_type = o.right_type and b.identifier = o.right_identifier
        where o.action = 'separate'
    """).fetchnumpy()
    together = component[pairs["a"]] == component[pairs["b"]]
    if not together.any():
        return component
    held = np.isin(component, component[pairs["a"][together]])
    session.register("_graph_separated_arrow", pa.table({"node_id": arrow_ints(np.flatnonzero(held).astype(np.int32))}))
    # the links of those components in the order they are taken; ties broken by the identifiers'
    # anchor order, never by node ids (which differ between builds)
    links = session.execute(f"""
        with ranked as (
            select node_id, row_number() over (order by {_anchor_key(type_rank)}) as node_rank
            from _graph_nodes semi join _graph_separated_arrow using (node_id)
        )
        select l.src, l.dst
        from _graph_links l join ranked s on s.node_id = l.src join ranked d on d.node_id = l.dst
        order by l.priority, l.first_landed_on nulls last, l.first_seen_at nulls last, l.rule,
                 least(s.node_rank, d.node_rank), greatest(s.node_rank, d.node_rank)
    """).fetchnumpy()
    session.unregister("_graph_separated_arrow")
    return separated_components(component, links["src"], links["dst"],
                                pairs["a"][together], pairs["b"][together])


def _take_changed_part(session, this, since: str, run_date: str) -> bool:
    """Point _graph_edges at the part of the graph the evidence, quarantine and decisions written
    since ``since`` touch, and delete that part's rows from ``this``. False when nothing was written."""
    from siyu.identity.model_config import written_since

    changed = written_since(since, run_date)
    session.execute(f"""
        create or replace temp table _graph_decided as
        select left_type as identifier_type, left_identifier as identifier
        from _graph_all_overrides where {changed}
        union
        select right_type, right_identifier
        from _graph_all_overrides where {changed} and right_identifier is not null
    """).fetchall()
    decided = session.execute("select count(*) from _graph_decided").fetchall()[0][0]
    session.execute(f"""
        create or replace temp table _graph_seeds as
        select left_type as identifier_type, left_identifier as identifier
        from _graph_all_edges where {changed}
        union
        select right_type, right_identifier
        from _graph_all_edges where {changed} and merges and right_identifier is not null
        union
        select identifier_type, identifier from _graph_quarantine where {changed}
        union
        select identifier_type, identifier from _graph_decided
    """).fetchall()
    if decided:
        # a decision's identifiers may be out of the graph (a junk revoked): their neighbours'
        # customers are the ones it changes
        session.execute("""
            insert into _graph_seeds
            select e.left_type, e.left_identifier from _graph_all_edges e
            join _graph_decided d on d.identifier_type = e.right_type and d.identifier = e.right_identifier
            where e.merges
            union
            select e.right_type, e.right_identifier from _graph_all_edges e
            join _graph_decided d on d.identifier_type = e.left_type and d.identifier = e.left_identifier
            where e.merges and e.right_identifier is not null
        """).fetchall()
    if not session.execute("select count(*) from _graph_seeds").fetchall()[0][0]:
        return False
    # a decision in effect ties its two ends: a new identifier brings the other end's customer
    session.execute("""
        insert into _graph_seeds
        select o.right_type, o.right_identifier from _graph_overrides o
        semi join _graph_seeds s on s.identifier_type = o.left_type and s.identifier = o.left_identifier
        where o.right_identifier is not null
        union
        select o.left_type, o.left_identifier from _graph_overrides o
        semi join _graph_seeds s on s.identifier_type = o.right_type and s.identifier = o.right_identifier
    """).fetchall()
    # the customers touched, and every customer split from the same component (the links between
    # them that a separation skipped are still evidence)
    session.execute(f"""
        create or replace temp table _graph_customers as
        with touched as (
            select distinct customer_id, unmerged_from from {this}
            join _graph_seeds using (identifier_type, identifier)
        )
        select customer_id from touched
        union
        select customer_id from {this}
        where unmerged_from in (select unmerged_from from touched where unmerged_from is not null)
    """).fetchall()
    session.execute(f"""
        create or replace temp table _graph_part as
        select identifier_type, identifier from {this} semi join _graph_customers using (customer_id)
        union
        select identifier_type, identifier from _graph_seeds
    """).fetchall()
    # Every link of the part starts in it: a merging link's ends are in one customer (or in two
    # split from one component), or one of them is new evidence (a seed). So the links whose left
    # end is in the part are all it has.
    session.execute("""
        create or replace temp table _graph_part_edges as
        select e.* from _graph_all_edges e
        semi join _graph_part p on p.identifier_type = e.left_type and p.identifier = e.left_identifier
    """).fetchall()
    session.execute("create or replace temp view _graph_edges as select * from _graph_part_edges").fetchall()
    session.execute(f"delete from {this} where customer_id in (select customer_id from _graph_customers)").fetchall()
    return True
