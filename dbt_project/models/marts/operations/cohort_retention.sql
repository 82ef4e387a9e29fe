-- [acquisition week × weeks since] Of the customers first seen in a week, the share with a paid order
-- and the share with an interaction (event) in each later week up to run_date.
with cohorts as (
    select customer_id, date_trunc('week', first_seen_at)::date as cohort_week from {{ real_customers() }}
),
sizes as (select cohort_week, count(*) as customers from cohorts group by 1),
activity as (
    select customer_id, date_trunc('week', paid_at)::date as week, 'order' as kind
    from {{ ref('fct_orders') }} where is_paid
    union all
    select customer_id, date_trunc('week', event_at)::date, 'event' from {{ ref('fct_events') }}
),
weekly as (
    select c.cohort_week, {{ weeks_between('c.cohort_week', 'a.week') }} as weeks_since,
        count(distinct c.customer_id) filter (where a.kind = 'order') as ordered,
        count(distinct c.customer_id) filter (where a.kind = 'event') as interacted
    from cohorts c join activity a using (customer_id)
    where a.week >= c.cohort_week and a.week <= {{ run_date() }}
    group by all
)
select
    w.cohort_week, w.weeks_since, s.customers as cohort_customers,
    w.ordered, w.interacted,
    round(w.ordered / s.customers, 4) as order_rate,
    round(w.interacted / s.customers, 4) as interaction_rate
from weekly w join sizes s using (cohort_week)
