{{ config(materialized='incremental', unique_key='as_of_date', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}
-- [day] The AIPL chain on each run date: customers per stage. A re-run of a date replaces its row.
select
    {{ run_date() }} as as_of_date,
    count(*) filter (where aipl_stage = 'Awareness') as awareness,
    count(*) filter (where aipl_stage = 'Interest') as interest,
    count(*) filter (where aipl_stage = 'Purchase') as purchase,
    count(*) filter (where aipl_stage = 'Loyalty') as loyalty
from {{ ref('customer_aipl') }}
