"""Two consecutive daily runs on one warehouse: an event whose user lands a day later waits with a
reason on day 1 (the build and its tests pass: the day publishes) and gets its customer on day 2.

Day 1 (2026-05-01): alice's user and her event; bob's event (10:00 China) but not yet his user row.
Day 2 (2026-05-02): bob's user row lands.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.dbt.conftest import build_fixture_warehouse, mp_user, ts

DAY1, DAY2 = "2026-05-01", "2026-05-02"


def event(event_id: str, openid: str, at: str) -> dict:
    return {"event_id": event_id, "openid": openid, "event": "page_view", "ts": ts(at),
            "source_file": f"c1/{at[:10]}/02.jsonl"}  # fmt: skip


LAKE = {
    DAY1: {
        ("appdb", "mp_users"): [mp_user("o_alice", None, "2026-04-30T02:00:00")],
        ("tracking", "events"): [
            event("ev_a", "o_alice", "2026-05-01T02:00:00"),
            event("ev_b", "o_bob", "2026-05-01T02:00:00"),
        ],
    },
    DAY2: {("appdb", "mp_users"): [mp_user("o_bob", None, "2026-05-01T01:00:00")]},
}


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    queries = {
        "events": "select event_id, mp_openid, customer_id is not null from main_marts.fct_events",
        "waiting": "select event_id, reason, days_waiting from main_marts.events_awaiting_identity",
    }
    results = {}

    def keep(day, warehouse):  # dbt_build raised already if a model or a dbt test failed
        with duckdb.connect(str(warehouse), read_only=True) as con:
            results[day] = {name: sorted(con.execute(sql).fetchall()) for name, sql in queries.items()}

    build_fixture_warehouse(tmp_path_factory.mktemp("daily"), LAKE, [DAY1, DAY2], after_each=keep)
    return results


def test_an_event_waits_for_its_identity_with_a_reason(days):
    assert days[DAY1]["events"] == [("ev_a", "o_alice", True)]
    ((event_id, reason, waiting),) = days[DAY1]["waiting"]
    assert (event_id, waiting) == ("ev_b", 0)
    assert "identity not landed yet" in reason


def test_it_gets_its_customer_when_the_identity_lands(days):
    assert days[DAY2]["events"] == [("ev_a", "o_alice", True), ("ev_b", "o_bob", True)]
    assert days[DAY2]["waiting"] == []
