"""Hostile app-DB rows: a future updated_at, timestamps stored as text on SQLite, a row updated after
its date was landed. Each lands (converted, or with a quarantine_reason naming the field), and every
good row of the same window still lands."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, text, update

from siyu.lake import Lake, Partition
from siyu.sources.appdb import tables
from siyu.sources.appdb.extract import land_entity
from tests.unit.sources.appdb.conftest import appdb_engine  # noqa: F401 - the engines fixture

KEY = b"test-key"
DAY1, DAY2 = "2026-03-01", "2026-03-02"
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # the run's wall clock: just after DAY1 ended


def order(order_id: str, updated: dt.datetime) -> dict:
    return {
        "order_id": order_id,
        "openid": "o_1",
        "status": "paid",
        "amount": Decimal("99.90"),
        "pay_method": "wechat",
        "receiver_phone": None,
        "province": "广东",
        "city": "深圳",
        "paid_at": updated,
        "created_at": updated,
        "updated_at": updated,
    }


def landed(lake: Lake, day: str) -> dict[str, dict]:
    return {r["order_id"]: r for r in lake.read(Partition("appdb", "orders", day)).to_pylist()}


def test_future_updated_at_lands_quarantined_and_good_rows_flow(appdb_engine, tmp_path):  # noqa: F811
    tables.metadata.create_all(appdb_engine)
    lake = Lake(str(tmp_path / "lake"))
    with appdb_engine.begin() as conn:
        conn.execute(
            insert(tables.orders),
            [
                order("good", dt.datetime(2026, 3, 1, 9)),
                order("y2099", dt.datetime(2099, 1, 1)),
                order("tomorrow", dt.datetime(2026, 3, 2, 8)),  # a normal row of the next window
            ],
        )
    land_entity(appdb_engine, lake, "orders", DAY1, KEY, now=NOW)
    rows = landed(lake, DAY1)
    assert set(rows) == {"good", "y2099"}
    assert rows["good"]["quarantine_reason"] is None
    assert rows["y2099"]["quarantine_reason"].startswith("updated_at 2099-01-01T00:00:00 is in the future")
    land_entity(appdb_engine, lake, "orders", DAY2, KEY, now=NOW + dt.timedelta(days=1))
    assert landed(lake, DAY2)["tomorrow"]["quarantine_reason"] is None


def test_sqlite_timestamps_stored_as_text_are_read_or_quarantined(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'app.sqlite'}")
    tables.metadata.create_all(engine)
    lake = Lake(str(tmp_path / "lake"))
    with engine.begin() as conn:
        conn.execute(insert(tables.orders), [order("canonical", dt.datetime(2026, 3, 1, 9))])
        stored = {  # what another writer of the same table puts there
            "iso_t": "'2026-03-01T10:00:00'",
            "iso_z": "'2026-03-01T11:00:00Z'",
            "slashes": "'2026/03/01 12:00:00'",
            "epoch_s": "1772366400",
            "epoch_ms": "1772370000000",
            "offset": "'2026-03-01T23:00:00+08:00'",  # 2026-03-01 15:00 UTC: China day 03-01
            "junk": "'yesterday'",
            "next_day": "'2026-03-02T05:00:00'",
        }
        for order_id, value in stored.items():
            conn.execute(
                text(
                    "insert into orders (order_id, openid, status, amount, created_at, updated_at, paid_at) "
                    f"values ('{order_id}', 'o_1', 'paid', 10, {value}, {value}, {value})"
                )
            )
    land_entity(engine, lake, "orders", DAY1, KEY, now=NOW)
    rows = landed(lake, DAY1)
    good = {"canonical", "iso_t", "iso_z", "slashes", "epoch_s", "epoch_ms", "offset"}
    assert set(rows) == good | {"junk"}
    assert all(rows[k]["quarantine_reason"] is None for k in good)
    assert rows["slashes"]["updated_at"] == dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert rows["epoch_ms"]["paid_at"] == dt.datetime(2026, 3, 1, 13, tzinfo=dt.UTC)
    assert rows["offset"]["updated_at"] == dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC)
    assert rows["junk"]["quarantine_reason"] == (
        "paid_at 'yesterday' is not a time; created_at 'yesterday' is not a time; "
        "updated_at 'yesterday' is not a time"
    )
    land_entity(engine, lake, "orders", DAY2, KEY, now=NOW + dt.timedelta(days=1))
    assert "next_day" in landed(lake, DAY2)


def test_rerun_of_a_past_date_keeps_its_partition_after_a_row_was_updated(appdb_engine, tmp_path):  # noqa: F811
    tables.metadata.create_all(appdb_engine)
    lake = Lake(str(tmp_path / "lake"))
    with appdb_engine.begin() as conn:
        conn.execute(insert(tables.orders), [order(f"O{i}", dt.datetime(2026, 3, 1, i)) for i in range(5)])
    first = land_entity(appdb_engine, lake, "orders", DAY1, KEY, now=NOW)
    with appdb_engine.begin() as conn:  # O2 changes on day 2: its updated_at leaves day 1's window
        conn.execute(
            update(tables.orders)
            .where(tables.orders.c.order_id == "O2")
            .values(status="completed", updated_at=dt.datetime(2026, 3, 2, 10))
        )
    land_entity(appdb_engine, lake, "orders", DAY2, KEY, now=NOW)
    again = land_entity(appdb_engine, lake, "orders", DAY1, KEY, now=NOW + dt.timedelta(days=3))
    assert again.files == first.files and set(landed(lake, DAY1)) == {f"O{i}" for i in range(5)}
    assert landed(lake, DAY2)["O2"]["status"] == "completed"
