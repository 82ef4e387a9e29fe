"""A hand-made published DuckDB and a WeCom client for the CRM export and tag sync tests."""

from __future__ import annotations

import duckdb

from siyu.sources.wecom.client import WeComClient
from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_SECRET


def published_db(
    path,
    contacts: list[tuple[str, str, str]],
    tags: list[tuple[str, str]] | None,
    consent: dict[str, tuple[bool, bool]] | None = None,
) -> None:
    """contacts: (customer_id, external_userid, staff_userid); tags: (customer_id, tag_name); consent:
    customer_id → (can_contact, can_contact_wecom), everyone else may be contacted."""
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
        con.execute(
            "create table customer_consent (customer_id text, can_contact boolean, reason text, "
            "can_contact_wecom boolean)"
        )
        for customer in customers:
            can, wecom = (consent or {}).get(customer, (True, True))
            con.execute(
                "insert into customer_consent values (?, ?, ?, ?)",
                [customer, can, "no_decision" if can else "opted_out:app:mp_settings", wecom],
            )


def client_for(server, **kwargs) -> WeComClient:
    kwargs.setdefault("backoff", 0.001)
    kwargs.setdefault("max_backoff", 0.01)
    return WeComClient(f"http://127.0.0.1:{server.server_port}", DEMO_CORPID, DEMO_SECRET, **kwargs)
