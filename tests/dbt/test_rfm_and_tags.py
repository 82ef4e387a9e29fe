"""Known answers for the RFM 11 segments and for every tag class (run date 2026-06-30).

25 buyers, exactly five on each R, F and M score, so the quintiles are the scores we chose whatever
the tie-break: recency (5 - R) * 40 days (+ 0-4), frequency F orders, monetary 1000 * M (+ the buyer's
number). Eleven of them carry an (R, F = M) that lands in one segment each; the other fourteen fill
the quintiles. The Champion (buyer "champions") is also a WeCom contact of staff s1, added through the
store's live QR code (state store_qr), female, shipping to 上海, who browsed, shared and carted in the
last week: one tag of each class fires on them.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.dbt.conftest import build_fixture_warehouse, mp_user, order, ts

RUN = dt.date(2026, 6, 30)
SEGMENTS = {  # buyer: (R, F = M)
    "champions": (5, 5), "loyal": (3, 4), "potential_loyalist": (4, 2), "new": (5, 1),
    "promising": (4, 1), "need_attention": (3, 2), "about_to_sleep": (3, 1), "cannot_lose_them": (1, 5),
    "at_risk": (2, 3), "hibernating": (2, 2), "lost": (1, 1),
}  # fmt: skip
FILLERS = list(zip([5, 5, 5, 4, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1],
                   [5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 1], strict=True))  # fmt: skip
BUYERS = SEGMENTS | {f"filler{i:02d}": rf for i, rf in enumerate(FILLERS)}


def lake() -> dict:
    users, orders, within = [], [], {}
    for n, (buyer, (r, fm)) in enumerate(sorted(BUYERS.items())):
        within[r] = within.get(r, -1) + 1
        last = RUN - dt.timedelta(days=(5 - r) * 40 + within[r])
        users.append(mp_user(f"o_{buyer}", f"u_{buyer}", "2025-06-01T02:00:00"))
        for k in range(fm):  # fm orders, the latest `last`, 1000 * M + n in total
            day = (last - dt.timedelta(days=k)).isoformat()
            amount = f"{1000 * fm + n - 10 * (fm - 1) if k == 0 else 10}.00"
            row = order(
                f"ord_{buyer}_{k}", f"o_{buyer}", "completed", amount, f"{day}T02:00:00", f"{day}T02:00:00"
            )
            orders.append(
                {**row, "created_at": ts(f"{day}T01:50:00"), "pay_method": "wechat", "city": "上海"}
            )
    events = [
        {"event_id": f"ev{i}", "openid": "o_champions", "event": name, "ts": ts(f"2026-06-2{i}T02:00:00"),
         "source_file": f"c1/2026-06-2{i}/02.jsonl"}
        for i, name in enumerate(["page_view", "share", "add_to_cart"], start=7)
    ]  # fmt: skip
    return {
        ("appdb", "mp_users"): users,
        ("appdb", "orders"): orders,
        ("tracking", "events"): events,
        ("wecom", "external_contacts"): [
            {"external_userid": "e_champions", "type": 1, "gender": 2, "unionid": "u_champions"}
        ],
        ("wecom", "follow_users"): [
            {
                "external_userid": "e_champions",
                "userid": "s1",
                "createtime": ts("2025-06-01T02:00:00"),
                "tags": [],
                "add_way": 1,
                "state": "store_qr",
            }
        ],  # fmt: skip
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    warehouse = build_fixture_warehouse(
        tmp_path_factory.mktemp("rfm"), {RUN.isoformat(): lake()}, RUN.isoformat()
    )
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


OPENIDS = (
    "select customer_id, identifier from main_marts.customer_identifiers where identifier_type = 'mp_openid'"
)


def by_buyer(con, sql: str) -> dict:
    openids = dict(con.execute(OPENIDS).fetchall())
    return {openids[customer][2:]: rest for customer, *rest in con.execute(sql).fetchall()}


def test_the_eleven_segments(con):
    got = by_buyer(con, "select customer_id, r_score, f_score, m_score, segment from main_marts.customer_rfm")
    assert {b: tuple(got[b][:3]) for b in BUYERS} == {b: (r, fm, fm) for b, (r, fm) in BUYERS.items()}
    names = {"about_to_sleep": "About to Sleep"}
    assert {b: got[b][3] for b in SEGMENTS} == {
        b: names.get(b, b.replace("_", " ").title()) for b in SEGMENTS
    }


def test_every_tag_class_fires_on_its_fixture(con):
    openids = dict(con.execute(OPENIDS).fetchall())
    tags, classes = {}, {}
    for customer, tag, tag_class in con.execute("select * from main_marts.customer_tags").fetchall():
        tags.setdefault(openids[customer][2:], set()).add(tag)
        classes.setdefault(openids[customer][2:], set()).add(tag_class)
    assert classes["champions"] == {"source", "basic", "behaviour", "business", "predictive"}
    expected = {"src_store_qr", "gender_female", "tier1_city", "on_wecom", "active_7d", "sharer",
                "high_value", "repeat_buyer", "vip_spender", "wechat_pay", "high_future_value",
                "likely_to_buy_30d"}  # fmt: skip
    assert expected <= tags["champions"]  # fmt: skip
    assert "churn_risk_high" in tags["lost"]  # at risk (last order 160+ days ago) and bought once
    assert "high_future_value" in tags["loyal"] and "high_future_value" not in tags["lost"]
    assert "src_store_qr" not in tags["loyal"] and "on_wecom" not in tags["loyal"]
