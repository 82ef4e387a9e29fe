"""The lake writer: atomic partitions, manifests, crash safety, deterministic bytes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pytest

from siyu.lake import MANIFEST, PART, Lake, Partition, schema_fingerprint

P = Partition("appdb", "orders", "2026-03-01")


def table(n: int, tag: str = "a") -> pa.Table:
    return pa.table({"id": [f"{tag}{i}" for i in range(n)], "v": list(range(n))})


def test_write_makes_partition_with_manifest(tmp_path):
    lake = Lake(str(tmp_path))
    manifest = lake.write(P, table(10), window={"low": "x", "high": "y"})
    folder = tmp_path / "raw/appdb/orders/dt=2026-03-01"
    assert sorted(os.listdir(folder)) == [MANIFEST, PART]
    on_disk = json.loads((folder / MANIFEST).read_text())
    assert on_disk["row_count"] == 10 and on_disk["window"] == {"low": "x", "high": "y"}
    assert on_disk["schema_fingerprint"] == schema_fingerprint(table(1).schema)
    import hashlib

    assert on_disk["files"][PART] == hashlib.sha256((folder / PART).read_bytes()).hexdigest()
    assert manifest.row_count == lake.read(P).num_rows == 10


def test_same_rows_same_bytes_and_rewrite_replaces_whole(tmp_path):
    lake = Lake(str(tmp_path))
    first = lake.write(P, table(10))
    assert lake.write(P, table(10)).files == first.files
    lake.write(P, table(3, "b"))
    assert lake.read(P).column("id").to_pylist() == ["b0", "b1", "b2"]
    assert [p.name for p in (tmp_path / "raw/appdb/orders").iterdir()] == ["dt=2026-03-01"]


def test_partitions_lists_only_complete_ones(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write(Partition("appdb", "orders", "2026-03-02"), table(1))
    lake.write(P, table(1))
    (tmp_path / "raw/appdb/orders/dt=2026-03-03").mkdir()  # no manifest: not complete
    assert lake.partitions("appdb", "orders") == ["2026-03-01", "2026-03-02"]


SLOW_WRITER = """
import sys, time
import pyarrow as pa
from siyu.lake import Lake, Partition

def batches():
    for i in range(10_000):
        yield pa.table({"id": [f"new{i}-{j}" for j in range(1000)], "v": list(range(1000))}).to_batches()[0]
        time.sleep(0.001)

schema = pa.table({"id": ["x"], "v": [1]}).schema
Lake(sys.argv[1]).write_batches(Partition("appdb", "orders", "2026-03-01"), schema, batches())
"""


def test_sigkill_during_write_keeps_previous_partition(tmp_path):
    lake = Lake(str(tmp_path))
    before = lake.write(P, table(5))
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(tmp_path)])
    deadline = time.time() + 60
    while not list((tmp_path / "raw/appdb/orders").glob(".tmp-*/" + PART)) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # the killed run left a temp dir behind, but readers still see the previous partition intact
    assert lake.manifest(P).files == before.files
    assert lake.read(P).num_rows == 5
    assert lake.recover()  # the temp dir is cleaned up
    after = lake.write(P, table(7))
    assert after.row_count == 7
    assert not list((tmp_path / "raw/appdb/orders").glob(".*"))


def test_recover_restores_partition_moved_aside_mid_swap(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write(P, table(4))
    folder = tmp_path / "raw/appdb/orders"
    os.rename(folder / "dt=2026-03-01", folder / ".old-deadbeef")  # a crash between the two renames
    assert lake.manifest(P) is None
    lake.recover()
    assert lake.read(P).num_rows == 4


@pytest.mark.parametrize("root", ["memory://siyu-lake-test"])
def test_fsspec_url_root(root):
    lake = Lake(root)
    lake.write(P, table(3))
    assert lake.read(P).num_rows == 3 and lake.partitions("appdb", "orders") == ["2026-03-01"]


def test_a_large_partition_is_split_into_row_groups_duckdb_reads_in_parallel(tmp_path):
    import pyarrow.parquet as pq

    from siyu.lake import ROW_GROUP_ROWS

    lake = Lake(str(tmp_path))
    rows = 2 * ROW_GROUP_ROWS + 5
    lake.write(P, pa.table({"v": pa.array(range(rows), pa.int64())}))  # one batch of all the rows
    meta = pq.ParquetFile(tmp_path / "raw/appdb/orders/dt=2026-03-01" / PART).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [ROW_GROUP_ROWS] * 2 + [5]
