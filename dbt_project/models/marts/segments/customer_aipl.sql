-- [customer] AIPL stage on run_date (the latest day of customer_aipl_daily, which has the rules).
select customer_id, aipl_stage, paid_orders_365d, interacted_recently, referred_a_buyer, day as as_of_date
from {{ ref('customer_aipl_daily') }}
where day = {{ run_date() }}
