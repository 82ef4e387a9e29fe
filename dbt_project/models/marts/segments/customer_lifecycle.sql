-- [customer] The lifecycle stage on run_date (the latest day of customer_lifecycle_daily).
select customer_id, lifecycle_stage, days_since_last_order, day as as_of_date
from {{ ref('customer_lifecycle_daily') }}
where day = {{ run_date() }}
