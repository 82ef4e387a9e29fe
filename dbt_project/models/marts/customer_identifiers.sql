-- Every identifier and the customer it belongs to, with the rules that tie it to the customer.
-- A view: int_identity__graph already holds these rows as a table (millions at scale), and a second
-- copy would double the identity build's heaviest write for nothing. The contract still holds the
-- columns and types; the data tests check what the constraints checked.
{{ config(materialized='view') }}
select
    identifier_type,
    identifier,
    customer_id,
    matched_by,
    first_seen_at,
    last_seen_at,
    is_anchor
from {{ ref('int_identity__graph') }}
