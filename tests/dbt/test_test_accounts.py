"""Test accounts out of every mart, export and the tag sync (issue 19), on a hand-made lake.

real : a [o_a, u_a, e_a held by staff_1]: paid 300 on 06-20, browsed on 06-29
test phone: t1 [o_t1], t2 [o_t2] both authorised 13800138000 (WeChat devtools' number): each paid
       100 and browsed; t2 invited by t1 (a referral between test accounts)
configured: t3 [o_t3] in var identity_test_mp_openids: paid 100;
       staff_own [e_staff_own] (a staff member's own WeChat as a contact of staff_1) in var
       identity_test_external_userids
Every table of the marts but dim_customers (which flags them) and the identity marts (which explain
the graph) must be free of their customer ids and identifiers; so must the CRM files and the tags
the sync would write.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from siyu.config import settings
from siyu.privacy import phone_hash
from siyu_dev.simulator.people import TEST_PHONE
from tests.dbt.conftest import build_fixture_warehouse, contact, follow, mp_user, order, ts

DAY = "2026-06-30"
TEST_OPENIDS = ["o_t1", "o_t2", "o_t3"]
# marts allowed to name test accounts: the flag itself, and the identity graph's own explanation
ALLOWED = {"dim_customers", "customer_identifiers"}


def lake_rows() -> dict:
    test_hash = phone_hash(TEST_PHONE, settings().pii_key)
    users = [mp_user("o_a", "u_a", "2026-01-01T00:00:00")]
    for openid in TEST_OPENIDS:
        row = mp_user(openid, None, "2026-01-02T00:00:00")
        row["phone_hash"] = test_hash if openid != "o_t3" else None
        users.append(row)
    users[2]["inviter_openid"] = "o_t1"
    orders = [order("ord_a", "o_a", "completed", "300.00", "2026-06-20T03:00:00", "2026-06-20T03:00:00")]
    orders += [
        order(f"ord_{o}", o, "completed", "100.00", "2026-06-21T03:00:00", "2026-06-21T03:00:00")
        for o in TEST_OPENIDS
    ]
    for row in orders:
        row["created_at"] = ts("2026-06-19T03:00:00")
    events = [
        {
            "event_id": f"ev_{o}_{i}",
            "openid": o,
            "event": name,
            "ts": ts("2026-06-29T04:00:00") + dt.timedelta(minutes=i),
            "source_file": "c1/2026-06-29/04.jsonl",
        }
        for o in ["o_a", "o_t1", "o_t2"]
        for i, name in enumerate(["page_view", "product_view"])
    ]
    return {
        ("appdb", "mp_users"): users,
        ("appdb", "orders"): orders,
        ("tracking", "events"): events,
        ("wecom", "external_contacts"): [contact("e_a", "u_a"), contact("e_staff_own", None)],
        ("wecom", "follow_users"): [
            follow("e_a", "2026-01-05T03:00:00"),
            follow("e_staff_own", "2026-01-03T03:00:00"),
        ],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("test_accounts")
    warehouse = build_fixture_warehouse(
        home,
        {DAY: lake_rows()},
        DAY,
        identity_test_mp_openids=["o_t3"],
        identity_test_external_userids=["e_staff_own"],
    )
    return home, warehouse


@pytest.fixture(scope="module")
def con(built):
    with duckdb.connect(str(built[1]), read_only=True) as connection:
        yield connection


def test_customers_of_every_declared_kind_are_flagged(con):
    flagged = dict(
        con.execute("""
            select i.identifier, d.is_test
            from main_marts.dim_customers d join main_marts.customer_identifiers i using (customer_id)
            where i.identifier_type in ('mp_openid', 'external_userid')
        """).fetchall()
    )
    assert flagged == {
        "o_a": False,
        "e_a": False,
        "o_t1": True,
        "o_t2": True,
        "o_t3": True,
        "e_staff_own": True,
    }
    reasons = con.execute(
        "select list_sort(flatten(list(test_reasons))) from main_intermediate.int_customer_test_accounts"
    ).fetchone()[0]
    assert reasons == ["configured_external_userid", "configured_mp_openid", "test_phone", "test_phone"]


def _test_values(con) -> list[str]:
    ids = con.execute("""
        select customer_id from main_marts.dim_customers where is_test
        union all select identifier from main_marts.customer_identifiers
        where customer_id in (select customer_id from main_marts.dim_customers where is_test)
            and identifier_type != 'phone_hash'
    """).fetchall()
    return [r[0] for r in ids]


def test_no_other_mart_holds_a_test_account(con):
    values = _test_values(con)
    assert len(values) >= 8  # 4 customers and their identifiers
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main_marts'"
        ).fetchall()
    ]
    checked, found = 0, {}
    for t in tables:
        if t in ALLOWED or t.startswith("identity_"):
            continue
        columns = [r[0] for r in con.execute(f"describe main_marts.{t}").fetchall()]
        text = " || '|' || ".join(f"coalesce(cast(\"{c}\" as varchar), '')" for c in columns)
        hits = con.execute(
            f"select count(*) from main_marts.{t}"
            f" where list_has_any(?, regexp_extract_all({text}, '[a-z_0-9]+'))",
            [values],
        ).fetchone()[0]
        checked += 1
        if hits:
            found[t] = hits
    assert checked >= 20 and found == {}


def test_the_real_customer_still_counts(con):
    assert con.execute("select count(*), sum(amount) from main_marts.fct_orders").fetchone() == (1, 300)
    assert con.execute("select count(*) from main_marts.customer_rfm").fetchone()[0] == 1
    assert con.execute("select count(distinct mp_openid) from main_marts.fct_events").fetchone()[0] == 1
    held = con.execute(
        "select contacts from main_marts.staff_daily where staff_userid = 'staff_1' and day = ?", [DAY]
    ).fetchone()[0]
    assert held == 1  # e_a; not the staff member's own WeChat


def test_exports_and_tag_sync_leave_them_out(built, con):
    from siyu.exports.profiles import export_date
    from siyu.exports.sync import desired_by_contact
    from siyu.publish import publish

    home, warehouse = built
    published = home / "published" / "siyu.duckdb"
    publish(warehouse, published, home / "published" / "parquet", date=DAY)
    manifest = export_date(published, home / "exports", DAY)
    assert manifest["rows"]["customer_profiles"] == 1
    values = _test_values(con)
    files = [p for p in (home / "exports" / DAY).iterdir() if p.suffix in (".csv", ".json")]
    assert len(files) >= 3
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        assert not [v for v in values if v in text], path.name
    tags = {r[0] for r in con.execute("select distinct tag_name from main_marts.customer_tags").fetchall()}
    desired = desired_by_contact(published, {t: f"corp_{t}" for t in tags})
    assert set(desired or {}) <= {"e_a"}
