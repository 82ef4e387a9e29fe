-- The corp's tag library as of run_date (latest snapshot).
with latest as (
    select *, cast(dt as date) as snapshot_date
    from {{ source('wecom', 'corp_tags') }}
    where cast(dt as date) = {{ latest_snapshot('wecom', 'corp_tags') }}
)

select
    tag_id,
    tag_name,
    group_id,
    group_name,
    create_time as created_at,
    {{ adapter.quote('order') }} as sort_order,
    coalesce(deleted, false) as is_deleted,
    case tag_type when 3 then 'strategy' else 'corp' end as tag_source,  -- get_strategy_tag_list or the library
    strategy_id
from latest
where tag_id is not null
qualify row_number() over (partition by tag_id order by create_time) = 1
