"""Junk guard: identifiers cut from the identity graph, with the reason and their degree.

- shared_by_too_many: a phone_hash linked (by any rule, merging or not) to more than
  var identity_max_links_per_phone distinct unionids / openids / external_userids: a store clerk's
  phone on hundreds of pickup orders, a shop's landline. quarantined_at is when the link one over
  the limit was first seen.
- test_number: a known test number (var identity_test_phones), pseudonymised here with SIYU_PII_KEY
  exactly as extraction pseudonymises phones.
A Python model because the test numbers must be hashed with the same HMAC as the lake.

Kept incrementally (macros/incremental_state.sql): the evidence only grows, so a phone's degree
only grows; a run re-measures the phones on the evidence written since its last build and rewrites
their rows. A change of the limit or of the test numbers rebuilds it (the fingerprint).
"""

import re


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", on_schema_change="fail")
    from siyu.config import settings
    from siyu.identity.model_config import config_list, run_limits
    from siyu.privacy import phone_hash

    max_links = int(dbt.config.get("max_links_per_phone"))
    run_date = dbt.config.get("run_date")
    key = settings().pii_key
    phones = config_list(dbt.config.get("test_phones"))
    test_hashes = sorted({h for p in phones if (h := phone_hash(str(p), key))})
    assert all(re.fullmatch("[0-9a-f]{64}", h) for h in test_hashes)  # safe to inline as literals
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", run_date)
    tests = ", ".join(f"'{h}'" for h in test_hashes) or "null"
    dbt.ref("int_identity__edges").create_view("_quarantine_edges", replace=True)
    limits = run_limits(session, dbt.ref("incremental_run_limits"), dbt.this.identifier)

    if not dbt.is_incremental or limits.watermark is None:
        measured = "true"
    else:  # the phones on evidence written since the last build; their old rows go
        changed = limits.written_since_sql
        session.execute(f"""
            create or replace temp table _quarantine_touched as
            select distinct right_identifier as phone_hash from _quarantine_edges
            where right_type = 'phone_hash' and {changed}
        """).fetchall()
        session.execute(f"""
            delete from {dbt.this}
            where identifier_type = 'phone_hash' and identifier in (select phone_hash from _quarantine_touched)
        """).fetchall()
        measured = "right_identifier in (select phone_hash from _quarantine_touched)"
    return session.sql(f"""
        with links as (
            select right_identifier as phone_hash, left_type, left_identifier,
                   min(first_seen_at) as first_seen_at
            from _quarantine_edges
            where right_type = 'phone_hash' and {measured}
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
                 else min(first_seen_at) filter (where link_no = {max_links} + 1) end as quarantined_at,
            date '{run_date}' as written_on
        from ranked
        where degree > {max_links} or phone_hash in ({tests})
        group by phone_hash
        order by identifier
    """)
