{{ incremental_state_config(['rule', 'left_identifier'], version='identity edges v2',
                           vars=['identity_merge_rules']) }}
-- The identity graph's evidence: one row per (rule, identifier pair) with when it was first and last
-- seen, the union of the evidence families (int_identity__edges_*: one model per source of evidence).
-- A row whose right side is null only asserts that an identifier exists (a contact without a
-- unionid, an order's openid): it makes a node but links nothing.
-- `merges` says whether the rule links identifiers into one customer (var identity_merge_rules).
-- A rule that does not merge (order_receiver_phone by default) is still evidence: the junk guard
-- counts it when it measures how many people an identifier touches.
-- last_seen_at is null while WeCom's latest snapshot still holds the pair (the WeCom histories'
-- last_snapshot): a date that moved every day would rewrite every contact's evidence every day.
--
-- Evidence outlives its source row, as in the WeCom histories: every version of a mini-program user
-- and of an order counts. So the evidence only grows, and the table is kept incrementally
-- (macros/incremental_state.sql): a run rewrites the rows of the (rule, left identifier) whose
-- sources changed since the last build (int_identity__changed_keys): the contacts the WeCom
-- histories rewrote, the openids of the new app DB partitions, the new ID conversions. A change of
-- the merge rules rebuilds it.
{%- set families = ['int_identity__edges_wecom_contacts', 'int_identity__edges_group_members',
                    'int_identity__edges_mp_users', 'int_identity__edges_id_conversions',
                    'int_identity__edges_staff_remarks', 'int_identity__edges_orders',
                    'int_identity__edges_advisor_codes'] %}

with all_edges as (
    {%- for family in families %}
    select * from {{ ref(family) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

-- Each family is already one row per (rule, left, right): no regrouping of millions of rows here
-- (the unique_combination test guards it).
select
    rule,
    source,
    left_type,
    left_identifier,
    right_type,
    right_identifier,
    first_seen_at,
    last_seen_at,
    first_landed_on,
    right_identifier is not null and rule in {{ sql_list(var('identity_merge_rules')) }} as merges,
    {{ run_date() }} as written_on
from all_edges
where left_identifier is not null
