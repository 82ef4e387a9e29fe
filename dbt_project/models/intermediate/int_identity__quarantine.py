"""Junk guard: identifiers cut from the identity graph, with the reason and their degree.

- shared_by_too_many: a phone_hash linked (by any rule, merging or not) to more than
  var identity_max_links_per_phone distinct unionids / openids / external_userids: a store clerk's
  phone on hundreds of pickup orders, a shop's landline. quarantined_at is when the link one over
  the limit was first seen.
- test_number: a known test number (var identity_test_phones), pseudonymised here with SIYU_PII_KEY
  exactly as extraction pseudonymises phones.
A Python model because the test numbers must be hashed with the same HMAC as the lake.
"""

import re


def model(dbt, session):
    dbt.config(materialized="table")
    from siyu.config import settings
    from siyu.identity.model_config import config_list
    from siyu.privacy import phone_hash

    max_links = int(dbt.config.get("max_links_per_phone"))
    key = settings().pii_key
    phones = config_list(dbt.config.get("test_phones"))
    test_hashes = sorted({h for p in phones if (h := phone_hash(str(p), key))})
    assert all(re.fullmatch("[0-9a-f]{64}", h) for h in test_hashes)  # safe to inline as literals
    tests = ", ".join(f"'{h}'" for h in test_hashes) or "null"
    edges = dbt.ref("int_identity__edges")
    return edges.query("edges", f"""
        with links as (
            select right_identifier as phone_hash, left_type, left_identifier,
                   min(first_seen_at) as first_seen_at
            from edges
            where right_type = 'phone_hash'
            group by all
        ),
        ranked as (
            select *,
                row_number() over (partition by phone_hash
                                   order by first_seen_at, left_type, left_identifier) as link_no,
                count(*) over (partition by phone_hash) as degree
            from links
        )
        select
            'phone_hash' as identifier_type,
            phone_hash as identifier,
            case when phone_hash in ({tests}) then 'test_number' else 'shared_by_too_many' end as reason,
            any_value(degree) as degree,
            case when phone_hash in ({tests}) then min(first_seen_at)
                 else min(first_seen_at) filter (where link_no = {max_links} + 1) end as quarantined_at
        from ranked
        where degree > {max_links} or phone_hash in ({tests})
        group by phone_hash
        order by identifier
    """)
