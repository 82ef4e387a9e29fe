-- Every known identifier and the customer it belongs to.
select
    c.identifier_type,
    c.identifier,
    c.customer_id,
    n.first_seen_at,
    n.last_seen_at,
    c.identifier_type = c.anchor_type and c.identifier = c.anchor_identifier as is_anchor
from {{ ref('int_identity__components') }} c
join {{ ref('int_identity__nodes') }} n using (identifier_type, identifier)
