-- Sessions: a user's events with no gap longer than var session_gap_minutes (default 30).
with ordered as (
    select
        *,
        case
            when lag(event_at) over (partition by mp_openid order by event_at, event_id) is null
                or event_at - lag(event_at) over (partition by mp_openid order by event_at, event_id)
                    > to_minutes({{ var('session_gap_minutes') }})
            then 1 else 0
        end as starts_session
    from {{ ref('fct_events') }}
),

numbered as (
    select
        *,
        sum(starts_session) over (partition by mp_openid order by event_at, event_id
                                  rows unbounded preceding) as session_no
    from ordered
)

select
    'ss_' || substr(md5(mp_openid || ':' || cast(min(event_at) as varchar)), 1, 16) as session_id,
    any_value(customer_id) as customer_id,
    mp_openid,
    min(event_at) as started_at,
    max(event_at) as ended_at,
    cast(min(event_at) as date) as session_date,
    epoch(max(event_at)) - epoch(min(event_at)) as duration_seconds,
    arg_min(scene, event_at) as entry_scene,
    count(*) as events,
    count(*) filter (where event_name = 'product_view') as product_views,
    count(*) filter (where event_name = 'add_to_cart') as add_to_carts,
    count(*) filter (where event_name = 'share') as shares
from numbered
group by mp_openid, session_no
