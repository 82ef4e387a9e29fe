-- Tracking lines or files the landing could not read as events (lake tracking.events_quarantine),
-- keyed by file and line, with the reason: they reach data_quarantine beside staging's own.
select
    'tracking.events' as entity,
    source_file || ':' || coalesce(cast(line_no as varchar), '-') as row_key,
    reason,
    cast(dt as date) as dt
from {{ source('tracking', 'events_quarantine') }}
where cast(dt as date) <= {{ run_date() }}
