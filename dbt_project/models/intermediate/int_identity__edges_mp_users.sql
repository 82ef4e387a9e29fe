{{ config(materialized='ephemeral') }}
-- Evidence families of the mini-program users (every version: a phone a user authorised and later
-- replaced was still theirs):
--   mp_user_unionid  a user and their unionid;
--   mp_user_phone    a phone the user authorised (WeChat's getPhoneNumber): their own, from the
--                    first version holding it.
with mp_user as (
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
    from {{ ref('int_identity__mp_versions') }}
    group by mp_openid, unionid
    -- a version without a unionid asserts nothing another version with one does not
    qualify unionid is not null or count(unionid) over (partition by mp_openid) = 0
),

mp_phone as (
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
    from {{ ref('int_identity__mp_versions') }}
    where phone_hash is not null
    group by mp_openid, phone_hash
)

select * from mp_user
union all
select * from mp_phone
