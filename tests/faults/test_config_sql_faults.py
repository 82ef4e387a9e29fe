"""Configuration cannot run arbitrary SQL: a tag condition or a var that reads the environment or a
file fails the build naming what is not allowed, and nothing of the secret lands anywhere. Names and
values with quotes still work."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from siyu.config import project_root
from siyu.safe_sql import UnsafeSQL, checked_condition, evaluation_connection
from siyu.warehouse import DbtBuildError
from tests.dbt.conftest import LAKE, build_fixture_warehouse

DAY = "2026-01-01"
SECRET = "pii-key-that-must-never-leak"


@pytest.mark.parametrize(
    "condition",
    [
        "getenv('SIYU_PII_KEY') is not null",
        "(select count(*) from read_csv('/etc/passwd')) > 0",
        "events_7d > 0; copy (select 1) to '/tmp/x'",
        "customer_rfm.segment = 'x'",
        "not_a_feature = 1",
    ],
)
def test_unsafe_tag_conditions_are_refused(condition):
    with pytest.raises(UnsafeSQL):
        checked_condition(condition, ["events_7d", "city"])


def test_safe_conditions_are_regenerated_with_quoted_names():
    assert checked_condition("\"my col\" >= 2 and city in ('上海', 'x''y')", ["my col", "city"]) == (
        "\"my col\" >= 2 AND \"city\" IN ('上海', 'x''y')"
    )


def test_the_evaluation_connection_cannot_reach_files_or_be_reopened():
    with evaluation_connection() as con:
        with pytest.raises(duckdb.Error):
            con.sql("select * from read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """The dbt project copied, so a test can change its seeds; SIYU_PROJECT_ROOT points at it."""
    shutil.copytree(
        project_root() / "dbt_project",
        tmp_path / "root" / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    monkeypatch.setenv("SIYU_PROJECT_ROOT", str(tmp_path / "root"))
    monkeypatch.setenv("SIYU_PII_KEY", SECRET)
    return tmp_path / "root" / "dbt_project"


def add_tags(project, *rows: str) -> None:
    seed = project / "seeds" / "tag_definitions.csv"
    seed.write_text(seed.read_text().rstrip("\n") + "\n" + "\n".join(rows) + "\n")


@pytest.mark.slow
def test_a_tag_reading_the_environment_fails_the_build_naming_the_tag(project_copy, tmp_path):
    add_tags(project_copy, "leak,basic,\"getenv('SIYU_PII_KEY') is not null\",reads the process environment")
    refused = r"tag 'leak': condition .*GETENV\('SIYU_PII_KEY'\).* is not allowed"
    with pytest.raises(DbtBuildError, match=refused):
        build_fixture_warehouse(tmp_path / "home", {DAY: LAKE[DAY]}, DAY)
    warehouse = tmp_path / "home" / "wh.duckdb"
    assert SECRET.encode() not in warehouse.read_bytes()


@pytest.mark.parametrize(
    "extra_vars, message",
    [
        (
            {"rfm_window_days": "365) or (getenv('SIYU_PII_KEY') is not null"},
            "var rfm_window_days must be a number",
        ),
        (
            {"order_quarantine_checks": [["getenv('SIYU_PII_KEY') is not null", "x"]]},
            "is not allowed: getenv\\(",
        ),
        ({"tier1_cities": "上海"}, "var tier1_cities must be a list"),
    ],
)
def test_vars_that_would_smuggle_sql_fail_at_run_start(tmp_path, monkeypatch, extra_vars, message):
    monkeypatch.setenv("SIYU_PII_KEY", SECRET)
    with pytest.raises(DbtBuildError, match=message):
        build_fixture_warehouse(tmp_path, {DAY: LAKE[DAY]}, DAY, **extra_vars)


@pytest.mark.slow
def test_quotes_in_tag_names_conditions_and_list_vars_stay_values(project_copy, tmp_path):
    add_tags(project_copy, "o'brien,basic,\"\"\"events_7d\"\" >= 0 and coalesce(city, '') <> 'x''y'\",quoted")
    injected = "上海') or getenv('SIYU_PII_KEY') is not null or ('"
    warehouse = build_fixture_warehouse(tmp_path / "home", {DAY: LAKE[DAY]}, DAY, tier1_cities=[injected])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "select count(*) from main_marts.customer_tags where tag_name = 'o''brien'"
        tagged = con.execute(query).fetchone()
        tiers = con.execute("select distinct city_tier from main_marts.dim_customers").fetchall()
    assert tagged[0] == con_count(warehouse) and (1,) not in tiers
    assert SECRET.encode() not in warehouse.read_bytes()


def con_count(warehouse) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from main_marts.customer_features").fetchone()[0]
