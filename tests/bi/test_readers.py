"""The demo's published file and Parquet, read by the readers analysts have: DuckDB 1.x clients,
SQLAlchemy + duckdb-engine as Superset uses them, pyarrow and polars. Each reader other than Siyu's own
runs in its own environment (bi/readers-*.txt, installed with ``uv pip install --target``) and a
Python without site-packages, so Siyu's pins (SQLAlchemy 2.1, DuckDB 2.0) cannot leak in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from tests.support.requirements import missing

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LOOKUPS = {  # published column holding a code → (lookup table, its key)
    ("customer_contacts", "add_way"): ("lookup_add_way", "add_way"),
    ("community_members", "join_scene"): ("lookup_join_scene", "join_scene"),
    ("dim_customers", "gender"): ("lookup_gender", "gender"),
    ("dim_customers", "first_scene"): ("lookup_scene", "scene"),
    ("fct_events", "scene"): ("lookup_scene", "scene"),
    ("fct_sessions", "entry_scene"): ("lookup_scene", "scene"),
    ("customer_lifecycle", "lifecycle_stage"): ("lookup_lifecycle_stage", "lifecycle_stage"),
    ("customer_lifecycle_daily", "lifecycle_stage"): ("lookup_lifecycle_stage", "lifecycle_stage"),
    ("customer_rfm", "rfm_class_cn"): ("lookup_rfm_class", "rfm_class_cn"),
    ("customer_tags", "tag_name"): ("tag_definitions", "tag_name"),
}


def reader_env(requirements: str, cache: Path) -> Path:
    """Install ``bi/<requirements>`` into a folder of its own (SIYU_BI_READERS_DIR keeps it between runs)."""
    target = cache / Path(requirements).stem
    if not (target / ".installed").exists():
        uv = Path(sys.executable).parent / "uv"
        command = [str(uv), "pip", "install", "-q", "--target", str(target)]
        command += ["-r", str(ROOT / "bi" / requirements)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            reason = f"cannot install bi/{requirements} from the package index: {result.stderr[-300:]}"
            missing(reason)
        (target / ".installed").touch()
    return target


def run_in(env: Path, *args: str) -> str:
    """Run Python with only ``env`` on its path (-S: no site-packages of Siyu's venv)."""
    result = subprocess.run([sys.executable, "-S", *args], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(env)})  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def published(demo_home) -> Path:
    home, _ = demo_home
    return home / "published"


@pytest.fixture(scope="module")
def catalog(published) -> dict[str, dict]:
    """What Siyu's DuckDB says of the published file: per table its comment, row count, columns."""
    with duckdb.connect(str(published / "siyu.duckdb"), read_only=True) as con:
        query = "select table_name, comment from duckdb_tables() where not internal"
        tables = dict(con.execute(query).fetchall())
        out = {}
        for table, comment in tables.items():
            columns = con.execute(
                "select column_name, data_type, comment from duckdb_columns() where table_name = ? "
                "order by column_index", [table]).fetchall()  # fmt: skip
            (count,) = con.execute(f'select count(*) from "{table}"').fetchall()[0]
            out[table] = {"comment": comment, "count": count, "columns": {c: (t, d) for c, t, d in columns}}
    return out


@pytest.fixture(scope="module")
def readers_cache(tmp_path_factory) -> Path:
    return Path(os.environ.get("SIYU_BI_READERS_DIR") or tmp_path_factory.mktemp("bi_readers"))


def test_every_table_and_column_is_described(catalog):
    assert len(catalog) >= 25
    for table, info in catalog.items():
        assert info["comment"], f"{table} has no comment"
        undocumented = [c for c, (_, doc) in info["columns"].items() if not doc]
        assert undocumented == [], f"{table}: columns without a comment: {undocumented}"


def test_timestamps_are_documented_as_utc_instants(catalog):
    stamps = [(t, c, doc) for t, i in catalog.items() for c, (kind, doc) in i["columns"].items()
              if kind == "TIMESTAMP WITH TIME ZONE"]  # fmt: skip
    assert len(stamps) > 10
    for table, column, doc in stamps:
        assert "UTC instant" in doc, (table, column)
    assert "paid_date" in catalog["fct_orders"]["columns"]["paid_at"][1]  # the China day beside it


# A day does not matter for these: a row's last change, a session's end (its day is its start's).
NO_DAY = {"updated_at", "ended_at"}


