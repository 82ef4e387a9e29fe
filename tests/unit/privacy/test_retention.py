"""Retention: raw partitions past their entity's age are pruned, only once the warehouse's incremental
models have folded them (their watermark), never the newest snapshot, never the app DB's changes."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from siyu.contracts import raw_schema
from siyu.lake import Lake, Partition
from siyu.retention import RULES, Rule, prune, rules

TODAY = "2026-06-30"


def days(first: str, n: int) -> list[str]:
    start = dt.date.fromisoformat(first)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range(n)]


def land(lake: Lake, source: str, entity: str, dates: list[str]) -> None:
    for d in dates:
        lake.write(Partition(source, entity, d), pa.Table.from_pylist([], schema=raw_schema(source, entity)))


def warehouse_with(path, folded: dict[str, str]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema main_intermediate")
        table = "main_intermediate.incremental_watermarks"
        con.execute(f"create table {table} (model varchar, folded_through date)")
        con.executemany(f"insert into {table} values (?, ?)", list(folded.items()))


@pytest.fixture
def lake(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    dates = days("2026-03-01", 10) + ["2026-06-29", "2026-06-30"]
    for entity in ("follow_users", "group_chats"):
        land(lake, "wecom", entity, dates)
    land(lake, "appdb", "orders", dates)
    return lake


def test_folded_snapshots_past_the_age_go_and_the_rest_stay(lake, tmp_path):
    wh = tmp_path / "wh.duckdb"
    # relation_spells folded through 03-05, remark_phones through 03-07: both passed only up to 03-05
    warehouse_with(wh, {"int_wecom__relation_spells": "2026-03-05", "int_wecom__remark_phones": "2026-03-07"})
    report = prune(lake, wh, TODAY)
    assert lake.partitions("wecom", "follow_users") == days("2026-03-06", 5) + ["2026-06-29", "2026-06-30"]
    assert report["wecom.follow_users"] == {"pruned": 5, "held_unfolded": 5, "oldest_kept": "2026-03-06"}
    # read at the latest snapshot only: everything past the age goes
    assert lake.partitions("wecom", "group_chats") == ["2026-06-29", "2026-06-30"]
    # the app DB's partitions are the only copy of unchanged rows: kept whatever their age
    assert len(lake.partitions("appdb", "orders")) == 12 and "appdb.orders" not in report
    assert not list((tmp_path / "lake").rglob(".pruned-*"))


def test_without_a_warehouse_nothing_folded_is_pruned(lake, tmp_path):
    report = prune(lake, tmp_path / "none.duckdb", TODAY)
    assert len(lake.partitions("wecom", "follow_users")) == 12
    assert report["wecom.follow_users"]["held_unfolded"] == 10


def test_the_newest_snapshot_is_never_pruned(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    land(lake, "wecom", "group_chats", ["2026-01-01", "2026-01-02"])
    prune(lake, tmp_path / "none.duckdb", TODAY)
    assert lake.partitions("wecom", "group_chats") == ["2026-01-02"]


def test_a_dry_run_deletes_nothing(lake, tmp_path):
    report = prune(lake, tmp_path / "none.duckdb", TODAY, dry_run=True)
    assert report["wecom.group_chats"]["pruned"] == 10
    assert len(lake.partitions("wecom", "group_chats")) == 12


def test_ages_are_configurable_per_entity(lake, tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_RETENTION_DAYS", '{"wecom.group_chats": null, "wecom.follow_users": 1000}')
    assert rules()[("wecom", "group_chats")].keep_days is None
    prune(lake, tmp_path / "none.duckdb", TODAY)
    assert len(lake.partitions("wecom", "group_chats")) == 12
    monkeypatch.setenv("SIYU_RETENTION_DAYS", '{"wecom.nothing": 3}')
    with pytest.raises(ValueError, match="unknown entity 'wecom.nothing'"):
        rules()
    monkeypatch.setenv("SIYU_RETENTION_DAYS", '{"wecom.corp_tags": 0}')
    with pytest.raises(ValueError, match="positive number of days"):
        rules()


def test_every_raw_entity_has_a_rule_and_change_tracked_ones_are_kept():
    from siyu.contracts import RAW

    assert set(RULES) == set(RAW)
    assert all(RULES[k].keep_days is None for k in RAW if k[0] == "appdb")
    assert RULES["tracking", "events"] == Rule(None, (), "read whole by fct_events")
