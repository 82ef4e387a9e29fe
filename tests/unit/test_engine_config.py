"""SIYU_ENGINE and SIYU_SPARK_TARGET choose the dbt target a build uses."""

import pytest

from siyu.config import dbt_target, engine_from_env
from siyu.errors import BadInput


def test_spark_is_the_local_session_unless_a_thrift_server_is_named(monkeypatch):
    monkeypatch.delenv("SIYU_SPARK_TARGET", raising=False)
    assert (dbt_target("duckdb"), dbt_target("spark")) == ("dev", "spark")
    monkeypatch.setenv("SIYU_SPARK_TARGET", "spark_thrift")  # what docker-compose.yaml sets
    assert (dbt_target("duckdb"), dbt_target("spark")) == ("dev", "spark_thrift")
    monkeypatch.setenv("SIYU_SPARK_TARGET", "emr")
    with pytest.raises(BadInput, match="SIYU_SPARK_TARGET"):
        dbt_target("spark")


def test_an_unknown_engine_is_refused(monkeypatch):
    monkeypatch.setenv("SIYU_ENGINE", "Spark ")
    assert engine_from_env() == "spark"
    monkeypatch.setenv("SIYU_ENGINE", "snowflake")
    with pytest.raises(BadInput, match="snowflake"):
        engine_from_env()
