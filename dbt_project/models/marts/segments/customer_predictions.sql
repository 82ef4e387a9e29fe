-- [customer] The predictions mart: int_customer_predictions (a dbt Python model, which dbt cannot put
-- under a contract) behind the enforced contract analysts and CRM exports rely on.
select customer_id, p_alive, churn_probability, expected_purchases_90d, expected_order_value, clv_12m,
    holdout_predicted_purchases, holdout_actual_purchases, model_status, as_of_date
from {{ ref('int_customer_predictions') }}
