{{ config(materialized='ephemeral') }}
-- Evidence family staff_remark_phone: a phone a staff member noted on the contact (remark_mobiles),
-- over every snapshot (int_wecom__remark_phones).
select
    'staff_remark_phone' as rule,
    'wecom.follow_users' as source,
    'external_userid' as left_type,
    external_userid as left_identifier,
    'phone_hash' as right_type,
    phone_hash as right_identifier,
    first_relation_at as first_seen_at,
    cast(last_snapshot as {{ sql_timestamptz_type() }}) as last_seen_at,
    first_snapshot as first_landed_on
from {{ ref('int_wecom__remark_phones') }}
where {{ changed_since_watermark('written_on', 'int_identity__edges') }}
