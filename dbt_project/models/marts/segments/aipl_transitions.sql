{{ incremental_state_config(['customer_id', 'day'], version='aipl_transitions v1') }}
{{ config(pre_hook="{{ stage_transitions_clear() }}") }}
-- [customer × day] AIPL stage changes (A→I→P→L and back): from_stage on the previous day → to_stage
-- on this day ('none' when the customer became known, 'merged' when the customer_id was absorbed).
-- Incremental: a run rewrites the days built since its watermark, reading only those and the day
-- before them (macros/daily_stages.sql).
{{ stage_transitions(ref('customer_aipl_daily'), 'aipl_stage') }}
