"""A Spark build of a few models on upstream tables given as Parquet (issue 22's parity tests).

The models whose inputs are not on Spark yet (the predictions read fct_orders, a mart) are compared
on the same inputs: the DuckDB build's exports of those inputs become Spark tables, then only the
models under test are built on Spark (``siyu_dev.engine_parity``'s child build) and exported.
``python -m siyu_dev.engine_given RUN_DATE SELECT GIVEN_JSON`` (GIVEN: {"main_marts.fct_orders":
"/path/fct_orders.parquet"}), in a child process: its JVM ends with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def build_given_in_child(home: Path, lake: Path, run_date: str, select: str, given: dict[str, Path]) -> dict:
    """Build ``select`` on Spark into ``home`` over the ``given`` tables; the child's report."""
    env = {
        **os.environ,
        "SIYU_ENGINE": "spark",
        "SIYU_HOME": str(home),
        "SIYU_LAKE": str(lake),
        "SIYU_WAREHOUSE": str(home / "warehouse" / "siyu.duckdb"),
    }
    tables = json.dumps({name: str(path) for name, path in given.items()})
    args = [sys.executable, "-m", "siyu_dev.engine_given", run_date, select, tables]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"spark build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load(given: dict[str, str]) -> None:
    from siyu.warehouse import dbt_env, environ, start_engine_session

    with environ(dbt_env()):
        start_engine_session()
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None
    for name, path in given.items():
        spark.sql(f"create database if not exists {name.split('.')[0]}")
        spark.read.parquet(path).write.mode("overwrite").saveAsTable(name)


if __name__ == "__main__":
    from siyu_dev.engine_parity import _child_build

    _load(json.loads(sys.argv[3]))
    _child_build(sys.argv[1], sys.argv[2])
