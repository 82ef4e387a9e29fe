"""Publish under faults: kill -9 at any moment leaves the DuckDB file and the Parquet folder at the
same version, the next run cleans what the killed one left, a full disk fails saying so, outputs are
owner-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from siyu.exports.sync import sync_tags
from siyu.publish import PublishError, publication, publish


def warehouse(path: Path, run: int, rows: int = 200_000) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists main_marts")
        for name in ("dim_customers", "fct_orders", "customer_tags"):
            con.execute(
                f"create or replace table main_marts.{name} as select i as id, {run} as run, "
                f"md5(i::varchar) as filler from range({rows}) t(i)"
            )
    return path


def versions_seen(published: Path) -> tuple[set[int], set[int]]:
    with duckdb.connect(str(published), read_only=True) as con:
        in_duckdb = {r[0] for r in con.execute("select distinct run from dim_customers").fetchall()}
    parquet = published.parent / "parquet" / "fct_orders.parquet"
    in_parquet = {r[0] for r in duckdb.sql(f"select distinct run from '{parquet}'").fetchall()}
    return in_duckdb, in_parquet


PUBLISHER = (
    "import sys; from pathlib import Path; from siyu.publish import publish; p = Path(sys.argv[2]); "
    "publish(Path(sys.argv[1]), p, p.parent / 'parquet', date=sys.argv[3])"
)


def publish_to(wh: Path, published: Path, date: str) -> list[str]:
    return publish(wh, published, published.parent / "parquet", date=date)


def test_kill_9_at_any_moment_leaves_one_consistent_version(tmp_path):
    published = tmp_path / "published" / "siyu.duckdb"
    publish_to(warehouse(tmp_path / "wh0.duckdb", 0), published, "2026-01-01")
    last = 0
    for run, delay in enumerate((0.05, 0.2, 0.4, 0.7, 1.0, 1.5, 30), start=1):
        wh = warehouse(tmp_path / f"wh{run}.duckdb", run)
        args = [sys.executable, "-c", PUBLISHER, str(wh), str(published), f"2026-01-{run + 1:02d}"]
        child = subprocess.Popen(args)
        try:
            child.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        in_duckdb, in_parquet = versions_seen(published)
        assert in_duckdb == in_parquet and len(in_duckdb) == 1  # never a mix of two runs
        assert in_duckdb <= {last, run}
        last = in_duckdb.pop()
    assert last == 7  # the last publish was given time to finish
    leftovers = [p.name for p in (published.parent / "versions").iterdir() if p.name.startswith(".")]
    assert leftovers == []  # what the killed runs left is gone after the next run


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_fails_saying_so_and_the_retry_works(tmp_path, tiny_disk):
    published = tiny_disk / "published" / "siyu.duckdb"
    publish_to(warehouse(tmp_path / "small.duckdb", 1, rows=1000), published, "2026-01-01")
    with pytest.raises(
        PublishError,
        match=r"disk full while publishing 2026-01-02 .* current publication is "
        r"unchanged",
    ):
        publish_to(warehouse(tmp_path / "big.duckdb", 2), published, "2026-01-02")
    assert versions_seen(published) == ({1}, {1}) and publication(published)["dt"] == "2026-01-01"
    assert [p.name for p in (published.parent / "versions").iterdir() if p.name.startswith(".")] == []
    # room again: the retry publishes (no temp file left to make it fail)
    publish_to(warehouse(tmp_path / "ok.duckdb", 3, rows=1000), published, "2026-01-02")
    assert versions_seen(published) == ({3}, {3})


def test_outputs_are_owner_only_unless_configured(tmp_path, monkeypatch):
    from siyu.lake import Lake, Partition
    from tests.dbt.conftest import table

    published = tmp_path / "published" / "siyu.duckdb"
    publish_to(warehouse(tmp_path / "wh.duckdb", 1, rows=10), published, "2026-01-01")
    lake = Lake(str(tmp_path / "lake"))
    lake.write(Partition("appdb", "orders", "2026-01-01"), table("appdb", "orders", []))
    for root in (tmp_path / "published", tmp_path / "lake"):
        for path in [root, *root.rglob("*")]:
            if not path.is_symlink():
                assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    monkeypatch.setenv("SIYU_FILE_MODE", "0640")
    lake.write(Partition("appdb", "orders", "2026-01-02"), table("appdb", "orders", []))
    part = Path(lake.partition_path(Partition("appdb", "orders", "2026-01-02")))
    assert stat.S_IMODE((part / "part-0000.parquet").stat().st_mode) == 0o640
    assert stat.S_IMODE(part.stat().st_mode) == 0o750


def test_tag_sync_for_an_older_date_writes_nothing(tmp_path):
    published = tmp_path / "published" / "siyu.duckdb"
    publish_to(warehouse(tmp_path / "wh.duckdb", 1, rows=10), published, "2026-01-02")
    # a backfill's run for an earlier date: the client is never called (None would fail)
    skipped = sync_tags(None, published, date="2026-01-01")["skipped"]
    assert skipped == "the current publication is newer (2026-01-02)"
    assert os.path.realpath(published).startswith(str(published.parent / "versions"))
