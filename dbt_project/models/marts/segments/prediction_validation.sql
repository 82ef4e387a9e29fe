-- [run date] How well the predictions predict: BG/NBD fitted on the calibration period (up to run_date
-- minus var clv_holdout_days) against the purchases its buyers made in the holdout. Per customer: mean
-- absolute error and root-mean-square error; in total: predicted, actual and their relative error.
select
    {{ run_date() }} as as_of_date,
    cast({{ var('clv_holdout_days') }} as integer) as holdout_days,
    count(*) as customers,
    round(sum(holdout_predicted_purchases), 2) as predicted_purchases,
    cast(sum(holdout_actual_purchases) as bigint) as actual_purchases,
    round((sum(holdout_predicted_purchases) - sum(holdout_actual_purchases))
        / nullif(sum(holdout_actual_purchases), 0), 4) as total_relative_error,
    round(avg(abs(holdout_predicted_purchases - holdout_actual_purchases)), 4) as mae_per_customer,
    round(sqrt(avg(power(holdout_predicted_purchases - holdout_actual_purchases, 2))), 4) as rmse_per_customer
from {{ ref('customer_predictions') }}
where holdout_predicted_purchases is not null
