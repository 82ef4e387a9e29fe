"""The lake on object storage: landing writes it, dbt reads it and the marts publish, against a local
S3 server (moto's server mode on a free port; no external server, so it always runs).

SIYU_LAKE is an ``s3://`` URL and SIYU_LAKE_OPTIONS carries the endpoint: landing writes through
fsspec (s3fs), dbt-duckdb reads the same URL through the same filesystem (profiles.yml
``filesystems``: DuckDB's httpfs extension cannot be downloaded here, and need not be).
"""

from __future__ import annotations

import json

import duckdb
import pytest

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from tests.dbt.conftest import DAY1, LAKE, table
from tests.deploy.stack import free_port

pytestmark = pytest.mark.slow

BUCKET = "siyu-lake"


@pytest.fixture
def s3(monkeypatch):
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, client
    finally:
        server.stop()


def test_land_build_and_publish_from_an_s3_lake(s3, tmp_path, monkeypatch):
    from siyu import tasks
    from siyu.config import settings

    endpoint, client = s3
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_LAKE", f"s3://{BUCKET}/lake")
    monkeypatch.setenv("SIYU_LAKE_OPTIONS", json.dumps({"endpoint_url": endpoint}))

    # landing: every raw entity of day 1 through the lake's fsspec writer
    lake = Lake(settings().lake)
    assert not lake.local
    for source, entity in RAW:
        rows = LAKE[DAY1].get((source, entity), [])
        lake.write(Partition(source, entity, DAY1), table(source, entity, rows))
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="lake/raw/appdb/orders/")["Contents"]
    keys = {o["Key"] for o in listed}
    assert keys == {
        f"lake/raw/appdb/orders/dt={DAY1}/part-0000.parquet",
        f"lake/raw/appdb/orders/dt={DAY1}/_manifest.json",
    }, keys
    assert lake.partitions("appdb", "orders") == [DAY1]
    assert not (tmp_path / "lake").exists()  # nothing fell back to local disk

    # dbt reads the S3 lake, then publish
    from siyu.warehouse import dbt_build

    # the marts this test reads and all they need, with the tests of those only (raises when a model
    # or test fails)
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    nodes = dbt_build(DAY1, select="+fct_orders +customer_identifiers")
    assert nodes["model.siyu.stg_appdb__orders"]["status"] == "success"
    tasks.publish(DAY1)

    landed = {r["order_id"] for r in LAKE[DAY1][("appdb", "orders")]}
    with duckdb.connect(str(settings().published), read_only=True) as con:
        orders = {r[0] for r in con.execute("select order_id from fct_orders").fetchall()}
        identifiers = con.execute("select count(*) from customer_identifiers").fetchall()[0][0]
    assert orders == landed
    assert identifiers > 0


def test_a_local_lake_needs_no_filesystem(tmp_path, monkeypatch):
    from siyu.lake import dbt_filesystems

    monkeypatch.setenv("SIYU_LAKE_OPTIONS", json.dumps({"endpoint_url": "http://127.0.0.1:9"}))
    assert dbt_filesystems(str(tmp_path / "lake")) == []
    assert Lake(str(tmp_path / "lake")).local
    assert dbt_filesystems("s3://b/lake") == [{"fs": "s3", "endpoint_url": "http://127.0.0.1:9"}]
    monkeypatch.setenv("SIYU_LAKE_OPTIONS", "[1]")
    with pytest.raises(ValueError, match="JSON object"):
        dbt_filesystems("s3://b/lake")


def test_rewriting_a_partition_on_s3_replaces_it_whole(s3, monkeypatch):
    endpoint, client = s3
    monkeypatch.setenv("SIYU_LAKE_OPTIONS", json.dumps({"endpoint_url": endpoint}))
    lake = Lake(f"s3://{BUCKET}/lake")
    orders = LAKE[DAY1][("appdb", "orders")]
    part = Partition("appdb", "orders", DAY1)
    lake.write(part, table("appdb", "orders", orders))
    lake.write(part, table("appdb", "orders", orders[:1]))  # a re-run with fewer rows
    assert lake.read(part).num_rows == 1
    assert lake.manifest(part).row_count == 1
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="lake/raw/appdb/orders/")["Contents"]
    assert sorted(o["Key"].rsplit("/", 1)[-1] for o in listed) == ["_manifest.json", "part-0000.parquet"]
    assert lake.recover("appdb", "orders") == []  # no temp objects left behind
