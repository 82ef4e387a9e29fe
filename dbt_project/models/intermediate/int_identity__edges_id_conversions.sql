{{ config(materialized='ephemeral') }}
-- Evidence family wecom_unionid_conversion: WeCom's ID conversion, the corp's contact that a
-- mini-program user (unionid + openid) is, even when the contact's detail hides the unionid.
-- The link has held since both accounts existed (the contact added, the user created): that is
-- when it was first seen, as other rules date their evidence by the source's time; the day WeCom
-- told us is when it landed. So a first build does not replay every conversion as a merge, and a
-- conversion landing after both customers were built still logs theirs.
{%- set changed = ref('int_identity__changed_keys') %}
{%- set rebuild = incremental_watermark('int_identity__edges') is none %}
with conversions as (
    -- the latest cumulative snapshot holds every link
    select external_userid, unionid, openid, linked_on, checked_on
    from {{ source('wecom', 'unionid_links') }}
    where cast(dt as date) = {{ latest_snapshot('wecom', 'unionid_links') }}
        and external_userid is not null and unionid is not null
)

select
    'wecom_unionid_conversion' as rule,
    'wecom.unionid_links' as source,
    'external_userid' as left_type,
    k.external_userid as left_identifier,
    'unionid' as right_type,
    k.unionid as right_identifier,
    min(coalesce(greatest(a.first_added_at, u.created_at), cast(k.linked_on as {{ sql_timestamptz_type() }}))) as first_seen_at,
    max(cast(k.checked_on as {{ sql_timestamptz_type() }})) as last_seen_at,
    min(k.linked_on) as first_landed_on
from conversions k
left join {{ ref('int_identity__contact_added') }} a using (external_userid)
left join (
    select mp_openid as openid, min(created_at) as created_at
    from {{ ref('int_identity__mp_versions') }}
    group by all
) u using (openid)
{%- if not rebuild %}
where k.external_userid in (select key from {{ changed }} where kind = 'conversion')
{%- endif %}
group by all  -- one row per pair: a corp's several mini-programs give a unionid several openids