def test_the_china_day_stands_beside_every_timestamp_analysts_group_by(catalog):
    """Issue 18: every timestamp of the analysts' marts (the identity marts explain the graph, not a
    business day) has its China-day column, named `<event>_date`, and its comment names it."""
    missing, checked = [], 0
    for table, info in catalog.items():
        if table.startswith("identity_"):
            continue
        for column, (kind, doc) in info["columns"].items():
            if kind != "TIMESTAMP WITH TIME ZONE" or column in NO_DAY:
                continue
            checked += 1
            day = (
                doc.split("The China day (Asia/Shanghai) is column ")[-1].rstrip(".")
                if "is column" in doc
                else None
            )
            if day is None or info["columns"].get(day, ("",))[0] != "DATE":
                missing.append(f"{table}.{column}")
    assert checked >= 15 and missing == []
    assert "first_paid_date" in catalog["dim_customers"]["columns"]["first_paid_at"][1]


def test_lookups_decode_every_code_in_the_marts(published, catalog):
    with duckdb.connect(str(published / "siyu.duckdb"), read_only=True) as con:
        for (table, column), (lookup, key) in LOOKUPS.items():
            missing = con.execute(
                f'select distinct t."{column}" from "{table}" t anti join "{lookup}" l '
                f'on t."{column}" = l."{key}" where t."{column}" is not null').fetchall()  # fmt: skip
            assert missing == [], f"{table}.{column} codes with no row in {lookup}: {missing}"
            (used,) = con.execute(f'select count(distinct "{column}") from "{table}"').fetchall()[0]
            assert used > 0 or table == "community_members", f"{table}.{column} holds no code at all"


def test_duckdb_1x_client_reads_every_table(published, catalog, readers_cache):
    env = reader_env("readers-sqlalchemy2.txt", readers_cache)
    code = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "con.execute('set enable_progress_bar = false')\n"
        "tables = con.execute('select table_name, comment from duckdb_tables()').fetchall()\n"
        # fetchall converts every value to Python: timestamptz needs pytz in DuckDB 1.x
        "print(json.dumps({'version': duckdb.__version__, 'tables': {t: [c, len(con.execute("
        "f'select * from \"{t}\"').fetchall())] for t, c in tables}}))\n"
    )
    out = json.loads(run_in(env, "-c", code, str(published / "siyu.duckdb")))
    assert out["version"].startswith("1.")
    assert out["tables"] == {t: [i["comment"], i["count"]] for t, i in catalog.items()}


@pytest.mark.parametrize("requirements", ["readers-sqlalchemy2.txt", "readers-sqlalchemy14.txt"])
def test_superset_lists_and_queries_every_mart(published, catalog, readers_cache, requirements):
    """The inspector calls Superset makes when a dataset is added, then a chart's query, per table."""
    env = reader_env(requirements, readers_cache)
    url = f"duckdb:///{published / 'siyu.duckdb'}"
    out = json.loads(run_in(env, str(Path(__file__).parent / "superset_reader.py"), url))
    assert "siyu.main" in out["schemas"]
    assert set(out["tables"]) == set(catalog)
    for table, seen in out["tables"].items():
        assert seen["count"] == catalog[table]["count"] and seen["rows_read"] == min(1000, seen["count"])
        assert list(seen["columns"]) == list(catalog[table]["columns"])
        assert {c: v["comment"] for c, v in seen["columns"].items()} == {
            c: doc for c, (_, doc) in catalog[table]["columns"].items()}  # fmt: skip
        assert seen["comment"] == catalog[table]["comment"]


def test_parquet_reads_in_pyarrow_and_polars_with_descriptions(published, catalog):
    files = sorted((published / "parquet").glob("*.parquet"))
    assert {f.stem for f in files} == set(catalog)
    for path in files:
        info = catalog[path.stem]
        table = pq.read_table(path)
        assert table.num_rows == info["count"]
        assert table.schema.metadata[b"description"].decode() == info["comment"]
        for field in table.schema:
            assert field.metadata[b"description"].decode() == info["columns"][field.name][1], field.name
        frame = pl.read_parquet(path)
        assert frame.height == info["count"] and frame.columns == list(info["columns"])
        described = json.loads(pl.read_parquet_metadata(path)["column_descriptions"])
        assert described == {c: doc for c, (_, doc) in info["columns"].items()}


def test_dbt_docs_site_is_published_beside_the_marts(published):
    site = (published / "docs" / "index.html").read_text(encoding="utf-8")
    assert "lookup_add_way" in site and "fct_orders" in site and "tracking" in site
    assert len(site) > 500_000  # the manifest and catalog inlined: one file that opens offline
