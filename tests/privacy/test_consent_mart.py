"""customer_consent on a hand-made lake built by real dbt runs: the latest marketing decision of the
app DB's consent events and the privacy inbox's opt-outs, and WeCom's rule (a contact deleted by every
staff member is not contactable there). An opt-out keeps the customer's rows.

People: alice (o_a, e_a, u_a) opted in then out in the app; bob (o_b) out then in again; carol (e_c)
held on 03-01, deleted by her only staff member by 03-10; dave (o_d) never decided; erin (e_e, u_e)
opted out through the privacy inbox by unionid; gina (o_g, phone h_g) by phone; frank (o_f) filed
after the run's day, so not yet; a request naming an unknown identifier touches nobody."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.dbt.conftest import build_fixture_warehouse, contact, mp_user, order, ts

S1, RUN = "2026-03-01", "2026-03-10"


def follow(euid: str) -> dict:
    return {
        "external_userid": euid,
        "userid": "s1",
        "createtime": ts("2026-02-20T02:00:00"),
        "tags": [],
        "add_way": 1,
    }


def consent(event_id: str, openid: str, action: str, source: str, at: str) -> dict:
    return {
        "event_id": event_id,
        "openid": openid,
        "purpose": "marketing",
        "action": action,
        "source": source,
        "occurred_at": ts(at),
        "updated_at": ts(at),
    }


def opt_outs(home) -> None:
    """The privacy inbox's file, as siyu.pipl keeps it (the value column named `value` here)."""
    folder = home / "privacy"
    folder.mkdir(parents=True)
    at = lambda v: dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC)  # noqa: E731
    pq.write_table(pa.table({
        "request_id": ["r1", "r2", "r3", "r4"],
        "identifier_type": ["unionid", "phone", "mp_openid", "unionid"],
        "value": ["u_e", "h_g", "o_f", "u_nobody"],
        "received_at": [at("2026-03-05T01:00:00"), at("2026-03-06T01:00:00"), at("2026-03-10T17:00:00"),
                        at("2026-03-05T01:00:00")],
    }), folder / "privacy_opt_outs.parquet")  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("consent")
    opt_outs(home)
    users = [mp_user("o_a", "u_a", "2026-02-01T02:00:00"), mp_user("o_b", None, "2026-02-01T02:00:00"),
             mp_user("o_d", None, "2026-02-01T02:00:00"), mp_user("o_f", None, "2026-02-01T02:00:00"),
             {**mp_user("o_g", None, "2026-02-01T02:00:00"), "phone_hash": "h_g"}]  # fmt: skip
    lake = {
        S1: {
            ("wecom", "follow_users"): [follow("e_a"), follow("e_c"), follow("e_e")],
            ("wecom", "external_contacts"): [
                contact("e_a", "u_a"),
                contact("e_c", None),
                contact("e_e", "u_e"),
            ],
            ("appdb", "mp_users"): users,
            ("appdb", "orders"): [
                order("ord_a", "o_a", "paid", "80.00", "2026-02-02T02:00:00", "2026-02-02T02:00:00")
            ],
            ("appdb", "consent_events"): [
                consent("ce1", "o_a", "opt_in", "mp_subscribe", "2026-02-01T03:00:00"),
                consent("ce2", "o_b", "opt_out", "customer_service", "2026-02-03T03:00:00"),
            ],
        },
        RUN: {
            ("wecom", "follow_users"): [follow("e_a"), follow("e_e")],
            ("wecom", "external_contacts"): [contact("e_a", "u_a"), contact("e_e", "u_e")],
            ("appdb", "consent_events"): [
                consent("ce3", "o_a", "opt_out", "mp_settings", "2026-03-08T03:00:00"),
                consent("ce4", "o_b", "opt_in", "mp_subscribe", "2026-03-09T03:00:00"),
            ],
        },
    }
    return home, build_fixture_warehouse(home, lake, RUN)


@pytest.fixture(scope="module")
def con(built):
    with duckdb.connect(str(built[1]), read_only=True) as connection:
        yield connection


