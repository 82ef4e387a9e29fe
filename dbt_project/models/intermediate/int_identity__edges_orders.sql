{{ config(materialized='ephemeral') }}
-- Evidence families of the orders (every version of the orders of the changed openids):
--   order_openid          the buyer's openid: it exists (a node, no link);
--   order_receiver_phone  the receiver phone: often a family member's or a store clerk's.
--                         Evidence, and by default not a merge.
{%- set changed = ref('int_identity__changed_keys') %}
{%- set rebuild = incremental_watermark('int_identity__edges') is none %}
with order_versions as (
    {{ appdb_versions('orders', 'order_id', var('order_quarantine_checks'), rebuild, ['receiver_phone_hash'],
                      "(select key as openid from " ~ changed ~ " where kind = 'openid')") }}
),

order_buyer as (
    select
        'order_openid' as rule,
        'appdb.orders' as source,
        'mp_openid' as left_type,
        mp_openid as left_identifier,
        cast(null as {{ sql_string_type() }}) as right_type,
        cast(null as {{ sql_string_type() }}) as right_identifier,
        min(created_at) as first_seen_at,
        max(updated_at) as last_seen_at,
        min(first_extracted_dt) as first_landed_on
    from order_versions
    group by mp_openid
),

order_receiver_phone as (
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
)

select * from order_buyer
union all
select * from order_receiver_phone
