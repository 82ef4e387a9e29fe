-- [customer pair] The review queue: pairs of customers that evidence which does not merge would join,
-- for an operator to confirm (a `link` row in identity_overrides) or dismiss (`separate`). It never
-- merges by itself. Evidence considered, through one identifier V (a phone) both customers touch:
--   - a rule that does not merge (var identity_merge_rules; order_receiver_phone by default): a's
--     order goes to V, and V is b's phone or on b's orders;
--   - a phone the junk guard cut as shared_by_too_many: a and b both authorised or were noted with
--     it (test numbers and identifiers operators junked are not evidence of anything).
-- V is skipped when it touches more than var identity_review_max_customers customers (a store
-- clerk's phone says nothing about any pair, and its pairs grow with the square).
-- likelihood (0..1): per V, 1 / (customers V touches - 1): a phone two customers share is far more
-- telling than one five share; halved for a cut hub, whose sharing was already too wide once; and
-- halved when the buyer (the side of the link) already has a phone of their own (a receiver phone then is more likely a
-- family member's). Several V's joining one pair combine as independent hints: 1 - Π(1 - p).
-- Pairs an operator has separated are left out. identifier / candidate_identifier: the two
-- customers' anchors, ready for a `link` or `separate` row.
{%- set max_customers = var('identity_review_max_customers', 10) %}

with graph as (
    select identifier_type, identifier, customer_id from {{ ref('int_identity__graph') }}
),

hubs as (
    select identifier_type, identifier from {{ ref('int_identity__quarantine') }}
    where reason = 'shared_by_too_many'
),

touches as (
    -- (V, customer) through a link that did not merge, or through a cut hub; and V's own customer
    select e.right_type as via_type, e.right_identifier as via, g.customer_id, e.rule,
           h.identifier is not null as via_hub, e.first_seen_at, coalesce(e.last_seen_at, e.first_seen_at) as last_seen_at
    from {{ ref('int_identity__edges') }} e
    join graph g on g.identifier_type = e.left_type and g.identifier = e.left_identifier
    left join hubs h on h.identifier_type = e.right_type and h.identifier = e.right_identifier
    where e.right_identifier is not null and (not e.merges or h.identifier is not null)
    union all
    select g.identifier_type, g.identifier, g.customer_id, 'holds', false, null, null
    from graph g
    where g.identifier_type = 'phone_hash'
        and exists (select 1 from {{ ref('int_identity__edges') }} e
                    where not e.merges and e.right_type = 'phone_hash' and e.right_identifier = g.identifier)
),

per_via as (
    select via_type, via, customer_id, bool_or(via_hub) as via_hub,
           {{ string_agg_distinct_where('rule', ',', "rule <> 'holds'") }} as rules,
           min(first_seen_at) as first_seen_at, max(last_seen_at) as last_seen_at,
           count(*) over (partition by via_type, via) as customers
    from touches
    group by via_type, via, customer_id
),

own_phone as (
    select distinct customer_id from graph where identifier_type = 'phone_hash'
),

pairs as (
    select
        a.customer_id,
        b.customer_id as candidate_customer_id,
        a.via_type, a.via,
        concat_ws(',', a.rules, b.rules) as rules,
        a.via_hub,
        least(a.first_seen_at, b.first_seen_at) as first_seen_at,
        greatest(a.last_seen_at, b.last_seen_at) as last_seen_at,
        1.0 / (a.customers - 1)
            * case when a.via_hub then 0.5 else 1.0 end
            * case when not a.via_hub and ((a.rules is not null and oa.customer_id is not null)
                                        or (b.rules is not null and ob.customer_id is not null))
                   then 0.5 else 1.0 end as p
    from per_via a
    join per_via b on b.via_type = a.via_type and b.via = a.via and a.customer_id < b.customer_id
    left join own_phone oa on oa.customer_id = a.customer_id
    left join own_phone ob on ob.customer_id = b.customer_id
    where a.customers between 2 and {{ max_customers }}
),

separated as (
    select distinct least(a.customer_id, b.customer_id) as x, greatest(a.customer_id, b.customer_id) as y
    from {{ ref('int_identity__overrides') }} o
    join graph a on a.identifier_type = o.left_type and a.identifier = o.left_identifier
    join graph b on b.identifier_type = o.right_type and b.identifier = o.right_identifier
    where o.action = 'separate' and o.rejected_reason is null and o.revoked_on is null
),

scored as (
    select
        customer_id,
        candidate_customer_id,
        1 - exp(sum(ln(greatest(1 - p, 1e-9)))) as likelihood,
        {{ merged_parts('rules', ',') }} as rules,
        {{ string_agg_ordered("via_type || ':' || via", ',', 'via') }} as via_identifiers,
        count(*) as shared_identifiers,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from pairs
    where not exists (select 1 from separated s where s.x = pairs.customer_id and s.y = pairs.candidate_customer_id)
    group by customer_id, candidate_customer_id
),

anchors as (
    select customer_id, identifier_type, identifier from {{ ref('int_identity__graph') }} where is_anchor
)

select
    cast(row_number() over (order by s.likelihood desc, s.last_seen_at desc nulls last,
                                     s.customer_id, s.candidate_customer_id) as bigint) as review_rank,
    s.customer_id,
    s.candidate_customer_id,
    cast(round(s.likelihood, 4) as double) as likelihood,
    s.rules,
    s.via_identifiers,
    s.shared_identifiers,
    s.first_seen_at,
    s.last_seen_at,
    a.identifier_type,
    a.identifier,
    b.identifier_type as candidate_identifier_type,
    b.identifier as candidate_identifier
from scored s
join anchors a on a.customer_id = s.customer_id
join anchors b on b.customer_id = s.candidate_customer_id
