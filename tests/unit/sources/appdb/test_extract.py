"""Incremental app DB extraction against real SQLite, MariaDB and PostgreSQL databases."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pyarrow.parquet as pq
from sqlalchemy import insert, update

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.sources.appdb import tables
from siyu.sources.appdb.extract import land_entity

KEY = b"test-key"
DAY1, DAY2 = "2026-03-01", "2026-03-02"


def ts(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """``hour:minute`` China time on ``day``, as the app DB stores it: naive UTC (8 hours earlier)."""
    return dt.datetime.fromisoformat(day) + dt.timedelta(hours=hour - 8, minutes=minute)


def order(order_id: str, updated: dt.datetime, status: str = "paid", phone: str | None = "13912345678"):
    return {
        "order_id": order_id,
        "openid": "o_1",
        "status": status,
        "amount": Decimal("99.90"),
        "pay_method": "wechat_pay",
        "receiver_phone": phone,
        "province": "广东",
        "city": "深圳",
        "paid_at": updated,
        "created_at": updated,
        "updated_at": updated,
    }


def load(lake: Lake, entity: str, day: str):
    return lake.read(Partition("appdb", entity, day)).to_pylist()


def test_incremental_windows_overlap_and_late_rows(appdb_engine, tmp_path):
    tables.metadata.create_all(appdb_engine)
    lake = Lake(str(tmp_path / "lake"))
    with appdb_engine.begin() as conn:
        conn.execute(insert(tables.orders), [order("A", ts(DAY1, 9)), order("B", ts(DAY1, 23, 30))])
        # already updated "tomorrow" in China (17:00 UTC on day 1): must wait for day 2
        conn.execute(insert(tables.orders), [order("C", ts(DAY2, 1))])

    first = land_entity(appdb_engine, lake, "orders", DAY1, KEY)
    assert sorted(r["order_id"] for r in load(lake, "orders", DAY1)) == ["A", "B"]
    assert first.window["high"] == "2026-03-01T16:00:00"  # midnight China time

    with appdb_engine.begin() as conn:
        # A changes status on day 2; D is committed late with an updated_at inside the overlap window
        conn.execute(
            update(tables.orders)
            .where(tables.orders.c.order_id == "A")
            .values(status="completed", updated_at=ts(DAY2, 10))
        )
        conn.execute(insert(tables.orders), [order("D", ts(DAY1, 23, 0))])

    land_entity(appdb_engine, lake, "orders", DAY2, KEY)
    day2 = {r["order_id"]: r for r in load(lake, "orders", DAY2)}
    assert set(day2) == {"A", "B", "C", "D"}  # B re-read through the overlap: harmless, deduped later
    assert day2["A"]["status"] == "completed"
    assert day2["A"]["updated_at"].tzinfo is not None


def test_rerun_same_date_gives_identical_partition(appdb_engine, tmp_path):
    tables.metadata.create_all(appdb_engine)
    lake = Lake(str(tmp_path / "lake"))
    with appdb_engine.begin() as conn:
        conn.execute(insert(tables.orders), [order(f"O{i:03d}", ts(DAY1, i % 24)) for i in range(50)])
    first = land_entity(appdb_engine, lake, "orders", DAY1, KEY)
    with appdb_engine.begin() as conn:  # the source moves on after the logical date: no effect on DAY1
        conn.execute(insert(tables.orders), [order("LATER", ts(DAY2, 5))])
    second = land_entity(appdb_engine, lake, "orders", DAY1, KEY)
    assert first.files == second.files and first.row_count == second.row_count == 50


def test_schema_and_no_raw_phone_in_lake(appdb_engine, tmp_path):
    tables.metadata.create_all(appdb_engine)
    lake = Lake(str(tmp_path / "lake"))
    with appdb_engine.begin() as conn:
        conn.execute(
            insert(tables.mp_users),
            [
                {
                    "openid": "o_1",
                    "unionid": None,
                    "phone": "+86 139-1234-5678",
                    "first_scene": 1047,
                    "inviter_openid": None,
                    "created_at": ts(DAY1, 8),
                    "updated_at": ts(DAY1, 8),
                }
            ],
        )
        conn.execute(insert(tables.orders), [order("A", ts(DAY1, 9), phone="not a phone")])
    land_entity(appdb_engine, lake, "mp_users", DAY1, KEY)
    land_entity(appdb_engine, lake, "orders", DAY1, KEY)
    for entity in ("mp_users", "orders"):
        path = lake.partition_path(Partition("appdb", entity, DAY1)) + "/part-0000.parquet"
        assert pq.read_schema(path).remove_metadata() == raw_schema("appdb", entity)
        assert not re.search(rb"1[3-9]\d{9}", open(path, "rb").read())
    user = load(lake, "mp_users", DAY1)[0]
    assert len(user["phone_hash"]) == 64 and user["unionid"] is None
    assert load(lake, "orders", DAY1)[0]["receiver_phone_hash"] is None  # malformed: dropped, not kept raw


def test_every_entity_of_a_simulated_app_db_lands_whole(appdb_engine, small_world, tmp_path):
    """Users, orders, lines and refunds of a simulated world: every row lands once, phones hashed."""
    from siyu.sources.appdb.extract import ENTITIES
    from siyu_dev.simulator.appdb import write_rows

    write_rows(small_world.world.appdb_rows, appdb_engine)
    lake = Lake(str(tmp_path / "lake"))
    counts = {e: land_entity(appdb_engine, lake, e, "2026-11-24", KEY).row_count for e in ENTITIES}
    assert counts == {e: len(small_world.world.appdb_rows[e]) for e in ENTITIES}
    refunds = load(lake, "refunds", "2026-11-24")
    simulated = small_world.world.appdb_rows["refunds"]
    assert sum(r["amount"] for r in refunds) == sum(r["amount"] for r in simulated)
    for path in (tmp_path / "lake").rglob("*.parquet"):
        assert not re.search(rb"(?<!\d)1[3-9]\d{9}(?!\d)", path.read_bytes()), path
