{{ incremental_state_config('mp_openid', version='fct_sessions v1', vars=['session_gap_minutes']) }}
{{ config(post_hook="{{ fct_sessions_drop_orphans() }}") }}
-- Sessions: a user's events with no gap longer than var session_gap_minutes (default 30).
-- Incremental (macros/incremental_state.sql; delete+insert on mp_openid): a run recomputes every
-- session of the openids whose events fct_events rewrote since its watermark (a new or late event,
-- a changed customer), replacing all of that openid's sessions; the post-hook drops the sessions of
-- an openid with no event left in fct_events. written_on: the run_date of the build that wrote it.
{%- set watermark = incremental_watermark() %}
with events as (
    select * from {{ ref('fct_events') }}
    {%- if watermark is not none %}
    where mp_openid in (
        select mp_openid from {{ ref('fct_events') }} where {{ changed_since('written_on', watermark) }}
    )
    {%- endif %}
),

ordered as (
    select
        *,
        case
            when lag(event_at) over (partition by mp_openid order by event_at, event_id) is null
                or event_at - lag(event_at) over (partition by mp_openid order by event_at, event_id)
                    > {{ minutes_interval(var('session_gap_minutes')) }}
            then 1 else 0
        end as starts_session
    from events
),

numbered as (
    select
        *,
        sum(starts_session) over (partition by mp_openid order by event_at, event_id
                                  rows unbounded preceding) as session_no
    from ordered
)

select
    'ss_' || substr(md5(mp_openid || ':' || cast({{ instant_text('min(event_at)') }} as {{ sql_string_type() }})), 1, 16) as session_id,
    any_value(customer_id) as customer_id,
    mp_openid,
    min(event_at) as started_at,
    max(event_at) as ended_at,
    cast(min(event_at) as date) as session_date,
    {{ epoch_seconds('max(event_at)') }} - {{ epoch_seconds('min(event_at)') }} as duration_seconds,
    {{ value_at_min('scene', 'event_at') }} as entry_scene,
    count(*) as events,
    count(*) filter (where event_name = 'product_view') as product_views,
    count(*) filter (where event_name = 'add_to_cart') as add_to_carts,
    count(*) filter (where event_name = 'share') as shares,
    {{ run_date() }} as written_on
from numbered
group by mp_openid, session_no
