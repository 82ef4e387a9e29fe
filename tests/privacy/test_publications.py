"""After an erasure: earlier dated snapshots re-published without the person (kept for the analyst,
their rows gone for the regulator), no version that held them left; the day histories set aside and
backfilled over every day they held."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from siyu.config import MARTS_SCHEMA
from siyu.pipl import histories, publications
from siyu.publish import publish

ROOT = Path(__file__).resolve().parents[2]


def _warehouse(path: Path, customers: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {MARTS_SCHEMA}")
        con.execute(f"create or replace table {MARTS_SCHEMA}.dim_customers (customer_id varchar, orders int)")
        con.execute(f"comment on table {MARTS_SCHEMA}.dim_customers is 'one row per customer'")
        rows = [(c, 1) for c in customers]
        con.executemany(f"insert into {MARTS_SCHEMA}.dim_customers values (?, ?)", rows)
        con.execute(f"create or replace table {MARTS_SCHEMA}.aipl_daily (as_of_date date, loyalty int)")
        con.execute(f"insert into {MARTS_SCHEMA}.aipl_daily values ('2026-11-23', {len(customers)})")
    return path


@pytest.fixture
def published(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    root = tmp_path / "published"
    target = root / "siyu.duckdb"
    for date in ("2026-11-22", "2026-11-23", "2026-11-24"):
        wh = _warehouse(tmp_path / f"wh-{date}.duckdb", ["c_gone", "c_kept", f"c_{date}"])
        publish(wh, target, root / "parquet", date=date)
    return root


def _customers(version: Path) -> list[str]:
    with duckdb.connect(str(version / "siyu.duckdb"), read_only=True) as con:
        return [c for (c,) in con.execute("select customer_id from dim_customers order by 1").fetchall()]


def test_earlier_snapshots_are_republished_without_the_person(published):
    root = published
    versions_before = {p.name for p in (root / "versions").iterdir()}
    current_before = (root / "current").resolve()
    assert len(versions_before) == 3 and "c_gone" in _customers(root / "snapshots/2026-11-22")

    counts = publications.rewrite_earlier(root, {"c_gone"}, "pr-test-1", "2026-11-24")

    assert counts == {"snapshots_rewritten": 2, "snapshot_rows_removed": 2, "versions_dropped": 2}
    for date in ("2026-11-22", "2026-11-23"):
        snapshot = (root / "snapshots" / date).resolve()
        assert snapshot.name not in versions_before  # a new version, swapped in
        assert _customers(snapshot) == [f"c_{date}", "c_kept"]  # the analyst keeps the others' rows
        parquet = pq.read_table(snapshot / "parquet/dim_customers.parquet")
        assert sorted(parquet.column("customer_id").to_pylist()) == [f"c_{date}", "c_kept"]
        meta = json.loads((snapshot / "_publication.json").read_text())
        assert meta["dt"] == date and meta["erasures"] == ["pr-test-1"]
        with duckdb.connect(str(snapshot / "siyu.duckdb"), read_only=True) as con:
            comment = con.execute("select comment from duckdb_tables() where table_name = 'dim_customers'")
            assert comment.fetchall() == [("one row per customer",)]  # the docs came along
    # the current one is the erasure's own rebuild's business: untouched here
    assert (root / "current").resolve() == current_before
    # no version that held the person stays, though they were written a moment ago (no grace)
    left = {p.name for p in (root / "versions").iterdir()}
    assert left & versions_before == {current_before.name}
    held = [p for p in (root / "versions").rglob("*") if p.is_file() and b"c_gone" in p.read_bytes()]
    assert held == [current_before / "siyu.duckdb", current_before / "parquet/dim_customers.parquet"]


def test_a_snapshot_without_the_person_is_left_as_it_was(published):
    before = (published / "snapshots/2026-11-22").resolve()
    counts = publications.rewrite_earlier(published, {"c_nobody"}, "pr-test-2", "2026-11-24")
    assert counts["snapshots_rewritten"] == 0 and (published / "snapshots/2026-11-22").resolve() == before


def test_the_day_histories_are_found_in_the_models():
    assert histories.day_histories(ROOT / "dbt_project/models") == {
        "customer_aipl_daily": "aipl_backfill_days",
        "customer_lifecycle_daily": "lifecycle_backfill_days",
    }


def test_a_history_is_set_aside_with_the_days_it_held_and_restored_on_failure(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "customer_lifecycle_daily.sql").write_text("with days as ({{ days_to_build(var('lb')) }})")
    wh = tmp_path / "wh.duckdb"
    with duckdb.connect(str(wh)) as con:
        con.execute(f"create schema {MARTS_SCHEMA}")
        con.execute(
            f"create table {MARTS_SCHEMA}.customer_lifecycle_daily as select 'c' as customer_id, "
            "cast(d as date) as day "
            "from generate_series(date '2026-10-01', date '2026-11-24', interval 1 day) t(d)"
        )
    aside = histories.set_aside(wh, "2026-11-24", models)
    assert histories.backfill_vars(aside) == {"lb": 55}  # 2026-10-01 .. 2026-11-24
    with duckdb.connect(str(wh)) as con:
        names = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert names == {"customer_lifecycle_daily__before_erasure"}  # the run builds it anew
        con.execute(f"create table {MARTS_SCHEMA}.customer_lifecycle_daily (half_built int)")
    histories.restore(wh, aside)
    with duckdb.connect(str(wh)) as con:
        n = con.execute(f"select count(*) from {MARTS_SCHEMA}.customer_lifecycle_daily").fetchall()[0][0]
    assert n == 55
