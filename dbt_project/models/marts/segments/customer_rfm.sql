-- [customer] RFM over the paid orders of the 365 days up to run_date (var rfm_window_days), refunds
-- netted. Scores are quintiles (5 = best). rfm_class_cn is the 8-class scheme: each of R, F, M high or
-- low against its mean (R "high" = more recent than average). segment is the 11-segment scheme on
-- the R score and the FM score (rounded mean of F and M scores), checked in the order below.
with paid as (
    select o.customer_id, o.order_id, o.paid_at, o.net_amount
    from {{ ref('fct_orders') }} o
    where o.is_paid
      and cast(o.paid_at as date) between {{ run_date() }} - {{ var('rfm_window_days') }} + 1 and {{ run_date() }}
),

base as (
    select
        customer_id,
        {{ days_between('max(cast(paid_at as date))', run_date()) }} as recency_days,
        count(*) as frequency,
        cast(sum(net_amount) as decimal(18, 2)) as monetary
    from paid
    group by customer_id
),

scored as (
    select
        *,
        6 - {{ ranking('ntile(5)', 'order by recency_days, customer_id') }} as r_score,
        {{ ranking('ntile(5)', 'order by frequency, customer_id') }} as f_score,
        {{ ranking('ntile(5)', 'order by monetary, customer_id') }} as m_score,
        recency_days < avg(recency_days) over () as r_high,
        frequency > avg(frequency) over () as f_high,
        monetary > avg(monetary) over () as m_high
    from base
)

select
    customer_id,
    recency_days,
    frequency,
    monetary,
    r_score,
    f_score,
    m_score,
    cast(r_score as {{ sql_string_type() }}) || cast(f_score as {{ sql_string_type() }}) || cast(m_score as {{ sql_string_type() }}) as rfm_cell,
    case
        when r_high and f_high and m_high then '重要价值客户'
        when r_high and not f_high and m_high then '重要发展客户'
        when not r_high and f_high and m_high then '重要保持客户'
        when not r_high and not f_high and m_high then '重要挽留客户'
        when r_high and f_high and not m_high then '一般价值客户'
        when r_high and not f_high and not m_high then '一般发展客户'
        when not r_high and f_high and not m_high then '一般保持客户'
        else '一般挽留客户'
    end as rfm_class_cn,
    case
        when r_score >= 4 and round((f_score + m_score) / 2) >= 4 then 'Champions'
        when r_score >= 3 and round((f_score + m_score) / 2) >= 3 then 'Loyal'
        when r_score >= 4 and round((f_score + m_score) / 2) >= 2 then 'Potential Loyalist'
        when r_score = 5 then 'New'
        when r_score = 4 then 'Promising'
        when r_score = 3 and round((f_score + m_score) / 2) >= 2 then 'Need Attention'
        when r_score = 3 then 'About to Sleep'
        when round((f_score + m_score) / 2) = 5 then 'Cannot Lose Them'
        when round((f_score + m_score) / 2) >= 3 then 'At Risk'
        when r_score = 2 then 'Hibernating'
        else 'Lost'
    end as segment,
    {{ run_date() }} as as_of_date
from scored
