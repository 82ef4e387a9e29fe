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
        run = SimpleNamespace(
            dag_id="siyu_ingest_appdb",
            run_id="scheduled__2026-11-23T16:00:00+00:00",
            run_after=pendulum.datetime(2026, 11, 25, tz="Asia/Shanghai"),
        )
        logical = pendulum.datetime(2026, 11, 24, tz="Asia/Shanghai")
        dag_defaults._run_failed({"dag_run": run, "logical_date": logical, "reason": "task_failure"})
        assert messages("siyu_ingest_appdb") == []  # the failed task alerted already
        dag_defaults._run_failed({"dag_run": run, "logical_date": logical, "reason": "timed_out"})
    finally:
        robot.shutdown()
        robot.server_close()
    [alert] = messages("siyu_ingest_appdb failed")
    assert "for 2026-11-24" in alert and "reason: timed_out" in alert


def test_a_gate_failure_is_mailed_when_email_is_the_channel(tmp_path, monkeypatch, airflow_env_vars):
    """The alternative to the robot: the SMTP connection siyu_alerts_email, against a local SMTP
    server. A real raw-gate failure's alert names the suite, the expectation and a sample."""
    import json
    from email import message_from_bytes, policy

    import pytest
    from aiosmtpd.controller import Controller

    from siyu.alerts import on_failure
    from siyu.quality.gates import QualityGateError, run_raw_gate
    from tests.dags.test_gate_failure import DAY, bad_lake
    from tests.deploy.stack import free_port

    class Inbox:
        def __init__(self):
            self.mails = []

        async def handle_DATA(self, server, session, envelope):
            self.mails.append(envelope)
            return "250 OK"

    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.setenv("SIYU_LAKE", str(tmp_path / "lake"))
    bad_lake(tmp_path / "lake")
    with pytest.raises(QualityGateError) as failed:
        run_raw_gate(DAY)

    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    monkeypatch.delenv("AIRFLOW_CONN_SIYU_ALERTS", raising=False)  # e-mail only
    monkeypatch.setenv(
        "AIRFLOW_CONN_SIYU_ALERTS_EMAIL",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": port,
                "login": "siyu@brand.example",
                "extra": {"to": ["data-ops@brand.example", "oncall@brand.example"]},
            }
        ),
    )
    try:
        run = SimpleNamespace(
            dag_id="siyu_warehouse",
            run_id=f"manual__{DAY}",
            run_after=pendulum.datetime(2026, 1, 2, tz="Asia/Shanghai"),
        )
        ti = SimpleNamespace(dag_id="siyu_warehouse", task_id="raw_gate", try_number=1)
        on_failure(
            {
                "dag_run": run,
                "ti": ti,
                "exception": failed.value,
                "logical_date": pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
            }
        )
    finally:
        smtp.stop()
    [mail] = inbox.mails
    assert mail.rcpt_tos == ["data-ops@brand.example", "oncall@brand.example"]
    parsed = message_from_bytes(mail.content, policy=policy.default)
    assert parsed["Subject"] == f"Siyu: siyu_warehouse failed for {DAY}"
    body = parsed.get_content()
    assert "task: raw_gate" in body
    assert (
        "raw.appdb.orders: expect_column_values_to_be_between(amount): 11 unexpected, sample ['-88.00'"
    ) in body
