"""DuckDB's memory limit, threads and spill directory come from the settings, for dbt and the package."""

from __future__ import annotations

import pytest

from siyu import duck
from siyu.config import settings

SETTINGS = (
    "select current_setting('memory_limit') as m, current_setting('threads') as t, "
    "current_setting('temp_directory') as d"
)


def limits(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_DUCKDB_MEMORY_LIMIT", "1GiB")
    monkeypatch.setenv("SIYU_DUCKDB_THREADS", "1")
    monkeypatch.setenv("SIYU_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))


def test_defaults_bound_memory_to_half_the_machine(monkeypatch, tmp_path):
    for name in ("SIYU_DUCKDB_MEMORY_LIMIT", "SIYU_DUCKDB_THREADS", "SIYU_DUCKDB_TEMP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    s = settings()
    assert s.duckdb_memory_limit == "50%" and s.duckdb_threads >= 1
    assert s.duckdb_temp_dir == tmp_path / "duckdb_tmp"  # under SIYU_HOME, not the checkout


def test_the_packages_connections_take_the_settings(monkeypatch, tmp_path):
    limits(monkeypatch, tmp_path)
    with duck.connect() as con:
        memory, threads, spill = con.execute(SETTINGS).fetchall()[0]
    assert (memory, threads, spill) == ("1.0 GiB", 1, str(tmp_path / "spill"))


@pytest.mark.slow
def test_the_settings_reach_the_dbt_connection(monkeypatch, tmp_path):
    from dbt.cli.main import dbtRunner

    from siyu.warehouse import dbt_args, dbt_env, environ, release_duckdb

    limits(monkeypatch, tmp_path)
    monkeypatch.setenv("SIYU_WAREHOUSE", str(tmp_path / "wh" / "siyu.duckdb"))
    monkeypatch.setenv("SIYU_LAKE", str(tmp_path / "lake"))
    with environ(dbt_env()):
        try:
            result = dbtRunner().invoke(dbt_args("show", "2026-01-01") + ["--inline", SETTINGS, "--quiet"])
        finally:
            release_duckdb()
    assert result.success, result.exception
    row = result.result.results[0].agate_table.rows[0]
    assert (row["m"], int(row["t"]), row["d"]) == ("1.0 GiB", 1, str(tmp_path / "spill"))
