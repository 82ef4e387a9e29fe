"""The synthetic world of `siyu bench warehouse`: every raw entity, every run, in the contract."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from siyu.contracts import RAW, raw_schema
from siyu.lake import Lake, Partition
from siyu_dev.bench_identity import DAY, _id_strings, id_array
from siyu_dev.bench_world import land_world

LAKE_DAYS = 4


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("world") / "lake"
    counts = land_world(str(root), 1500, seed=3, lake_days=LAKE_DAYS, event_days=40)
    return Lake(str(root)), counts


def read(lake: Lake, source: str, entity: str) -> str:
    return (
        f"read_parquet('{lake.root}/raw/{source}/{entity}/dt=*/*.parquet', hive_partitioning = true,"
        " union_by_name = true)"
    )


def test_id_array_gives_the_same_strings_as_np_char():
    values = np.array([0, 7, 123456789, 10**11])
    for prefix in ("o", "u", "wm", "h", "ord", "ev"):
        assert id_array(prefix, values).to_pylist() == list(_id_strings(prefix, values))


def test_every_entity_lands_every_run_in_the_contract(lake):
    lake, _ = lake
    days = [str(np.datetime64(DAY) - n) for n in range(LAKE_DAYS - 1, -1, -1)]
    for source, entity in RAW:
        assert lake.partitions(source, entity) == days, (source, entity)
        for day in days:
            table = lake.read(Partition(source, entity, day))
            assert table.schema == raw_schema(source, entity)


def test_the_world_has_the_simulators_shape(lake):
    lake, counts = lake
    con = duckdb.connect()
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    events, orders = read(lake, "tracking", "events"), read(lake, "appdb", "orders")
    # events: unique ids, the first run takes the backlog, every event type, referral props carry a share
    total, distinct, first = q(
        f"select count(*), count(distinct event_id), count(*) filter (where dt = "
        f"(select min(dt) from {events})) from {events}"
    )[0]
    assert total == distinct == counts["tracking.events"] and first > total / LAKE_DAYS
    assert {r[0] for r in q(f"select distinct event from {events}")} == {
        "login",
        "page_view",
        "search",
        "product_view",
        "add_to_cart",
        "favorite",
        "share",
    }
    shares = {
        r[0]
        for r in q(f"select json_extract_string(props, '$.share_id') from {events} where event = 'share'")
    }
    visits = {
        r[0]
        for r in q(
            f"select json_extract_string(props, '$.share_id') from {events} "
            "where props like '%sharer_openid%'"
        )
    }
    assert visits and visits <= shares
    # orders: several versions of some (created, then paid or shipped), ~3 orders a buyer, all statuses
    rows, distinct_orders = q(f"select count(*), count(distinct order_id) from {orders}")[0]
    assert distinct_orders == counts["appdb.orders"] and rows > distinct_orders
    statuses = {
        r[0]
        for r in q(
            f"select status from {orders} qualify row_number() over "
            "(partition by order_id order by updated_at desc) = 1"
        )
    }
    assert {"completed", "cancelled", "refunded", "shipped"} <= statuses
    # the store clerk's phone on many orders of different people: the junk guard's case
    hub = q(
        f"select count(distinct openid) from {orders} group by receiver_phone_hash order by 1 desc limit 1"
    )
    assert hub[0][0] > 50
    # WeCom: a contact's snapshot grows over the runs; about 72 % of people are contacts
    contacts = q(f"select dt, count(*) from {read(lake, 'wecom', 'external_contacts')} group by 1 order by 1")
    assert [n for _, n in contacts] == sorted(n for _, n in contacts)
    assert 0.6 < contacts[-1][1] / counts["people"] < 0.8
    linked = q(
        f"select count(external_userid), count(pending_id) from {read(lake, 'wecom', 'unionid_links')} "
        f"where dt = '{DAY}'"
    )[0]
    assert linked[0] > 0 and linked[1] > 0
