{{ config(materialized='table', enabled=target.type == 'spark') }}
-- int_customer_predictions on Spark (issue 22): the DuckDB Python model's scores
-- (models/marts/segments/int_customer_predictions.py) in SQL. The fit in use, the buyers' summaries
-- and the status text are SQL; the scores are the session functions of siyu.spark_predict (scalar
-- pandas UDFs calling siyu.predict.clv's BgNbd and GammaGamma), NaN read as null as on DuckDB.
{%- set run_date = var('run_date') | string %}

with fits as (
    select * from {{ ref('int_customer_prediction_fits') }}
),

fit_in_use as (
    select * from fits
    where fitted_on = (select max(fitted_on) from fits where fitted_on <= date '{{ run_date }}')
),

full_fit as (select * from fit_in_use where kind = 'full'),

holdout_fit as (select * from fit_in_use where kind = 'holdout'),

buyers as (
    {{ spark_buyer_summary(ref('fct_orders'),
                           "select date '" ~ run_date ~ "' as until, date '" ~ run_date ~ "' as upto") }}
),

-- the holdout fit's calibration buyers (orders up to its cutoff) and what they bought up to the fit
calibration as (
    {{ spark_buyer_summary(ref('fct_orders'),
                           "select orders_until as until, fitted_on as upto from " ~ "holdout_fit") }}
),

calibrated as (
    select c.customer_id, c.later,
           {{ nan_to_null("siyu_bgnbd_expected_purchases(datediff(h.fitted_on, h.orders_until), h.r, h.alpha, h.a, h.b, c.x, c.t_x, c.age)") }}
               as predicted
    from calibration c
    cross join holdout_fit h
),

statuses as (
    select
        case
            when f.kind is null then 'not fitted: no fit on or before run_date'
            when f.r is null then concat(f.status, ' (fit of ', cast(f.fitted_on as string), ')')
            else concat('fitted on ', cast(f.buyers as string), ' buyers (fit of ', cast(f.fitted_on as string),
                        '): ', siyu_clv_params(f.r, f.alpha, f.a, f.b, f.p, f.q, f.v),
                        {{ without_fitted('f.status') }})
        end
        || '; '
        || case
            when h.kind is null then 'holdout not fitted: no fit'
            when h.r is null then concat('holdout ', h.status)
            else concat('holdout ', cast(date_add(h.orders_until, 1) as string), '..', cast(h.fitted_on as string),
                        ' on ', cast((select count(*) from calibration) as string), ' buyers',
                        {{ without_fitted('h.status') }})
        end as model_status
    from (select 1) one
    left join full_fit f on true
    left join holdout_fit h on true
),

scored as (
    select o.customer_id,
           case when f.r is not null then
               {{ nan_to_null("siyu_bgnbd_p_alive(f.r, f.alpha, f.a, f.b, o.x, o.t_x, o.age)") }} end as p_alive,
           case when f.r is not null then
               {{ nan_to_null("siyu_bgnbd_expected_purchases(90, f.r, f.alpha, f.a, f.b, o.x, o.t_x, o.age)") }}
           end as purchases_90,
           case when f.r is not null then
               {{ nan_to_null("siyu_bgnbd_expected_purchases(365, f.r, f.alpha, f.a, f.b, o.x, o.t_x, o.age)") }}
           end as purchases_365,
           case when f.r is not null then
               {{ nan_to_null("siyu_gg_expected_order_value(f.p, f.q, f.v, o.x, o.repeat_value)") }}
           end as order_value
    from buyers o
    left join full_fit f on true
)

select s.customer_id,
       s.p_alive,
       1.0d - s.p_alive as churn_probability,
       s.purchases_90 as expected_purchases_90d,
       s.order_value as expected_order_value,
       s.purchases_365 * s.order_value as clv_12m,
       c.predicted as holdout_predicted_purchases,
       c.later as holdout_actual_purchases,
       st.model_status,
       date '{{ run_date }}' as as_of_date
from scored s
left join calibrated c on c.customer_id = s.customer_id
cross join statuses st
