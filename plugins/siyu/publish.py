"""Publish the marts: a read-only DuckDB file for BI plus Parquet, swapped in atomically.

BI readers open ``published/siyu.duckdb`` while the working warehouse is being rebuilt; they must
never block the build nor see half of it. So the published file is a fresh copy of the marts
written beside its final place and renamed over it (readers holding the old file keep reading the
old inode). It is written with an older storage version so DuckDB 1.x readers can open it too.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from siyu import duck

STORAGE_VERSION = "v1.0.0"


def mart_tables(warehouse: Path, schema: str = "main_marts") -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema],
        ).fetchall()
    return [r[0] for r in rows]


def publish(warehouse: Path, target: Path, parquet_dir: Path, schema: str = "main_marts") -> list[str]:
    tables = mart_tables(warehouse, schema)
    if not tables:
        raise RuntimeError(f"no marts in schema {schema} of {warehouse}: nothing to publish")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp_parquet.mkdir(parents=True)
    with duck.connect() as con:
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        con.execute(f"attach '{tmp}' as pub (storage_version '{STORAGE_VERSION}')")
        for t in tables:
            con.execute(f'create table pub.main."{t}" as select * from wh.{schema}."{t}"')
            con.execute(f"copy wh.{schema}.\"{t}\" to '{tmp_parquet / (t + '.parquet')}' (format parquet)")
        con.execute("detach pub")
    os.replace(tmp, target)
    old = parquet_dir.with_name(f".{parquet_dir.name}.old")
    if parquet_dir.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(parquet_dir, old)
    os.replace(tmp_parquet, parquet_dir)
    shutil.rmtree(old, ignore_errors=True)
    return tables
