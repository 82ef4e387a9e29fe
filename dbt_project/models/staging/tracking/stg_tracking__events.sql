-- Mini-program events that arrived up to run_date, with a plausible ts (the others are in
-- stg_tracking__events_quarantine). Extraction already de-duplicates on event_id
-- across partitions; the qualify guards against a partition re-landed by hand.
-- props is a JSON object whose keys depend on the event: the ones marts use are lifted out here.
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
  and {{ quarantine_reason([], [], tracking_event_checks()) }} is null
  and {{ not_suppressed(['openid', 'unionid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by event_id order by dt) = 1
