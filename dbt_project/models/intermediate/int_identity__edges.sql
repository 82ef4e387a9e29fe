{{ incremental_state_config(['rule', 'left_identifier'],
                             fingerprint='identity edges v2 | merge rules: ' ~ var('identity_merge_rules') | join(',')) }}
-- The identity graph's evidence: one row per (rule, identifier pair) with when it was first and last
-- seen. A row whose right side is null only asserts that an identifier exists (a contact without a
-- unionid, an order's openid): it makes a node but links nothing.
-- `merges` says whether the rule links identifiers into one customer (var identity_merge_rules).
-- A rule that does not merge (order_receiver_phone by default) is still evidence: the junk guard
-- counts it when it measures how many people an identifier touches.
-- last_seen_at is null while WeCom's latest snapshot still holds the pair (the WeCom histories'
-- last_snapshot): a date that moved every day would rewrite every contact's evidence every day.
--
-- Evidence outlives its source row, as in the WeCom histories: every version of a mini-program user
-- and of an order counts (a phone a user authorised and later replaced was still theirs). So the
-- evidence only grows, and the table is kept incrementally (macros/incremental_state.sql): a run
-- rewrites the rows of the (rule, left identifier) whose sources changed since the last build: the
-- contacts the WeCom histories rewrote, the openids of the new app DB partitions, the new ID
-- conversions. A change of the merge rules rebuilds it.
{%- set rebuild = incremental_watermark() is none %}

with changed_contacts as (
    -- contacts whose WeCom history changed (the histories rewrite only those)
    select external_userid from {{ ref('int_wecom__contact_unionids') }}
    where {{ changed_since_watermark('written_on') }}
    union
    select external_userid from {{ ref('int_wecom__relation_spells') }}
    where {{ changed_since_watermark('written_on') }}
),

changed_openids as (
    -- mini-program users with a new version, or a new order, in the partitions landed since
    select openid from {{ source('appdb', 'mp_users') }}
    where cast(dt as date) <= {{ run_date() }} and {{ changed_since_watermark('cast(dt as date)') }}
    union
    select openid from {{ source('appdb', 'orders') }}
    where cast(dt as date) <= {{ run_date() }} and {{ changed_since_watermark('cast(dt as date)') }}
),

conversions as (
    -- WeCom's ID conversion: the latest cumulative snapshot holds every link
    select external_userid, unionid, openid, linked_on, checked_on
    from {{ source('wecom', 'unionid_links') }}
    where cast(dt as date) = {{ latest_snapshot('wecom', 'unionid_links') }}
        and external_userid is not null and unionid is not null
),

changed_conversions as (
    -- a link asked or matched since the last build, or whose contact or user changed
    select external_userid from conversions
    where {{ changed_since_watermark('checked_on') }} or {{ changed_since_watermark('linked_on') }}
        or external_userid in (select external_userid from changed_contacts)
        or openid in (select openid from changed_openids)
),

concerned_openids as (
    -- the users whose evidence is rewritten: a new version or order, or a changed conversion
    select openid from changed_openids
    union
    select openid from conversions
    where external_userid in (select external_userid from changed_conversions)
),

mp_versions as materialized (
    -- every version of the users concerned; read once for three rules
    {{ appdb_versions('mp_users', 'openid', var('mp_user_quarantine_checks'), rebuild,
                      ["nullif(trim(unionid), '') as unionid", 'phone_hash'], 'concerned_openids') }}
),

order_versions as materialized (
    {{ appdb_versions('orders', 'order_id', var('order_quarantine_checks'), rebuild, ['receiver_phone_hash'],
                      'changed_openids') }}
),

contact_added as (
    -- When staff first added the contact (over every relation in the snapshot history, deleted and
    -- inherited ones included): earlier and truer than the first snapshot we hold.
    select external_userid, min(added_at) as first_added_at
    from {{ ref('int_wecom__relation_spells') }}
    {%- if not rebuild %}
    where external_userid in (select external_userid from changed_contacts)
        or external_userid in (select external_userid from changed_conversions)
    {%- endif %}
    group by external_userid
),

wecom_contact as (
    select
        'wecom_contact_unionid' as rule,
        'wecom.external_contacts' as source,
        'external_userid' as left_type,
        p.external_userid as left_identifier,
        case when p.unionid is not null then 'unionid' end as right_type,
        p.unionid as right_identifier,
        least(a.first_added_at, cast(p.first_snapshot as timestamptz)) as first_seen_at,
        cast(p.last_snapshot as timestamptz) as last_seen_at,
        p.first_snapshot as first_landed_on
    from {{ ref('int_wecom__contact_unionids') }} p
    left join contact_added a using (external_userid)
    {%- if not rebuild %}
    where p.external_userid in (select external_userid from changed_contacts)
    {%- endif %}
),

mp_user as (
    select
        'mp_user_unionid' as rule,
        'appdb.mp_users' as source,
        'mp_openid' as left_type,
        mp_openid as left_identifier,
        case when unionid is not null then 'unionid' end as right_type,
        unionid as right_identifier,
        min(created_at) as first_seen_at,
        max(updated_at) as last_seen_at,
        min(first_extracted_dt) as first_landed_on
    from mp_versions
    group by mp_openid, unionid
    -- a version without a unionid asserts nothing another version with one does not
    qualify unionid is not null or count(unionid) over (partition by mp_openid) = 0
),

