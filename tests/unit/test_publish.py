"""Publishing: readers of the published file never block and never see a mix of two runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from siyu.publish import publish


def build_warehouse(path: Path, run: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists main_marts")
        # both marts carry the run number: a reader that sees two different numbers saw a mixed state
        con.execute(
            f"create or replace table main_marts.dim_customers as "
            f"select i as customer_id, {run} as run from range(2000) t(i)"
        )
        con.execute(
            f"create or replace table main_marts.fct_orders as "
            f"select i as order_id, i % 2000 as customer_id, {run} as run from range(5000) t(i)"
        )


READER = """
import json, sys, time
import duckdb

published, stop_at = sys.argv[1], float(sys.argv[2])
reads, errors, mixed, runs = 0, [], 0, set()
while time.time() < stop_at:
    try:
        with duckdb.connect(published, read_only=True) as con:
            a = con.execute("select min(run), max(run), count(*) from dim_customers").fetchall()[0]
            time.sleep(0.01)  # hold the file open while the writer publishes
            b = con.execute("select min(run), max(run), count(*) from fct_orders").fetchall()[0]
        if not (a[0] == a[1] == b[0] == b[1]) or (a[2], b[2]) != (2000, 5000):
            mixed += 1
        runs.add(a[0])
        reads += 1
    except Exception as error:  # any failure to read is what the test looks for
        errors.append(repr(error))
print(json.dumps([reads, errors, mixed, sorted(runs)]))
"""


def test_reader_never_blocked_nor_mixed(tmp_path):
    warehouse, published = tmp_path / "wh.duckdb", tmp_path / "published" / "siyu.duckdb"
    build_warehouse(warehouse, 0)
    publish(warehouse, published, tmp_path / "published" / "parquet")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(time.time() + 6)],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # let the reader start and hold the file
    for run in range(1, 6):
        build_warehouse(warehouse, run)
        publish(warehouse, published, tmp_path / "published" / "parquet")
    out, _ = reader.communicate(timeout=60)
    reads, errors, mixed, runs = json.loads(out)
    assert errors == [] and mixed == 0
    assert reads > 20 and len(runs) >= 2  # it really read during the publishes
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select distinct run from fct_orders").fetchall() == [(5,)]
    assert sorted(p.name for p in (tmp_path / "published" / "parquet").iterdir()) == [
        "dim_customers.parquet",
        "fct_orders.parquet",
    ]
    assert not [p for p in (tmp_path / "published").iterdir() if p.name.startswith(".")]


def test_publish_refuses_empty_warehouse(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(warehouse, tmp_path / "pub.duckdb", tmp_path / "parquet")
    assert not (tmp_path / "pub.duckdb").exists()


@pytest.fixture(scope="session")
def duckdb_1x(tmp_path_factory) -> Path:
    """An older DuckDB (1.1) in its own folder, as a BI tool's bundled reader would be."""
    target = Path(os.environ.get("SIYU_DUCKDB1_DIR", tmp_path_factory.mktemp("duckdb1")))
    if not (target / "duckdb").exists():
        uv = Path(sys.executable).parent / "uv"
        result = subprocess.run(
            [str(uv), "pip", "install", "-q", "--target", str(target), "duckdb==1.1.3"],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot install duckdb 1.1.3 from the package index: {result.stderr[-300:]}")
    return target


def test_published_file_opens_in_duckdb_1x(tmp_path, duckdb_1x):
    warehouse, published = tmp_path / "wh.duckdb", tmp_path / "siyu.duckdb"
    build_warehouse(warehouse, 3)
    publish(warehouse, published, tmp_path / "parquet")
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True);"
        "print(duckdb.__version__, con.execute('select count(*), max(run) from fct_orders').fetchall()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(published)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(duckdb_1x)},
    )
    assert result.returncode == 0, result.stderr[-1000:]
    assert result.stdout.strip() == "1.1.3 (5000, 3)"
