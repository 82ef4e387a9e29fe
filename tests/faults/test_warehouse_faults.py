"""Bad rows reaching the warehouse: implausible timestamps, an unknown status, rows extraction could not
read. Each is in data_quarantine with its reason, none reaches fct_events / fct_orders / dim_customers,
and every good row of the same day does. Real dbt builds on hand-made lakes."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.dbt.conftest import LAKE, build_fixture_warehouse, mp_user, order

pytestmark = pytest.mark.slow
DAY = "2026-01-01"


def event(event_id: str, ts: str, openid: str = "o_alice") -> dict:
    return {
        "event_id": event_id,
        "openid": openid,
        "event": "page_view",
        "ts": dt.datetime.fromisoformat(ts).replace(tzinfo=dt.UTC),
        "source_file": f"c1/{DAY}/10.jsonl",
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    rows = dict(LAKE[DAY])
    rows["tracking", "events"] = [
        event("good", "2025-12-31T10:00:00"),
        event("epoch", "1970-01-01T00:00:00"),  # a phone whose clock reset
        event("y2100", "2100-01-01T00:00:00"),
    ]
    rows["tracking", "events_quarantine"] = [
        {"source_file": f"c1/{DAY}/11.json", "line_no": None, "reason": "misnamed file: expected ..."}
    ]
    unreadable = order("ord_text", "o_alice", "paid", "10.00", "2025-12-31T03:00:00", "2025-12-31T03:00:00")
    unreadable.update(updated_at=None, quarantine_reason="updated_at 'yesterday' is not a time")
    rows["appdb", "orders"] = [
        *rows["appdb", "orders"],
        order("ord_2099", "o_alice", "paid", "999.00", "2025-12-31T06:00:00", "2099-01-01T00:00:00"),
        order("ord_enum", "o_alice", "PAID_V2", "20.00", "2025-12-31T07:00:00", "2025-12-31T07:00:00"),
        unreadable,
        order("ord_ghost", "o_ghost", "paid", "5.00", "2025-12-31T06:00:00", "2099-01-01T00:00:00"),
    ]
    # a user whose clock reset: the version is set aside, and it is no identity evidence either
    epoch = mp_user("o_epoch", "u_alice", "1970-01-01T00:00:00")
    rows["appdb", "mp_users"] = [*rows["appdb", "mp_users"], epoch]
    warehouse = build_fixture_warehouse(tmp_path_factory.mktemp("faults"), {DAY: rows}, DAY)
    with duckdb.connect(str(warehouse), read_only=True) as c:
        yield c


def test_every_bad_row_is_quarantined_with_its_reason(con):
    got = set(con.execute("select entity, row_key, reason from main_marts.data_quarantine").fetchall())
    assert {
        ("tracking.events", "epoch", "ts before 2015-01-01 (plausible_since)"),
        ("tracking.events", "y2100", "ts after the run's end + 24h (plausible_future_hours)"),
        ("tracking.events_quarantine", f"c1/{DAY}/11.json", "misnamed file: expected ..."),
        ("appdb.orders", "ord_2099", "paid_at after the run's end + 24h (plausible_future_hours)"),
        ("appdb.orders", "ord_ghost", "paid_at after the run's end + 24h (plausible_future_hours)"),
        ("appdb.mp_users", "o_epoch", "created_at before 2015-01-01 (plausible_since)"),
        ("appdb.orders", "ord_enum", "unknown status"),
        ("appdb.orders", "ord_text", "updated_at 'yesterday' is not a time"),
    } == got


def test_good_rows_flow_and_bad_ones_do_not(con):
    assert con.execute("select event_id from main_marts.fct_events").fetchall() == [("good",)]
    orders = {r[0] for r in con.execute("select order_id from main_marts.fct_orders").fetchall()}
    assert orders == {"ord1", "ord2", "ord3"}
    last_paid = con.execute("""
        select max(c.last_paid_at) from main_marts.dim_customers c
        join main_marts.customer_identifiers i using (customer_id) where i.identifier = 'o_alice'
    """).fetchone()[0]
    assert last_paid.year == 2025  # the order "paid in 2099" does not set it


def test_rows_set_aside_feed_no_identity_edge(con):
    """The identity edges read the app DB's versions themselves: before, a user created in 1970 linked
    its openid to Alice's unionid and an order paid in 2099 made its buyer a node."""
    edges = con.execute("""
        select rule, left_identifier, right_identifier from main_intermediate.int_identity__edges
        where left_identifier in ('o_epoch', 'o_ghost', 'o_alice')
    """).fetchall()
    lefts = {left for _, left, _ in edges}
    assert "o_alice" in lefts  # the good rows still give their evidence
    assert not lefts & {"o_epoch", "o_ghost"}
    identifiers = {
        i for (i,) in con.execute("select identifier from main_marts.customer_identifiers").fetchall()
    }
    assert not identifiers & {"o_epoch", "o_ghost"}
