"""Backfills: building an earlier date never breaks a later one, leaves no temp tables, and never moves
the published marts backwards; exports and tag sync act only on the newest publication."""

from __future__ import annotations

import duckdb
import pytest

from siyu.exports.profiles import export_date
from siyu.publish import publication, publish
from siyu.warehouse import dbt_build
from tests.dbt.conftest import DAY1, DAY2, LAKE, build_fixture_warehouse

pytestmark = pytest.mark.slow


def temp_tables(warehouse) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_name like '%dbt_tmp%'"
            ).fetchall()
        ]


def test_backfill_then_the_later_date_again(tmp_path, monkeypatch):
    home = tmp_path / "home"
    warehouse = build_fixture_warehouse(home, LAKE, DAY2)  # lands both days, builds the later one
    monkeypatch.setenv("SIYU_HOME", str(home))
    monkeypatch.setenv("SIYU_LAKE", str(home / "lake"))
    monkeypatch.setenv("SIYU_WAREHOUSE", str(warehouse))
    published, parquet = home / "published" / "siyu.duckdb", home / "published" / "parquet"
    publish(warehouse, published, parquet, date=DAY2)
    assert temp_tables(warehouse) == []  # incremental Python models' __dbt_tmp tables are dropped

    dbt_build(DAY1)  # a backfill of the earlier date
    publish(warehouse, published, parquet, date=DAY1)
    assert publication(published)["dt"] == DAY2  # the published file did not move backwards
    assert publication(home / "published" / "snapshots" / DAY1)["dt"] == DAY1  # its own snapshot
    assert export_date(published, home / "exports", DAY1)["skipped"].startswith("the current publication")
    assert not (home / "exports" / DAY1).exists()

    dbt_build(DAY2)  # the later date again, after the backfill: builds, tests pass
    publish(warehouse, published, parquet, date=DAY2)
    assert publication(published)["dt"] == DAY2 and temp_tables(warehouse) == []
    assert export_date(published, home / "exports", DAY2)["rows"]["customer_profiles"] > 0
