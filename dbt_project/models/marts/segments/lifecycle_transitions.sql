-- [customer × day] Lifecycle stage changes: from_stage on the previous day → to_stage on this day
-- ('none' when the customer became known, 'merged' when the customer_id was absorbed by a merge).
{{ stage_transitions(ref('customer_lifecycle_daily'), 'lifecycle_stage') }}
