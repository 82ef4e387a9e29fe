"""Failure alerts reach the WeCom group robot: a run past its dagrun_timeout (a source not landed by
its deadline) alerts; a run failed by a task does not alert twice (the task did)."""

from __future__ import annotations

from types import SimpleNamespace

import pendulum

from tests.deploy.robot import messages, robot_connection, serve_robot


def test_a_source_not_landed_by_its_deadline_alerts(monkeypatch, airflow_env_vars):
    # airflow_env_vars first: importing dag_defaults imports Airflow, which reads its home once
    from siyu import dag_defaults

    robot = serve_robot()
    monkeypatch.setenv("AIRFLOW_CONN_SIYU_ALERTS", robot_connection(robot))
    try:
        run = SimpleNamespace(dag_id="siyu_ingest_appdb", run_id="scheduled__2026-11-23T16:00:00+00:00",
                              run_after=pendulum.datetime(2026, 11, 25, tz="Asia/Shanghai"))
        logical = pendulum.datetime(2026, 11, 24, tz="Asia/Shanghai")
        dag_defaults._run_failed({"dag_run": run, "logical_date": logical, "reason": "task_failure"})
        assert messages("siyu_ingest_appdb") == []  # the failed task alerted already
        dag_defaults._run_failed({"dag_run": run, "logical_date": logical, "reason": "timed_out"})
    finally:
        robot.shutdown()
        robot.server_close()
    [alert] = messages("siyu_ingest_appdb failed")
    assert "for 2026-11-24" in alert and "reason: timed_out" in alert
