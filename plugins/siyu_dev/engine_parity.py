"""The same lake built on DuckDB and on Spark, model for model, row for row (issue 22).

``build`` runs in a child process (``python -m siyu_dev.engine_parity build ...``): dbt on the engine,
then each model of the selection exported to ``<home>/export/<model>.parquet``, read back from the
engine itself. On Spark the child's JVM ends with it, so no Spark outlives a build; on DuckDB the
warehouse file is released. ``compare`` counts, per model, the rows one engine has and the other has
not (a multiset difference, floats rounded to ``FLOAT_DIGITS``, timestamps as UTC instants).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FLOAT_DIGITS = 6


def build_in_child(
    engine: str,
    home: Path,
    lake: Path,
    run_date: str,
    select: str,
    timeout: int = 3600,
    extra_vars: dict | None = None,
) -> dict:
    """Build ``select`` on ``engine`` into ``home`` in a child process; its report (models, seconds).
    ``extra_vars`` override dbt_project.yml vars for the build (an operators' inbox, a rule)."""
    env = {
        **os.environ,
        "SIYU_ENGINE": engine,
        "SIYU_HOME": str(home),
        "SIYU_LAKE": str(lake),
        "SIYU_WAREHOUSE": str(home / "warehouse" / "siyu.duckdb"),
    }
    args = [sys.executable, "-m", "siyu_dev.engine_parity", "build", run_date, select]
    args += [json.dumps(extra_vars or {})]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _models(nodes: dict[str, dict]) -> list[str]:
    return sorted(uid.split(".")[-1] for uid in nodes if uid.startswith("model."))


def _export(engine: str, models: list[str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()
        assert spark is not None, "the build's session is gone"
        for model in models:
            name = f"main_{_layer(model)}.{model}"
            if spark.catalog.tableExists(name):  # an ephemeral model has no relation
                pq.write_table(spark.table(name).toArrow(), out / f"{model}.parquet")
        return
    import duckdb

    from siyu.config import settings

    with duckdb.connect(str(settings().warehouse), read_only=True) as con:
        con.sql("set TimeZone = 'Asia/Shanghai'")  # staging views read China days, as in dbt's session
        for model in models:
            schemas = con.execute(
                "select table_schema from information_schema.tables where table_name = ?", [model]
            ).fetchall()
            if not schemas:  # an ephemeral model
                continue
            rows = con.sql(f'select * from "{schemas[0][0]}"."{model}"').to_arrow_table()
            pq.write_table(rows, out / f"{model}.parquet")


def _layer(model: str) -> str:
    return "staging" if model.startswith("stg_") else "intermediate" if model.startswith("int") else "marts"


def _child_build(run_date: str, select: str, extra_vars: dict | None = None) -> None:
    from siyu.config import settings
    from siyu.warehouse import dbt_build

    # A part of the project: only the data tests all of whose models are built here (dbt's default,
    # eager, also runs a test one of whose models is selected, e.g. a mart's test that reads the
    # intermediate layer's run limits, against a mart this build never made). Its own process.
    os.environ["DBT_INDIRECT_SELECTION"] = "cautious"
    started = time.monotonic()
    nodes = dbt_build(run_date, select=select, extra_vars=extra_vars or None)
    seconds = round(time.monotonic() - started, 1)
    models = _models(nodes)
    _export(settings().engine, models, settings().home / "export")
    if settings().engine == "spark":
        from siyu import spark_session

        spark_session.stop()
    print(json.dumps({"models": models, "build_seconds": seconds}))


def _normalised(table: pa.Table) -> list[tuple]:
    """Rows as comparable tuples: columns by name, floats rounded, timestamps as UTC instants."""
    columns = []
    for name in sorted(table.column_names):
        col = table[name]
        if pa.types.is_floating(col.type) or pa.types.is_decimal(col.type):
            # Python's round is correctly rounded: 292.72 and 292.71999999999997 (one ulp apart, the two
            # engines' sums) round to the same double; Arrow's round kept them apart
            columns.append(
                [None if v is None else round(v, FLOAT_DIGITS) for v in col.cast(pa.float64()).to_pylist()]
            )
            continue
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp("us", tz="UTC"))
        elif pa.types.is_large_string(col.type):
            col = col.cast(pa.string())
        columns.append(col.to_pylist())
    as_text = [[json.dumps(v, default=str, sort_keys=True) for v in col] for col in columns]
    return list(zip(*as_text, strict=True))


def compare(left: Path, right: Path, models: list[str]) -> dict[str, dict]:
    """Per model: rows on each side and the rows on one side only (0 and 0 when they agree)."""
    from collections import Counter

    report: dict[str, dict] = {}
    for model in models:
        a, b = pq.read_table(left / f"{model}.parquet"), pq.read_table(right / f"{model}.parquet")
        if sorted(a.column_names) != sorted(b.column_names):
            report[model] = {"columns": [sorted(a.column_names), sorted(b.column_names)]}
            continue
        ca, cb = Counter(_normalised(a)), Counter(_normalised(b))
        report[model] = {
            "rows": a.num_rows,
            "only_left": sum((ca - cb).values()),
            "only_right": sum((cb - ca).values()),
        }
    return report


if __name__ == "__main__":
    if sys.argv[1] != "build":
        raise SystemExit("usage: python -m siyu_dev.engine_parity build RUN_DATE SELECT [VARS_JSON]")
    _child_build(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]) if len(sys.argv) > 4 else None)
