{{ config(materialized='ephemeral') }}
-- The keys whose identity evidence int_identity__edges rewrites in this run (its watermark:
-- macros/incremental_state.sql), by kind; the evidence families read the kinds they need. Unused on
-- a rebuild (every key is rewritten).
--   contact           contacts whose WeCom history changed (the histories rewrite only those)
--   openid            mini-program users with a new version, or a new order, in the partitions
--                     landed since
--   conversion        contacts of an ID conversion asked or matched since, or whose contact or
--                     user changed
--   concerned_openid  the users whose evidence is rewritten: a new version or order, or a changed
--                     conversion
{%- set edges = 'int_identity__edges' %}

with changed_contacts as (
    select external_userid from {{ ref('int_wecom__contact_unionids') }}
    where {{ changed_since_watermark('written_on', edges) }}
    union
    select external_userid from {{ ref('int_wecom__relation_spells') }}
    where {{ changed_since_watermark('written_on', edges) }}
),

changed_openids as (
    select openid from {{ source('appdb', 'mp_users') }}
    where cast(dt as date) <= {{ run_date() }} and {{ changed_since_watermark('cast(dt as date)', edges) }}
    union
    select openid from {{ source('appdb', 'orders') }}
    where cast(dt as date) <= {{ run_date() }} and {{ changed_since_watermark('cast(dt as date)', edges) }}
),

conversions as (
    -- WeCom's ID conversion: the latest cumulative snapshot holds every link
    select external_userid, openid, linked_on, checked_on
    from {{ source('wecom', 'unionid_links') }}
    where cast(dt as date) = {{ latest_snapshot('wecom', 'unionid_links') }}
        and external_userid is not null and unionid is not null
),

changed_conversions as (
    select external_userid from conversions
    where {{ changed_since_watermark('checked_on', edges) }} or {{ changed_since_watermark('linked_on', edges) }}
        or external_userid in (select external_userid from changed_contacts)
        or openid in (select openid from changed_openids)
)

select 'contact' as kind, external_userid as key from changed_contacts
union all
select 'openid', openid from changed_openids
union all
select 'conversion', external_userid from changed_conversions
union all
select 'concerned_openid', openid from (
    select openid from changed_openids
    union
    select openid from conversions
    where external_userid in (select external_userid from changed_conversions)
)
