-- [contact × mini-program user] The "add your advisor" code (issue 19, rule contact_way_state): a
-- WeCom contact whose follow_info `state` (any snapshot <= run_date) is a state the brand's backend
-- created for a mini-program user (appdb.advisor_codes) is that user. One row per pair, in the shape
-- of the evidence families; int_identity__edges_advisor_codes hands it to the edges as one more rule.
-- written_on is the run on which the row last changed (the pair completed: both sides landed; or the
-- relation left WeCom's snapshots), so it stays put day over day and a daily run rewrites only the new.
-- last_seen_at is null while WeCom's latest snapshot still holds the relation, as for other WeCom
-- evidence.
{%- set latest = latest_snapshot('wecom', 'follow_users') %}
with states as (
    select
        external_userid,
        state,
        min(createtime) as first_relation_at,
        min(cast(dt as date)) as first_snapshot,
        max(cast(dt as date)) as last_snapshot
    from {{ source('wecom', 'follow_users') }}
    where cast(dt as date) <= {{ run_date() }} and external_userid is not null and state is not null
    group by all
),

codes as (
    select openid, state, min(created_at) as created_at, min(cast(dt as date)) as first_landed_on
    from {{ source('appdb', 'advisor_codes') }}
    where cast(dt as date) <= {{ run_date() }} and openid is not null and state is not null
    group by all
)

select
    'contact_way_state' as rule,
    'wecom.follow_users' as source,
    'external_userid' as left_type,
    s.external_userid as left_identifier,
    'mp_openid' as right_type,
    c.openid as right_identifier,
    greatest(s.first_relation_at, c.created_at) as first_seen_at,
    case when s.last_snapshot < {{ latest }} then cast(s.last_snapshot as {{ sql_timestamptz_type() }}) end as last_seen_at,
    greatest(s.first_snapshot, c.first_landed_on) as first_landed_on,
    greatest(s.first_snapshot, c.first_landed_on,
             case when s.last_snapshot < {{ latest }} then s.last_snapshot + 1 end) as written_on
from states s
join codes c using (state)
