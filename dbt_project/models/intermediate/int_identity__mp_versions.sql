{{ config(materialized='ephemeral') }}
-- Every version of the mini-program users whose evidence is rewritten (all on a rebuild), with when
-- the warehouse first knew each user: read once for the rules mp_user_unionid, mp_user_phone and
-- wecom_unionid_conversion.
{%- set changed = ref('int_identity__changed_keys') %}
{%- set rebuild = incremental_watermark('int_identity__edges') is none %}
{{ appdb_versions('mp_users', 'openid', var('mp_user_quarantine_checks'), rebuild,
                  ["nullif(trim(unionid), '') as unionid", 'phone_hash'],
                  "(select key as openid from " ~ changed ~ " where kind = 'concerned_openid')") }}
