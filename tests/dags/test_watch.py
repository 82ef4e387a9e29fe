"""The landing watch alerts for each source not landed by its deadline, even when nothing ran."""

from __future__ import annotations

import pytest

from siyu.contracts import RAW
from siyu.lake import Lake, Partition
from tests.dbt.conftest import DAY1, LAKE, table
from tests.deploy.robot import Robot, robot_connection, serve_robot


@pytest.fixture
def robot(monkeypatch, airflow_env_vars):
    server = serve_robot()
    monkeypatch.setenv("AIRFLOW_CONN_SIYU_ALERTS", robot_connection(server))
    yield server
    server.shutdown()
    server.server_close()


def contents() -> list[str]:
    return [m["body"]["markdown"]["content"] for m in Robot.received]


def test_nothing_ran_alerts_every_source(tmp_path, robot):
    from siyu.watch import check_landed

    missing = check_landed(DAY1, Lake(str(tmp_path / "lake")))  # an empty lake: no ingest ran at all
    assert set(missing) == {
        "siyu_ingest_wecom",
        "siyu_ingest_appdb",
        "siyu_ingest_tracking",
        "siyu_ingest_idconvert",
    }
    alerts = contents()
    assert len(alerts) == 4
    [appdb] = [a for a in alerts if "siyu_ingest_appdb has not landed" in a]
    assert f"{DAY1} by 06:00 China time" in appdb
    assert "appdb.mp_users, appdb.orders, appdb.order_items, appdb.refunds, appdb.commissions" in appdb


def test_one_alert_per_missing_source_none_when_all_landed(tmp_path, robot, monkeypatch):
    from siyu.watch import check_landed

    monkeypatch.setenv("SIYU_LANDING_DEADLINE", "07:30")
    lake = Lake(str(tmp_path / "lake"))
    for source, entity in RAW:
        if (source, entity) != ("appdb", "orders"):
            rows = LAKE[DAY1].get((source, entity), [])
            lake.write(Partition(source, entity, DAY1), table(source, entity, rows))
    assert check_landed(DAY1, lake) == {"siyu_ingest_appdb": ["appdb.orders"]}
    [alert] = contents()
    assert "siyu_ingest_appdb has not landed** 2026-01-01 by 07:30 China time" in alert
    assert "> missing: appdb.orders\n" in alert
    lake.write(Partition("appdb", "orders", DAY1), table("appdb", "orders", []))  # an empty day is landed
    Robot.received.clear()
    assert check_landed(DAY1, lake) == {}
    assert contents() == []


def test_the_watch_runs_at_the_deadline_for_the_day_before(monkeypatch, airflow_env_vars):
    import pendulum

    from siyu.run_context import run_date
    from siyu.watch import deadline_cron

    monkeypatch.setenv("SIYU_LANDING_DEADLINE", "06:15")
    assert deadline_cron() == "15 6 * * *"
    from airflow.timetables.interval import CronDataIntervalTimetable  # the scheduler's side

    timetable = CronDataIntervalTimetable(deadline_cron(), timezone="Asia/Shanghai")
    fire = pendulum.datetime(2026, 12, 2, 6, 15, tz="Asia/Shanghai")
    interval = timetable.infer_manual_data_interval(run_after=fire)
    assert run_date({"logical_date": interval.start}) == "2026-12-01"
    monkeypatch.setenv("SIYU_LANDING_DEADLINE", "6h")
    with pytest.raises(ValueError, match="HH:MM"):
        deadline_cron()
