-- Every identifier and the customer it belongs to, with the rules that tie it to the customer
-- (int_identity__graph resolves the graph; this is its public face).
select
    identifier_type,
    identifier,
    customer_id,
    matched_by,
    first_seen_at,
    last_seen_at,
    is_anchor
from {{ ref('int_identity__graph') }}
