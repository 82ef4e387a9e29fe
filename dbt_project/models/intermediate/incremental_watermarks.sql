{{ config(materialized='incremental', on_schema_change='fail') }}
-- The incremental state (macros/incremental_state.sql): one row per incremental model, the run_date
-- its table was last built through and the fingerprint of the configuration it was built with.
-- A model of its own so that the state is in the lineage (-> incremental_run_limits -> every
-- incremental model); its rows are written by on-run-end (incremental_state_record) for each model
-- a run built successfully, so this select adds none.
select
    cast(null as {{ sql_string_type() }}) as model,
    cast(null as date) as folded_through,
    cast(null as {{ sql_string_type() }}) as fingerprint
where false