def consent_by_identifier(con) -> dict[str, tuple]:
    rows = con.execute("""
        select ci.identifier, c.can_contact, c.reason, c.decided_at, c.can_contact_wecom, c.wecom_reason,
               c.wecom_decided_at
        from main_marts.customer_consent c join main_marts.customer_identifiers ci using (customer_id)
        where ci.identifier_type in ('mp_openid', 'external_userid')
    """).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_the_latest_decision_holds_with_its_reason_and_date(con):
    got = consent_by_identifier(con)
    assert got["o_a"][:3] == (False, "opted_out:app:mp_settings", ts("2026-03-08T03:00:00"))
    assert got["e_a"] == got["o_a"]  # one customer: the opt-out holds for every identifier
    assert got["o_b"][:3] == (True, "opted_in:app:mp_subscribe", ts("2026-03-09T03:00:00"))
    assert got["o_d"][:3] == (True, "no_decision", None)


def test_opt_outs_filed_through_the_privacy_inbox_count_from_the_day_received(con):
    got = consent_by_identifier(con)
    assert got["e_e"][:3] == (False, "opted_out:privacy_request", ts("2026-03-05T01:00:00"))
    assert got["o_g"][:3] == (False, "opted_out:privacy_request", ts("2026-03-06T01:00:00"))  # by phone
    # received 03-11 01:00 China time: after the run's day, not yet in force
    assert got["o_f"][:3] == (True, "no_decision", None)


def test_a_contact_deleted_by_every_staff_member_is_not_contactable_on_wecom(con):
    got = consent_by_identifier(con)
    assert got["e_c"] == (True, "no_decision", None, False, "deleted_every_staff_member", got["e_c"][5])
    assert got["e_c"][5] is not None and got["e_c"][5].date() <= dt.date(2026, 3, 10)
    assert got["e_a"][3:5] == (False, "opted_out:app:mp_settings")  # held, but opted out
    assert got["e_e"][3:5] == (False, "opted_out:privacy_request")
    assert got["o_d"][3:5] == (False, "not_a_wecom_contact")


def test_every_customer_has_one_decision_and_an_opt_out_keeps_the_data(con):
    customers = con.execute("select count(*) from main_marts.dim_customers").fetchall()[0][0]
    consent = con.execute("select count(*), count(distinct customer_id) from main_marts.customer_consent")
    assert consent.fetchall()[0] == (customers, customers)
    kept = con.execute("""
        select o.order_id, o.amount from main_marts.fct_orders o
        join main_marts.customer_identifiers ci using (customer_id) where ci.identifier = 'o_a'
    """).fetchall()
    assert kept == [("ord_a", Decimal("80.00"))]


def test_the_published_export_leaves_out_who_may_not_be_contacted(built, tmp_path):
    """Through the publish, as siyu_exports runs: the opted-out leave the profiles, and the opted-out and
    the deleted leave the staff audiences; the manifest counts them."""
    from siyu.exports.profiles import export_date
    from siyu.publish import publish

    home, warehouse = built
    published = tmp_path / "published" / "siyu.duckdb"
    publish(warehouse, published, tmp_path / "published" / "parquet", date=RUN)
    manifest = export_date(published, tmp_path / "exports", RUN)
    with duckdb.connect(str(published), read_only=True) as con:
        blocked = {
            r[0]
            for r in con.execute("select customer_id from customer_consent where not can_contact").fetchall()
        }
        customers = con.execute("select count(*) from dim_customers").fetchall()[0][0]
    profiles = pq.read_table(tmp_path / "exports" / RUN / "customer_profiles.parquet").to_pylist()
    audiences = pq.read_table(tmp_path / "exports" / RUN / "staff_audiences.parquet").to_pylist()
    assert len(blocked) == 3  # alice, erin, gina
    assert not blocked & {p["customer_id"] for p in profiles}
    assert len(profiles) == customers - 3 == manifest["rows"]["customer_profiles"]
    assert audiences == []  # e_a and e_e opted out; carol's relation is gone
    left_out = {"customer_profiles": 3, "staff_audiences": 2, "staff_audience_customers": 2}
    assert manifest["left_out"] == left_out


def test_no_name_column_reaches_the_published_file(built, tmp_path):
    """Minimisation: names stay in the lake and staging; no published table has a name column."""
    from siyu.contracts import PERSON_NAME_COLUMNS
    from siyu.publish import publish

    _, warehouse = built
    published = tmp_path / "published" / "siyu.duckdb"
    publish(warehouse, published, tmp_path / "published" / "parquet", date=RUN)
    with duckdb.connect(str(published), read_only=True) as con:
        query = "select column_name from information_schema.columns"
        columns = {r[0].lower() for r in con.execute(query).fetchall()}
    assert len(columns) > 100 and not columns & PERSON_NAME_COLUMNS
