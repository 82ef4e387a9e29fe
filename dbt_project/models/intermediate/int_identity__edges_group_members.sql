{{ config(materialized='ephemeral') }}
-- Evidence family group_member_unionid: an external WeChat member of a customer group, with the
-- unionid WeCom reports when the corp is bound (int_wecom__group_member_unionids).
select
    'group_member_unionid' as rule,
    'wecom.group_members' as source,
    'external_userid' as left_type,
    external_userid as left_identifier,
    'unionid' as right_type,
    unionid as right_identifier,
    least(first_joined_at, cast(first_snapshot as {{ sql_timestamptz_type() }})) as first_seen_at,
    cast(last_snapshot as {{ sql_timestamptz_type() }}) as last_seen_at,
    first_snapshot as first_landed_on
from {{ ref('int_wecom__group_member_unionids') }}
where {{ changed_since_watermark('written_on', 'int_identity__edges') }}
