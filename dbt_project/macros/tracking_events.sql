{#- stg_tracking__events' rows, of the events `keep` selects (a condition on the lake's columns:
    event_id, openid, unionid, dt; all by default). The condition is applied before the
    de-duplication and the parsing of props, so an incremental run (fct_events) parses only the
    events it rewrites; it must keep every row of an event it keeps (the first landed one wins). -#}
{% macro staged_tracking_events(keep='true') -%}
select
    event_id,
    openid as mp_openid,
    unionid,
    event as event_name,
    ts as event_at,
    cast(ts as date) as event_date,  -- China day (session TimeZone Asia/Shanghai)
    page,
    item_id,
    scene,
    props,
    {{ json_text('props', '$.share_id') }} as share_id,
    {{ json_text('props', '$.share_target') }} as share_target,
    {{ json_text('props', '$.sharer_openid') }} as sharer_openid,
    {{ json_text('props', '$.keyword') }} as search_keyword,
    -- The file's date (<collector>/<YYYY-MM-DD>/<HH>.jsonl) is when it arrived; a run can take files of
    -- earlier days that came in late, so the partition date (dt) is only when we landed it.
    coalesce(try_cast(regexp_extract(source_file, {{ sql_regex('/(\d{4}-\d{2}-\d{2})/') }}, 1) as date), cast(dt as date))
        as arrival_date,
    cast(dt as date) as landed_date
from {{ source('tracking', 'events') }}
where cast(dt as date) <= {{ run_date() }}
  and ({{ keep }})
  and {{ quarantine_reason([], [], tracking_event_checks()) }} is null
  and {{ not_suppressed(['openid', 'unionid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by event_id order by dt) = 1
{%- endmacro %}

{#- int_events_attributed's rows for the staged events `events` (a relation or a CTE's name): each
    with the customer it resolves to now, through its openid, else its unionid (null while its
    identity has not landed). -#}
{% macro attributed_events(events) -%}
select
    e.*,
    coalesce(by_openid.customer_id, by_unionid.customer_id) as customer_id
from {{ events }} e
left join {{ ref('int_identity__graph') }} by_openid
    on by_openid.identifier_type = 'mp_openid' and by_openid.identifier = e.mp_openid
left join {{ ref('int_identity__graph') }} by_unionid
    on by_unionid.identifier_type = 'unionid' and by_unionid.identifier = e.unionid
{%- endmacro %}
