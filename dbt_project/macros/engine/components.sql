{#- The identity graph's connected components in SQL, for engines where the numpy model
  (models/intermediate/int_identity__graph_components.py) cannot run: Spark (issue 22). The model of
  the same name in models/intermediate/spark/ calls identity_components(); its columns are the numpy
  model's (node_id, component, rule_mask, replay, split_from), and so are its rules.

  Hook and compress, as siyu.identity.components.connected_components, one SQL statement per step:
  - hook: every link whose ends have different roots hooks the larger root under the smallest root
    it meets (a root only ever points to a smaller id: no cycles; the smallest id ends up the root);
    the links that crossed are kept for the next round, the others are done for good;
  - compress: pointer jumping (parent := parent's parent) until no node moves: a tree of depth d
    is flat after log2(d) steps.
  Repeat until no link crosses two roots. Exact on a chain of any length (a chain laid out in id
  order hooks in one round and flattens in log2(n) jumps: the 1,000-node chain takes 10), unlike
  label propagation, which needs one pass per hop.

  Operators' separations: where a `separate` pair sits in one component, that component's links are
  taken in order (operators' links first, by decision time, then the evidence as it arrived; ties by
  the nodes' anchor rank) by a union-find that skips a link joining the pair
  (siyu.identity.components.separated_components). Those are a handful of customers: their links are
  read into the run and the union-find runs in Jinja; the labels go back as a VALUES list.

  The steps' tables are Parquet tables beside the model (<model>__cc_*), dropped by the model's
  post-hook (identity_components_drop). -#}

{% macro identity_components(nodes, links) -%}
  {{- return(adapter.dispatch('identity_components', 'siyu')(nodes, links)) -}}
{%- endmacro %}

{% macro identity_components_table(step) -%}
  {{- return(api.Relation.create(schema=this.schema, identifier=this.identifier ~ '__cc_' ~ step)) -}}
{%- endmacro %}

{% macro identity_components_steps() -%}
  {{- return(['links', 'parent', 'next', 'crossing', 'separated', 'result']) -}}
{%- endmacro %}

{% macro identity_components_drop() -%}
  {%- for step in identity_components_steps() -%}
    {%- do run_query('drop table if exists ' ~ identity_components_table(step)) -%}
  {%- endfor -%}
{%- endmacro %}

{#- A table (re)built from a query: Spark's Parquet tables have no CREATE OR REPLACE. -#}
{% macro identity_components_put(step, sql) -%}
  {%- set relation = identity_components_table(step) -%}
  {%- do run_query('drop table if exists ' ~ relation) -%}
  {%- do run_query('create table ' ~ relation ~ ' using parquet as ' ~ sql) -%}
{%- endmacro %}

{% macro identity_components_count(sql) -%}
  {{- return(run_query('select count(*) from (' ~ sql ~ ') q').columns[0].values()[0] | int) -}}
{%- endmacro %}

{% macro default__identity_components(nodes, links) -%}
  {%- if execute -%}
    {{- exceptions.raise_compiler_error('identity_components: this engine builds the numpy model '
                                        ~ '(int_identity__graph_components.py)') -}}
  {%- endif -%}
{%- endmacro %}

{% macro spark__identity_components(nodes, links) -%}
  {%- set t = {} -%}
  {%- for step in identity_components_steps() -%}{%- do t.update({step: identity_components_table(step)}) -%}{%- endfor -%}
  {%- if execute -%}
    {#- connected components of the evidence (every link but the separations) -#}
    {%- do identity_components_put('links', 'select distinct least(src, dst) as u, greatest(src, dst) as v from '
                                   ~ links ~ ' where not separates and src <> dst') -%}
    {%- do identity_components_put('parent', 'select node_id, node_id as parent from ' ~ nodes) -%}
    {%- set ns = namespace(done=false, rounds=0, jumps=0) -%}
    {%- for _ in range(1000) if not ns.done -%}
      {%- set crossing = 'select e.u, e.v, a.parent as pu, b.parent as pv from ' ~ t.links ~ ' e join '
                         ~ t.parent ~ ' a on a.node_id = e.u join ' ~ t.parent ~ ' b on b.node_id = e.v'
                         ~ ' where a.parent <> b.parent' -%}
      {%- do identity_components_put('crossing', crossing) -%}
      {%- if identity_components_count('select * from ' ~ t.crossing) == 0 -%}
        {%- set ns.done = true -%}
      {%- else -%}
        {%- set ns.rounds = ns.rounds + 1 -%}
        {%- do identity_components_put('links', 'select u, v from ' ~ t.crossing) -%}
        {%- do identity_components_put('next', 'select p.node_id, coalesce(h.target, p.parent) as parent from '
                                       ~ t.parent ~ ' p left join (select greatest(pu, pv) as root, min(least(pu, pv)) as target from '
                                       ~ t.crossing ~ ' group by greatest(pu, pv)) h on h.root = p.node_id') -%}
        {%- do identity_components_put('parent', 'select * from ' ~ t.next) -%}
        {%- set jumping = namespace(flat=false) -%}
        {%- for _ in range(64) if not jumping.flat -%}
          {%- do identity_components_put('next', 'select p.node_id, g.parent, g.parent <> p.parent as moved from '
                                         ~ t.parent ~ ' p join ' ~ t.parent ~ ' g on g.node_id = p.parent') -%}
          {%- set ns.jumps = ns.jumps + 1 -%}
          {%- if identity_components_count('select * from ' ~ t.next ~ ' where moved') == 0 -%}
            {%- set jumping.flat = true -%}
          {%- else -%}
            {%- do identity_components_put('parent', 'select node_id, parent from ' ~ t.next) -%}
          {%- endif -%}
        {%- endfor -%}
      {%- endif -%}
    {%- endfor -%}
    {%- do log('identity_components: ' ~ ns.rounds ~ ' hook rounds, ' ~ ns.jumps ~ ' jumps', info=false) -%}
    {%- do identity_components_separate(nodes, links, t) -%}
  {%- endif -%}
  {{- return(identity_components_final(links, t)) -}}
{%- endmacro %}

{#- Operators' separations kept: the labels of the components holding a `separate` pair, from the
  ordered union-find, into <model>__cc_separated (node_id, label); empty when no pair shares a
  component. -#}
{% macro identity_components_separate(nodes, links, t) -%}
  {%- set pairs = run_query('select s.src, s.dst, a.parent from ' ~ links ~ ' s join ' ~ t.parent ~ ' a on a.node_id = s.src join '
                            ~ t.parent ~ ' b on b.node_id = s.dst where s.separates and a.parent = b.parent').rows -%}
  {%- set labels = [] -%}
  {%- if pairs | length > 0 -%}
    {%- set held = [] -%}
    {%- set partners = {} -%}
    {%- for row in pairs -%}
      {%- set a, b = row[0] | int, row[1] | int -%}
      {%- do held.append(row[2] | int) -%}
      {%- do partners.update({a: partners.get(a, []) + [b], b: partners.get(b, []) + [a]}) -%}
    {%- endfor -%}
    {%- set ordered = run_query(
        'with ranked as (select n.node_id, n.anchor_rank from ' ~ nodes ~ ' n join ' ~ t.parent ~ ' p using (node_id)'
        ~ ' where p.parent in (' ~ held | unique | join(', ') ~ '))'
        ~ ' select l.src, l.dst from ' ~ links ~ ' l join ranked s on s.node_id = l.src join ranked d on d.node_id = l.dst'
        ~ ' where not l.separates order by l.priority, l.first_landed_on nulls last, l.first_seen_at nulls last, l.rule,'
        ~ ' least(s.anchor_rank, d.anchor_rank), greatest(s.anchor_rank, d.anchor_rank)').rows -%}
    {%- set parent = {} -%}
    {%- set sets = {} -%}  {#- a set's root -> its nodes that have partners -#}
    {%- for node in partners -%}{%- do sets.update({node: [node]}) -%}{%- endfor -%}
    {%- set seen = [] -%}
    {%- for row in ordered -%}
      {%- set a, b = row[0] | int, row[1] | int -%}
      {%- do seen.extend([a, b]) -%}
      {%- set ra, rb = identity_components_find(parent, a), identity_components_find(parent, b) -%}
      {%- if ra != rb -%}
        {%- set held_a, held_b = sets.get(ra, []), sets.get(rb, []) -%}
        {%- set apart = namespace(found=false) -%}
        {%- for x in held_a -%}
          {%- for y in partners[x] if y in held_b -%}{%- set apart.found = true -%}{%- endfor -%}
        {%- endfor -%}
        {%- if not apart.found -%}
          {%- set root, other = (ra, rb) if ra < rb else (rb, ra) -%}
          {%- do parent.update({other: root}) -%}
          {%- if held_a or held_b -%}{%- do sets.update({root: held_a + held_b}) -%}{%- endif -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
    {%- for node in seen | unique -%}
      {%- do labels.append('(' ~ node ~ ', ' ~ identity_components_find(parent, node) ~ ')') -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if labels -%}
    {%- do identity_components_put('separated', 'select cast(node_id as int) as node_id, cast(label as int) as label from values '
                                   ~ labels | join(', ') ~ ' as s(node_id, label)') -%}
  {%- else -%}
    {%- do identity_components_put('separated', 'select cast(null as int) as node_id, cast(null as int) as label where false') -%}
  {%- endif -%}
{%- endmacro %}

{% macro identity_components_find(parent, x) -%}
  {%- set ns = namespace(x=x) -%}
  {%- for _ in range(parent | length + 1) if parent.get(ns.x, ns.x) != ns.x -%}{%- set ns.x = parent[ns.x] -%}{%- endfor -%}
  {{- return(ns.x) -}}
{%- endmacro %}

{#- The model's rows: per node its component (separations kept), the rules of its kept links as bits,
  replay (siyu.identity.node_flags: some kept link of the component joins two existing ends, or a
  node has two kept links each newer than their other end) and split_from. -#}
{% macro identity_components_final(links, t) -%}
with components as (
    select p.node_id, coalesce(s.label, p.parent) as component, p.parent as evidence_component
    from {{ t.parent }} p left join {{ t.separated }} s using (node_id)
),

kept as (
    -- the links a separation skipped tie nothing
    select l.src, l.dst, l.bit, l.joins_existing, l.newer_than_src, l.newer_than_dst
    from {{ links }} l
    join components a on a.node_id = l.src
    join components b on b.node_id = l.dst
    where not l.separates and a.component = b.component
),

ends as (
    select src as node_id, bit, joins_existing, newer_than_dst as to_older from kept
    union all
    select dst, bit, joins_existing, newer_than_src from kept
),

flags as (
    select node_id, bit_or(shiftleft(cast(1 as bigint), bit)) as rule_mask,
           bool_or(joins_existing) or sum(cast(to_older as int)) >= 2 as flagged
    from ends group by node_id
),

replayed as (
    select distinct c.component from flags f join components c using (node_id) where f.flagged
),

split as (
    select distinct evidence_component from components where component <> evidence_component
)

select
    c.node_id,
    c.component,
    coalesce(f.rule_mask, cast(0 as bigint)) as rule_mask,
    r.component is not null as replay,
    case when s.evidence_component is not null then c.evidence_component end as split_from
from components c
left join flags f using (node_id)
left join replayed r on r.component = c.component
left join split s on s.evidence_component = c.evidence_component
{%- endmacro %}
