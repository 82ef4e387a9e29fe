{{ snapshot_history_config('external_userid') }}
-- [contact × unionid] Every (external_userid, unionid) pair WeCom reported in a snapshot <= run_date,
-- with the first and last snapshot holding it (last_snapshot null while the latest snapshot still
-- does; unionid null: the contact's detail showed none).
-- Identity evidence outlives the contact: a customer who deleted the staff member is still the same
-- person, so edges are built from this history, not the latest snapshot. Folded incrementally
-- (macros/snapshot_history.sql): a run reads only the snapshots this table has not seen, and rewrites
-- only the contacts whose pairs changed.
{% set new_rows %}
    select
        external_userid,
        nullif(trim(unionid), '') as unionid,
        min(cast(dt as date)) as first_snapshot,
        max(cast(dt as date)) as last_snapshot
    from {{ source('wecom', 'external_contacts') }}
    where {{ snapshots_to_fold() }} and external_userid is not null
    group by 1, 2
{% endset %}

{{ fold_snapshot_history(new_rows, 'external_userid', ['external_userid', 'unionid'], [], 'wecom', 'external_contacts') }}
