-- [row] Every source row staging set aside, and every tracking line the landing could not read, with
-- the reason: nothing bad is dropped silently.
select * from {{ ref('stg_appdb__orders_quarantine') }}
union all
select * from {{ ref('stg_appdb__mp_users_quarantine') }}
union all
select * from {{ ref('stg_appdb__lines_quarantine') }}
union all
select * from {{ ref('stg_tracking__events_quarantine') }}
