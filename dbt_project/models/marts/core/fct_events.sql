{{ incremental_state_config('event_id', version='fct_events v1') }}
{{ config(post_hook="{{ fct_events_drop_unresolved() }}") }}
-- One row per mini-program event with a customer: the customer of its openid, else of the unionid
-- the event carries. An event whose user is not known yet (the mini-program user row lands on a later
-- day than the event) waits in events_awaiting_identity and joins this table on the run its identity
-- lands. Test accounts' events are left out (int_customer_test_accounts).
-- Incremental (macros/incremental_state.sql; delete+insert on event_id): a run rewrites
-- - the events landed since its watermark (by the partition that landed them: late events included,
--   whatever their event date),
-- - every event of an openid or unionid whose identity graph row was rewritten since (a merge, a
--   split, an identity that landed: the events waiting for it), and the events of an openid the
--   graph no longer holds or of a customer that no longer exists (merged away, cut),
-- - the events of test accounts (the post-hook drops them, with the rewritten events that have no
--   customer any more).
-- Of those, only the rows whose customer changed are written. written_on: the run_date of the build
-- that last wrote the row.
{%- set watermark = incremental_watermark() %}
{%- set graph = ref('int_identity__graph') %}
-- depends_on: {{ source('tracking', 'events') }} {{ ref('int_events_attributed') }}
{%- if watermark is not none %}
-- Only the rewritten events are staged and attributed (macros/tracking_events.sql): their ids come
-- from the lake's id columns, and every landed row of such an id is staged (the first one wins).
with changed_identifiers as (
    select identifier_type, identifier from {{ graph }} where {{ changed_since('written_on', watermark) }}
),

lake_ids as (
    select event_id, openid, unionid, cast(dt as date) as landed_date
    from {{ source('tracking', 'events') }}
    where cast(dt as date) <= {{ run_date() }}
),

rewritten as (
    select event_id from lake_ids where {{ changed_since('landed_date', watermark) }}
    union
    select event_id from lake_ids
    where openid in (select identifier from changed_identifiers where identifier_type = 'mp_openid')
    union
    select event_id from lake_ids
    where unionid in (select identifier from changed_identifiers where identifier_type = 'unionid')
    union
    select event_id from {{ this }}
    where mp_openid not in (select identifier from {{ graph }} where identifier_type = 'mp_openid')
    union
    select event_id from {{ this }} where customer_id not in (select customer_id from {{ graph }})
    union
    select event_id from {{ this }} where not {{ not_test_customer('customer_id') }}
),

staged as (
    {{ staged_tracking_events('event_id in (select event_id from rewritten)') | indent(4) }}
),

attributed as (
    {{ attributed_events('staged') | indent(4) }}
)
{%- endif %}

select
    e.event_id,
    e.customer_id,
    e.mp_openid,
    e.event_name,
    e.event_at,
    e.event_date,
    e.page,
    e.item_id,
    e.scene,
    e.share_id,
    e.share_target,
    e.sharer_openid,
    e.search_keyword,
    e.props,
    e.arrival_date,
    e.arrival_date > e.event_date as arrived_late,
    {{ run_date() }} as written_on
{%- if watermark is none %}
from {{ ref('int_events_attributed') }} e
where e.customer_id is not null and {{ not_test_customer('e.customer_id') }}
{%- else %}
from attributed e
-- only the events whose customer changed (or that are new): an event's other columns are fixed when
-- it lands, and rewriting an unchanged row costs its primary key's upkeep for nothing
where not exists (
    select 1 from {{ this }} f where f.event_id = e.event_id and f.customer_id is not distinct from e.customer_id
)
{%- endif %}
