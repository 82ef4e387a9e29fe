"""RFM, AIPL, lifecycle and tags on a hand-made lake with known answers (run date 2026-06-30).

a: paid 06-25, 05-01, 01-10 (500 each)  → 重要价值客户, Loyalty, active, tags repeat_buyer + high_value
b: first paid 06-20 (100)                → 一般发展客户, Purchase, new (prospect → new on 06-20)
c: paid 02-01 (100), 149 days ago        → 一般挽留客户, Purchase, at_risk, tag churn_risk_high
d: paid 2025-10-01 and 06-28 (200 each)  → reactivated on 06-28 (churned → reactivated); one order
   each by alipay / 香水 (the first) and wechat / 彩妆 (the second): ties, which go to the latest
e: never bought, browsed on 06-29        → prospect, Interest
f: never bought, nothing recent          → prospect, Awareness
"""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pytest

from tests.dbt.conftest import build_fixture_warehouse, mp_user, order, ts

DAY = "2026-06-30"
PAID = {
    "a": [("2026-06-25", 500), ("2026-05-01", 500), ("2026-01-10", 500)],
    "b": [("2026-06-20", 100)],
    "c": [("2026-02-01", 100)],
    "d": [("2025-10-01", 200), ("2026-06-28", 200)],
}


def cid(person: str) -> str:
    return "c_" + hashlib.md5(f"mp_openid:o_{person}".encode()).hexdigest()[:16]


def lake_rows() -> dict:
    users = [mp_user(f"o_{p}", None, "2025-09-01T00:00:00") for p in "abcdef"]
    orders = []
    for person, paid in PAID.items():
        for n, (day, amount) in enumerate(paid):
            row = order(
                f"ord_{person}{n}",
                f"o_{person}",
                "completed",
                f"{amount}.00",
                f"{day}T03:00:00",
                f"{day}T03:00:00",
            )
            row["created_at"] = ts(f"{day}T02:50:00")
            row["pay_method"] = "wechat" if n or person != "d" else "alipay"
            orders.append(row)
    items = [
        {"order_id": order_id, "line_no": 1, "item_id": f"sku_{category}", "category": category,
         "quantity": 1, "unit_price": None, "updated_at": ts("2026-06-28T03:00:00")}
        for order_id, category in (("ord_d0", "香水"), ("ord_d1", "彩妆"))
    ]  # fmt: skip
    events = [
        {
            "event_id": f"ev{i}",
            "openid": "o_e",
            "event": name,
            "ts": ts("2026-06-29T04:00:00") + dt.timedelta(minutes=i),
            "source_file": "c1/2026-06-29/04.jsonl",
        }
        for i, name in enumerate(["page_view", "product_view"])
    ]
    return {
        ("appdb", "mp_users"): users,
        ("appdb", "orders"): orders,
        ("appdb", "order_items"): items,
        ("tracking", "events"): events,
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    warehouse = build_fixture_warehouse(tmp_path_factory.mktemp("segments"), {DAY: lake_rows()}, DAY)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def by_customer(con, sql: str) -> dict:
    return {k: v for k, v in con.execute(sql).fetchall()}


def test_rfm_classes(con):
    classes = by_customer(con, "select customer_id, rfm_class_cn from main_marts.customer_rfm")
    assert classes[cid("a")] == "重要价值客户"
    assert classes[cid("b")] == "一般发展客户"
    assert classes[cid("c")] == "一般挽留客户"
    assert cid("e") not in classes  # never bought: no RFM


def test_aipl_stages(con):
    stages = by_customer(con, "select customer_id, aipl_stage from main_marts.customer_aipl")
    assert [stages[cid(p)] for p in "abcef"] == ["Loyalty", "Purchase", "Purchase", "Interest", "Awareness"]
    chain = con.execute(
        "select awareness, interest, purchase, loyalty from main_marts.aipl_daily where as_of_date = ?", [DAY]
    ).fetchall()
    assert chain == [(1, 1, 2, 2)]  # d bought twice in 365 days: Loyalty


def test_aipl_flows(con):
    """The chain as flows over the 30 backfilled days (06-01 .. 06-30): b buys, d buys again, e browses;
    the stocks reconcile with the flows (dbt test stocks_and_flows_reconcile, which the build ran)."""
    flows = stage_changes(con, "aipl_transitions")
    assert flows == [
        (cid("b"), dt.date(2026, 6, 20), "Awareness", "Purchase"),
        (cid("d"), dt.date(2026, 6, 28), "Purchase", "Loyalty"),
        (cid("e"), dt.date(2026, 6, 29), "Awareness", "Interest"),
    ]
    first = con.execute(
        "select awareness, interest, purchase, loyalty from main_marts.aipl_daily order by as_of_date limit 1"
    ).fetchall()
    assert first == [(3, 0, 2, 1)]  # 06-01: b, e, f aware; c, d bought once; a twice


def stage_changes(con, transitions: str) -> list[tuple]:
    return con.execute(
        f"select customer_id, day, from_stage, to_stage from main_marts.{transitions} "
        "where from_stage <> 'none' order by day"
    ).fetchall()


def test_lifecycle_stages_and_flows(con):
    stages = by_customer(con, "select customer_id, lifecycle_stage from main_marts.customer_lifecycle")
    assert [stages[cid(p)] for p in "abcde"] == ["active", "new", "at_risk", "reactivated", "prospect"]
    flows = stage_changes(con, "lifecycle_transitions")
    assert flows == [
        (cid("b"), dt.date(2026, 6, 20), "prospect", "new"),
        (cid("d"), dt.date(2026, 6, 28), "churned", "reactivated"),
    ]


def test_tags_fire_on_their_conditions(con):
    tags = {}
    for customer, tag in con.execute("select customer_id, tag_name from main_marts.customer_tags").fetchall():
        tags.setdefault(customer, set()).add(tag)
    assert {"repeat_buyer", "high_value"} <= tags[cid("a")]
    assert "churn_risk_high" in tags[cid("c")]
    assert "repeat_buyer" not in tags.get(cid("b"), set())
    classes = {
        r[0] for r in con.execute("select distinct tag_class from main_marts.customer_tags").fetchall()
    }
    assert classes <= {"source", "basic", "behaviour", "business", "predictive"}


def test_favourites_break_ties_by_the_latest_purchase(con):
    """One order each by two pay methods and of two categories: the latest order's, on every run
    (mode() alone keeps whichever value it meets first)."""
    row = con.execute(
        "select preferred_pay_method, favourite_category from main_marts.customer_features"
        " where customer_id = ?",
        [cid("d")],
    ).fetchall()
    assert row == [("wechat", "彩妆")]
