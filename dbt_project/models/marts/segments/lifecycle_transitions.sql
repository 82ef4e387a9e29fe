{{ incremental_state_config(['customer_id', 'day'], version='lifecycle_transitions v1') }}
{{ config(pre_hook="{{ stage_transitions_clear() }}") }}
-- [customer × day] Lifecycle stage changes: from_stage on the previous day → to_stage on this day
-- ('none' when the customer became known, 'merged' when the customer_id was absorbed by a merge).
-- Incremental: a run rewrites the days built since its watermark, reading only those and the day
-- before them (macros/daily_stages.sql).
{{ stage_transitions(ref('customer_lifecycle_daily'), 'lifecycle_stage') }}
