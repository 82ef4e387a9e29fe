{{ snapshot_history_config('external_userid') }}
-- [relation] Every contact ↔ staff relation seen in any WeCom snapshot up to run_date, with the day it
-- ended. The API only lists relations that exist, so a relation's end is the first snapshot after the
-- last one holding it (removed_on; null, like last_snapshot, while the latest snapshot holds it). A
-- relation deleted and added again has a new createtime, so it is a new spell. History comes from the
-- daily snapshots: a date with no snapshot moves the removal to the next one that exists.
-- Folded incrementally (macros/snapshot_history.sql): a run reads the new snapshots and rewrites the
-- contacts whose relations changed: a new one, or one the latest snapshot no longer holds.
{% set new_rows %}
    select
        external_userid,
        userid as staff_userid,
        createtime as added_at,
        -- add_way and state are fixed when the relation is made; any snapshot's value will do
        min(add_way) as add_way,
        min(state) as contact_way_state,
        min(cast(dt as date)) as first_snapshot,
        max(cast(dt as date)) as last_snapshot
    from {{ source('wecom', 'follow_users') }}
    where {{ snapshots_to_fold() }} and external_userid is not null
    group by external_userid, userid, createtime
{% endset %}

with spells as (
    {{ fold_snapshot_history(new_rows, 'external_userid', ['external_userid', 'staff_userid', 'added_at'],
                             ['add_way', 'contact_way_state'], 'wecom', 'follow_users') }}
),

snapshots as (
    select distinct cast(dt as date) as snapshot_date
    from {{ source('wecom', 'follow_users') }}
    where cast(dt as date) <= {{ run_date() }}
)

select
    s.external_userid,
    s.staff_userid,
    s.added_at,
    cast(s.added_at as date) as added_on,  -- China day (session TimeZone Asia/Shanghai)
    s.add_way,
    s.contact_way_state,
    s.first_snapshot,
    s.last_snapshot,
    (select min(n.snapshot_date) from snapshots n where n.snapshot_date > s.last_snapshot) as removed_on,
    s.written_on
from spells s
