"""Bad input stops at the raw gate: a real `siyu_warehouse` DAG run on a lake where 30 % of orders are bad
(over both thresholds: 1 % and 10 rows; fewer are set aside in staging and flow on).

The run must fail at raw_gate (before dbt), publish nothing (the published file stays byte-for-byte
what it was), and its log must name the suite, the expectation and a sample of what failed.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from tests.dbt.conftest import LAKE, order, table
from tests.deploy.robot import messages, robot_connection, serve_robot

pytestmark = pytest.mark.slow
DAY = "2026-01-01"


def bad_lake(root) -> None:
    rows = dict(LAKE[DAY])
    orders = [
        order(f"ord{i:03d}", f"o_{i}", "paid", "88.00", "2025-12-31T03:00:00", "2025-12-31T03:00:00")
        for i in range(40)
    ]
    for row in orders[7:18]:
        row["amount"] = Decimal("-88.00")  # 11 of 40 negative: stops the run
    orders[21]["order_id"] = None  # 1 of 40 without id: tolerated, set aside in staging
    rows["appdb", "orders"] = orders
    lake = Lake(str(root))
    for source, entity in RAW:
        lake.write(Partition(source, entity, DAY), table(source, entity, rows.get((source, entity), [])))


def test_bad_orders_fail_the_raw_gate_and_publish_nothing(tmp_path, monkeypatch):
    from siyu_dev.local_airflow import airflow_env, dags_test, ensure_metadata_db

    for var in [v for v in list(__import__("os").environ) if v.startswith(("AIRFLOW", "SIYU_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_PII_KEY", "siyu-test-key")  # required outside the demo
    bad_lake(tmp_path / "lake")
    published = tmp_path / "published" / "siyu.duckdb"
    published.parent.mkdir(parents=True)
    published.write_bytes(b"yesterday's published marts")
    before = hashlib.sha256(published.read_bytes()).hexdigest()

    robot = serve_robot()
    env = airflow_env({"AIRFLOW_CONN_SIYU_ALERTS": robot_connection(robot)})
    ensure_metadata_db(env)
    with pytest.raises(RuntimeError, match="siyu_warehouse failed") as failed:
        dags_test("siyu_warehouse", DAY, env)

    log = (tmp_path / "logs" / f"siyu_warehouse_{DAY}.log").read_text()
    assert "critical expectations failed" in log
    assert (
        "raw.appdb.orders: expect_column_values_to_be_between(amount): 11 unexpected, sample ['-88.00'" in log
    )
    assert "raw.appdb.orders warning: expect_column_values_to_not_be_null(order_id)" in log
    assert str(failed.value).endswith(".log")
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert not (tmp_path / "warehouse" / "siyu.duckdb").exists()  # dbt never ran

    # the operators' WeCom group hears of it: DAG, task, day, suite, expectation and a sample
    robot.shutdown()
    [alert] = messages("siyu_warehouse failed")
    assert f"for {DAY}" in alert and "task: raw_gate" in alert
    assert (
        "raw.appdb.orders: expect_column_values_to_be_between(amount): 11 unexpected, sample ['-88.00'"
    ) in alert
    assert "robot-key" not in log  # the robot's key never reaches a log
