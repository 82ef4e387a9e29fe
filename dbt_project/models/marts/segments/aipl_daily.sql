-- [day] The AIPL chain: customers per stage on each day of customer_aipl_daily (the stocks whose
-- flows are aipl_transitions).
select
    day as as_of_date,
    count(*) filter (where aipl_stage = 'Awareness') as awareness,
    count(*) filter (where aipl_stage = 'Interest') as interest,
    count(*) filter (where aipl_stage = 'Purchase') as purchase,
    count(*) filter (where aipl_stage = 'Loyalty') as loyalty
from {{ ref('customer_aipl_daily') }}
group by day
