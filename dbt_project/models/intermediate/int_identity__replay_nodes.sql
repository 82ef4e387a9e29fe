{{ config(materialized='view') }}
-- The identifiers of the components int_identity__graph flags for the merge log's replay
-- (int_identity__merge_events), ranked oldest first in the anchor order (macros/identity.sql:
-- identity_anchor_order), with the customer_id each would give as its set's anchor.
select
    row_number() over (order by {{ identity_anchor_order() }}) - 1 as node_rank,
    identifier_type,
    identifier,
    customer_id,
    {{ customer_id('identifier_type', 'identifier') }} as anchored_id,
    first_seen_at,
    first_landed_on
from {{ ref('int_identity__graph') }}
where replay
