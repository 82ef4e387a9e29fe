{{ snapshot_history_config('external_userid') }}
-- [member × unionid] External WeChat members of customer groups (type 2) with the unionid WeCom
-- reported for them, over every snapshot <= run_date: a member who left the group is still the same
-- person. Folded incrementally (macros/snapshot_history.sql).
{% set new_rows %}
    select
        userid as external_userid,
        nullif(trim(unionid), '') as unionid,
        min(join_time) as first_joined_at,
        min(cast(dt as date)) as first_snapshot,
        max(cast(dt as date)) as last_snapshot
    from {{ source('wecom', 'group_members') }}
    where {{ snapshots_to_fold() }} and type = 2 and userid is not null
        and nullif(trim(unionid), '') is not null
    group by 1, 2
{% endset %}

{{ fold_snapshot_history(new_rows, 'external_userid', ['external_userid', 'unionid'], ['first_joined_at'], 'wecom', 'group_members') }}
