-- The identity graph's evidence: one row per (rule, identifier pair) with when it was first and last
-- seen. A row whose right side is null only asserts that an identifier exists (a contact without a
-- unionid, an order's openid): it makes a node but links nothing.
-- `merges` says whether the rule links identifiers into one customer (var identity_merge_rules).
with contact_added as (
    -- When staff first added the contact: earlier and truer than the first snapshot we hold.
    select external_userid, min(added_at) as first_added_at
    from {{ ref('stg_wecom__follow_users') }}
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
        least(a.first_added_at, cast(p.first_snapshot_date as timestamptz)) as first_seen_at,
        cast(p.last_snapshot_date as timestamptz) as last_seen_at
    from {{ ref('stg_wecom__external_contact_unionids') }} p
    left join contact_added a using (external_userid)
),

mp_user as (
    select
        'mp_user_unionid' as rule,
        'appdb.mp_users' as source,
        'mp_openid' as left_type,
        mp_openid as left_identifier,
        case when unionid is not null then 'unionid' end as right_type,
        unionid as right_identifier,
        created_at as first_seen_at,
        updated_at as last_seen_at
    from {{ ref('stg_appdb__mp_users') }}
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
        max(updated_at) as last_seen_at
    from {{ ref('stg_appdb__orders') }}
    group by mp_openid
),

all_edges as (
    select * from wecom_contact
    union all select * from mp_user
    union all select * from order_buyer
)

select
    rule,
    source,
    left_type,
    left_identifier,
    right_type,
    right_identifier,
    min(first_seen_at) as first_seen_at,
    max(last_seen_at) as last_seen_at,
    right_identifier is not null and rule in {{ sql_list(var('identity_merge_rules')) }} as merges
from all_edges
where left_identifier is not null
group by all
