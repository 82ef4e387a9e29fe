{{ config(materialized='ephemeral') }}
-- When staff first added each contact whose evidence is rewritten (over every relation in the
-- snapshot history, deleted and inherited ones included): earlier and truer than the first
-- snapshot we hold. Read by the rules wecom_contact_unionid and wecom_unionid_conversion.
{%- set changed = ref('int_identity__changed_keys') %}
{%- set rebuild = incremental_watermark('int_identity__edges') is none %}
select external_userid, min(added_at) as first_added_at
from {{ ref('int_wecom__relation_spells') }}
{%- if not rebuild %}
where external_userid in (select key from {{ changed }} where kind in ('contact', 'conversion'))
{%- endif %}
group by external_userid
