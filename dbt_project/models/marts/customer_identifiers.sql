-- Every identifier and the customer it belongs to, with the rules that tie it to the customer.
with matched as (
    select node_rank, list_sort(list(distinct rule)) as rules
    from (
        select src as node_rank, rule from {{ ref('int_identity__links') }}
        union all
        select dst, rule from {{ ref('int_identity__links') }}
    )
    group by node_rank
)

select
    c.identifier_type,
    c.identifier,
    c.customer_id,
    case
        when c.node_rank = c.anchor_rank then 'anchor'
        else array_to_string(m.rules, ',')
    end as matched_by,
    n.first_seen_at,
    n.last_seen_at,
    c.node_rank = c.anchor_rank as is_anchor
from {{ ref('int_identity__components') }} c
join {{ ref('int_identity__nodes') }} n using (node_rank)
left join matched m using (node_rank)
