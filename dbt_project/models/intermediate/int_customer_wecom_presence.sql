-- [customer] WeCom reach of each customer who was ever a contact: when first added, whether any staff
-- member still holds them, and the day the last relation ended when none does (deleted by every staff
-- member). A customer added again later counts as held, gaps included. A customer of a resigned staff
-- member awaiting transfer (get_unassigned_list) is not deleted by anyone: awaiting_transfer, no date.
with awaiting as (select distinct external_userid from {{ ref('stg_wecom__unassigned_contacts') }})

select
    ci.customer_id,
    min(r.added_at) as first_added_at,
    count(*) filter (where r.removed_on is null) as open_relations,
    count(*) filter (where r.removed_on is null) > 0 as is_contact,
    count(a.external_userid) > 0 as awaiting_transfer,
    case when count(*) filter (where r.removed_on is null) = 0 and count(a.external_userid) = 0
        then max(r.removed_on) end as deleted_by_all_on
from {{ ref('int_wecom__relation_spells') }} r
-- the graph, not the customer_identifiers mart: intermediate models never read marts
join {{ ref('int_identity__graph') }} ci
    on ci.identifier_type = 'external_userid' and ci.identifier = r.external_userid
    and {{ not_test_customer('ci.customer_id') }}
left join awaiting a on a.external_userid = r.external_userid
group by ci.customer_id
