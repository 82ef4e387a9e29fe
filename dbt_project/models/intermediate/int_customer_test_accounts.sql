-- Test accounts: the customers a declared test identifier resolves to, with why. dim_customers flags
-- them (is_test); the facts, segments, operations marts, exports and the tag sync leave them out.
-- Declared by any identifier type:
-- - a known test phone (var identity_test_phones; the junk guard cuts it from the graph as
--   'test_number'): every identifier a merging rule ties to it (the accounts that authorised
--   13800138000, a contact a staff member noted it on). A receiver phone (a non-merging rule) is not
--   the buyer's and flags nobody;
-- - configured identifiers: var identity_test_mp_openids, identity_test_unionids,
--   identity_test_external_userids (staff members' own WeChat accounts that appear as contacts go
--   in the last: WeCom gives no flag for them).
{%- set declared = {'mp_openid': var('identity_test_mp_openids', []),
                    'unionid': var('identity_test_unionids', []),
                    'external_userid': var('identity_test_external_userids', [])} %}
with test_phones as (
    select identifier as phone_hash
    from {{ ref('int_identity__quarantine') }}
    where identifier_type = 'phone_hash' and reason = 'test_number'
),

declared as (
    select distinct 'test_phone' as reason, e.left_type as identifier_type, e.left_identifier as identifier
    from {{ ref('int_identity__edges') }} e
    where e.merges and e.right_type = 'phone_hash'
        and e.right_identifier in (select phone_hash from test_phones)
    {%- for type, values in declared.items() if values %}
    union all
    select 'configured_{{ type }}', '{{ type }}', v
    from (values {% for v in values %}('{{ v | replace("'", "''") }}'){{ ", " if not loop.last }}{% endfor %}) t(v)
    {%- endfor %}
)

select
    g.customer_id,
    {{ sorted_distinct_list('d.reason') }} as test_reasons,
    count(distinct d.identifier_type || ':' || d.identifier) as test_identifiers_count
from declared d
join {{ ref('int_identity__graph') }} g using (identifier_type, identifier)
group by g.customer_id
