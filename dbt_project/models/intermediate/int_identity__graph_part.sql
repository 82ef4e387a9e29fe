{{ config(materialized='table') }}
-- The part of the identity graph this run recomputes, as nodes on integer ids: every identifier some
-- rule names as its subject or a merging rule links to, minus the cut (macros/identity.sql:
-- identity_cut), with its first and last evidence, and its rank in the anchor order
-- (identity_anchor_order): the graph's rule for which identifier a customer_id derives from.
-- Node ids follow whatever order the aggregation yields: only ever compared for equality.
--
-- On a rebuild of int_identity__graph, the whole graph. Otherwise (its watermark:
-- macros/incremental_state.sql): the evidence only grows and the quarantine only widens, so a
-- component changes only where new evidence or a newly quarantined identifier touches it, or a
-- decision of an operator changes. The part is the identifiers on the evidence, quarantine and
-- decisions written since the graph's last build (a decision's: with their neighbours, and the
-- other end of a decision in effect), the customers they belong to (with every customer split from
-- the same component), and every identifier of those customers. It is closed: any link of such an
-- identifier ends in it. Every other customer is untouched, and its id cannot change: its anchor
-- is still its oldest identifier.
-- This reads the graph's own table (its state: int_identity__graph is downstream, so not a ref).
{%- set rebuild = incremental_watermark('int_identity__graph') is none %}
{%- set graph = api.Relation.create(database=this.database, schema=this.schema, identifier='int_identity__graph') %}
{%- set changed = changed_since_watermark('written_on', 'int_identity__graph') %}

with cut as {{ identity_cut() }},

{%- if rebuild %}

edges as (
    select * from {{ ref('int_identity__edges') }}
),

{%- else %}

decided as (
    select left_type as identifier_type, left_identifier as identifier
    from {{ ref('int_identity__overrides') }} where {{ changed }}
    union
    select right_type, right_identifier
    from {{ ref('int_identity__overrides') }} where {{ changed }} and right_identifier is not null
),

written as (
    select left_type as identifier_type, left_identifier as identifier
    from {{ ref('int_identity__edges') }} where {{ changed }}
    union
    select right_type, right_identifier
    from {{ ref('int_identity__edges') }} as e where {{ changed }} and e.merges and e.right_identifier is not null
    union
    select identifier_type, identifier from {{ ref('int_identity__quarantine') }} where {{ changed }}
    union
    select identifier_type, identifier from decided
    union
    -- a decision's identifiers may be out of the graph (a junk revoked): their neighbours'
    -- customers are the ones it changes
    select e.left_type, e.left_identifier from {{ ref('int_identity__edges') }} e
    join decided d on d.identifier_type = e.right_type and d.identifier = e.right_identifier
    where e.merges
    union
    select e.right_type, e.right_identifier from {{ ref('int_identity__edges') }} e
    join decided d on d.identifier_type = e.left_type and d.identifier = e.left_identifier
    where e.merges and e.right_identifier is not null
),

seeds as (
    select identifier_type, identifier from written
    union
    -- a decision in effect ties its two ends: a new identifier brings the other end's customer
    select o.right_type, o.right_identifier from {{ identity_overrides_in_effect() }} o
    semi join written s on s.identifier_type = o.left_type and s.identifier = o.left_identifier
    where o.right_identifier is not null
    union
    select o.left_type, o.left_identifier from {{ identity_overrides_in_effect() }} o
    semi join written s on s.identifier_type = o.right_type and s.identifier = o.right_identifier
),

touched as (
    select distinct customer_id, unmerged_from from {{ graph }}
    join seeds using (identifier_type, identifier)
),

customers as (
    -- the customers touched, and every customer split from the same component (the links between
    -- them that a separation skipped are still evidence)
    select customer_id from touched
    union
    select customer_id from {{ graph }}
    where unmerged_from in (select unmerged_from from touched where unmerged_from is not null)
),

part as (
    select identifier_type, identifier from {{ graph }} semi join customers using (customer_id)
    union
    select identifier_type, identifier from seeds
),

edges as (
    -- Every link of the part starts in it: a merging link's ends are in one customer (or in two
    -- split from one component), or one of them is new evidence (a seed).
    select e.* from {{ ref('int_identity__edges') }} e
    semi join part p on p.identifier_type = e.left_type and p.identifier = e.left_identifier
),

{%- endif %}

sides as (
    select left_type as identifier_type, left_identifier as identifier,
           first_seen_at, last_seen_at, first_landed_on, source
    from edges
    union all
    select right_type, right_identifier, first_seen_at, last_seen_at, first_landed_on, source
    from edges as e
    where e.right_identifier is not null and e.merges
),

nodes as (
    select identifier_type, identifier, min(first_seen_at) as first_seen_at,
           max(last_seen_at) as last_seen_at, min(first_landed_on) as first_landed_on,
           -- WeCom evidence the latest snapshot still holds has no last_seen_at yet
           bool_or(last_seen_at is null and source like 'wecom.%') as in_latest_snapshot
    from sides
    anti join cut using (identifier_type, identifier)
    group by identifier_type, identifier
)

select
    {{ identity_node_id() }} as node_id,
    *,
    cast(row_number() over (order by {{ identity_anchor_order() }}) as integer) as anchor_rank
from nodes
