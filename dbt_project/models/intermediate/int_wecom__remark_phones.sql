{{ snapshot_history_config('external_userid') }}
-- [contact × phone] Every phone a staff member noted on a contact (remark_mobiles, pseudonymised) in
-- a snapshot <= run_date: first_relation_at is the earliest createtime of a relation carrying it.
-- The evidence outlives the relation (a contact deleted later is still the person whose phone was
-- noted). Folded incrementally (macros/snapshot_history.sql).
{% set new_rows %}
    select
        f.external_userid,
        m.phone_hash,
        min(f.createtime) as first_relation_at,
        min(cast(f.dt as date)) as first_snapshot,
        max(cast(f.dt as date)) as last_snapshot
    from (
        -- most relations carry no noted phone: drop them before the unnest, not after
        select external_userid, createtime, dt, remark_mobile_hashes
        from {{ source('wecom', 'follow_users') }}
        where {{ snapshots_to_fold() }} and external_userid is not null
            and {{ list_length('remark_mobile_hashes') }} > 0
    ) f,
        {{ unnest_from('f.remark_mobile_hashes', 'm', 'phone_hash') }}
    where m.phone_hash is not null
    group by 1, 2
{% endset %}

{{ fold_snapshot_history(new_rows, 'external_userid', ['external_userid', 'phone_hash'], ['first_relation_at'], 'wecom', 'follow_users') }}
