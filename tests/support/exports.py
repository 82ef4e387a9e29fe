"""A hand-made published DuckDB for the CRM export and tag sync tests."""

from __future__ import annotations

import duckdb


def published_db(path, contacts: list[tuple[str, str, str]], tags: list[tuple[str, str]] | None) -> None:
    """contacts: (customer_id, external_userid, staff_userid); tags: (customer_id, tag_name)."""
    customers = sorted({c for c, _, _ in contacts})
    with duckdb.connect(str(path)) as con:
        con.execute(
            """create table dim_customers as select unnest(?) as customer_id,
                       timestamptz '2026-01-01 00:00:00+00' as first_seen_at, 1 as paid_orders_count,
                       99.5::decimal(18,2) as total_paid,
                       timestamptz '2026-01-02 00:00:00+00' as last_paid_at""",
            [customers],
        )
        con.execute(
            "create table customer_identifiers (identifier_type text, identifier text, customer_id text)"
        )
        con.execute(
            "create table customer_contacts (customer_id text, external_userid text, staff_userid text)"
        )
        for customer, ext, staff in contacts:
            con.execute("insert into customer_identifiers values ('external_userid', ?, ?)", [ext, customer])
            con.execute("insert into customer_contacts values (?, ?, ?)", [customer, ext, staff])
        if tags is not None:
            con.execute(
                "create table customer_tags (customer_id varchar, tag_name varchar, tag_class varchar)"
            )
            con.executemany("insert into customer_tags values (?, ?, 'business')", tags)
