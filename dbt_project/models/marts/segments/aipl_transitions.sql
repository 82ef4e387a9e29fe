-- [customer × day] AIPL stage changes (A→I→P→L and back): from_stage on the previous day → to_stage
-- on this day ('none' when the customer became known, 'merged' when the customer_id was absorbed).
{{ stage_transitions(ref('customer_aipl_daily'), 'aipl_stage') }}