order_buyer as (
    select
        'order_openid' as rule,
        'appdb.orders' as source,
        'mp_openid' as left_type,
        mp_openid as left_identifier,
        cast(null as varchar) as right_type,
        cast(null as varchar) as right_identifier,
        min(created_at) as first_seen_at,
        max(updated_at) as last_seen_at,
        min(first_extracted_dt) as first_landed_on
    from order_versions
    group by mp_openid
),

group_member as (
    -- An external WeChat member of a customer group: WeCom reports their unionid when the corp is bound.
    select
        'group_member_unionid' as rule,
        'wecom.group_members' as source,
        'external_userid' as left_type,
        external_userid as left_identifier,
        'unionid' as right_type,
        unionid as right_identifier,
        least(first_joined_at, cast(first_snapshot as timestamptz)) as first_seen_at,
        cast(last_snapshot as timestamptz) as last_seen_at,
        first_snapshot as first_landed_on
    from {{ ref('int_wecom__group_member_unionids') }}
    where {{ changed_since_watermark('written_on') }}
),

unionid_conversion as (
    -- WeCom's ID conversion: the corp's contact that a mini-program user (unionid + openid) is, even
    -- when the contact's detail hides the unionid.
    -- The link has held since both accounts existed (the contact added, the user created): that is
    -- when it was first seen, as other rules date their evidence by the source's time; the day WeCom
    -- told us is when it landed. So a first build does not replay every conversion as a merge, and a
    -- conversion landing after both customers were built still logs theirs.
    select
        'wecom_unionid_conversion' as rule,
        'wecom.unionid_links' as source,
        'external_userid' as left_type,
        k.external_userid as left_identifier,
        'unionid' as right_type,
        k.unionid as right_identifier,
        min(coalesce(greatest(a.first_added_at, u.created_at), cast(k.linked_on as timestamptz))) as first_seen_at,
        max(cast(k.checked_on as timestamptz)) as last_seen_at,
        min(k.linked_on) as first_landed_on
    from conversions k
    left join contact_added a using (external_userid)
    left join (
        select mp_openid as openid, min(created_at) as created_at from mp_versions group by all
    ) u using (openid)
    {%- if not rebuild %}
    where k.external_userid in (select external_userid from changed_conversions)
    {%- endif %}
    group by all  -- one row per pair: a corp's several mini-programs give a unionid several openids
),

mp_phone as (
    -- A phone a user authorised in the mini-program (WeChat's getPhoneNumber): their own, from the
    -- first version holding it.
    select
        'mp_user_phone' as rule,
        'appdb.mp_users' as source,
        'mp_openid' as left_type,
        mp_openid as left_identifier,
        'phone_hash' as right_type,
        phone_hash as right_identifier,
        min(updated_at) as first_seen_at,
        max(updated_at) as last_seen_at,
        -- the version holding the phone may have landed later; the user's first landing bounds it
        min(first_extracted_dt) as first_landed_on
    from mp_versions
    where phone_hash is not null
    group by mp_openid, phone_hash
),

staff_remark_phone as (
    -- A phone a staff member noted on the contact (remark_mobiles), over every snapshot.
    select
        'staff_remark_phone' as rule,
        'wecom.follow_users' as source,
        'external_userid' as left_type,
        external_userid as left_identifier,
        'phone_hash' as right_type,
        phone_hash as right_identifier,
        first_relation_at as first_seen_at,
        cast(last_snapshot as timestamptz) as last_seen_at,
        first_snapshot as first_landed_on
    from {{ ref('int_wecom__remark_phones') }}
    where {{ changed_since_watermark('written_on') }}
),

order_receiver_phone as (
    -- The receiver phone of an order: often a family member's or a store clerk's. Evidence, and by
    -- default not a merge.
    select
        'order_receiver_phone' as rule,
        'appdb.orders' as source,
        'mp_openid' as left_type,
        mp_openid as left_identifier,
        'phone_hash' as right_type,
        receiver_phone_hash as right_identifier,
        min(created_at) as first_seen_at,
        max(updated_at) as last_seen_at,
        min(first_extracted_dt) as first_landed_on
    from order_versions
    where receiver_phone_hash is not null
    group by all
),

all_edges as (
    select * from wecom_contact
    union all select * from group_member
    union all select * from mp_user
    union all select * from unionid_conversion
    union all select * from mp_phone
    union all select * from staff_remark_phone
    union all select * from order_receiver_phone
    union all select * from order_buyer
)

-- Each branch is already one row per (rule, left, right): no regrouping of millions of rows here
-- (the unique_combination test guards it).
select
    rule,
    source,
    left_type,
    left_identifier,
    right_type,
    right_identifier,
    first_seen_at,
    last_seen_at,
    first_landed_on,
    right_identifier is not null and rule in {{ sql_list(var('identity_merge_rules')) }} as merges,
    {{ run_date() }} as written_on
from all_edges
where left_identifier is not null
