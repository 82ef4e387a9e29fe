{{ config(materialized='ephemeral') }}
-- Evidence family wecom_contact_unionid: a WeCom contact and the unionid its detail showed, over the
-- snapshot history (int_wecom__contact_unionids), first seen when staff first added the contact.
{%- set changed = ref('int_identity__changed_keys') %}
{%- set rebuild = incremental_watermark('int_identity__edges') is none %}
select
    'wecom_contact_unionid' as rule,
    'wecom.external_contacts' as source,
    'external_userid' as left_type,
    p.external_userid as left_identifier,
    case when p.unionid is not null then 'unionid' end as right_type,
    p.unionid as right_identifier,
    least(a.first_added_at, cast(p.first_snapshot as {{ sql_timestamptz_type() }})) as first_seen_at,
    cast(p.last_snapshot as {{ sql_timestamptz_type() }}) as last_seen_at,
    p.first_snapshot as first_landed_on
from {{ ref('int_wecom__contact_unionids') }} p
left join {{ ref('int_identity__contact_added') }} a using (external_userid)
{%- if not rebuild %}
where p.external_userid in (select key from {{ changed }} where kind = 'contact')
{%- endif %}
