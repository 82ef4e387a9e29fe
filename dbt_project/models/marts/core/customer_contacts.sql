-- [customer × staff] Which staff member holds which customer as a WeCom contact today: the audience
-- of a staff member's mass message, and the relation tags are written on.
select
    ci.customer_id,
    f.external_userid,
    f.staff_userid,
    f.added_at,
    f.add_way,
    f.contact_way_state,
    f.add_way = 202 as is_inherited,
    f.snapshot_date,
    {{ china_day('f.added_at') }} as added_date
from {{ ref('stg_wecom__follow_users') }} f
join {{ real_customer_identifiers() }} ci
    on ci.identifier_type = 'external_userid' and ci.identifier = f.external_userid
