"""The China day a run covers, for each way a run is made (siyu.run_context.run_date).

The run contexts are built from Airflow's own timetable and run-info objects: what the scheduler and
a backfill compute (the data interval of DAILY), what `dags test` / `dags trigger --logical-date`
pass (a date parsed in the deployment's default timezone), what a manual run without a date carries
(run_after only) and what an Asset-triggered run carries (its events).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pendulum
import pytest

from siyu.dag_defaults import DAILY as DAILY_DEFINITION
from siyu.dag_defaults import START
from siyu.run_context import CHINA, NoRunDate, day_end_utc, run_date


def scheduler_timetable():
    """DAILY as the scheduler holds it: serialized with the DAG, decoded into the core timetable."""
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable

    return decode_timetable(encode_timetable(DAILY_DEFINITION))


DAILY = scheduler_timetable()


def china(*args) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="Asia/Shanghai")


def scheduled_run(after: pendulum.DateTime):
    """The run the scheduler makes for the last interval that ended by ``after`` (catchup on)."""
    from airflow.timetables.base import DataInterval, TimeRestriction

    previous = DAILY.infer_manual_data_interval(run_after=after.subtract(days=1))
    info = DAILY.next_dagrun_info(
        last_automated_data_interval=DataInterval(previous.start, previous.end),
        restriction=TimeRestriction(earliest=START, latest=None, catchup=True),
    )
    return info


def test_the_scheduler_lands_the_china_day_before_the_run():
    info = scheduled_run(china(2026, 12, 2, 0, 5))
    assert info.run_after == china(2026, 12, 2)  # fires at midnight China time (16:00 UTC the day before)
    assert info.logical_date == china(2026, 12, 1)
    assert run_date({"logical_date": info.logical_date}) == "2026-12-01"


def test_a_run_firing_at_0005_china_time_covers_the_day_before():
    # 00:05 on 12-02 in China is 16:05 UTC on 12-01: still 12-01 in UTC, yet 12-01 is the day covered
    fired = dt.datetime(2026, 12, 1, 16, 5, tzinfo=dt.UTC)
    assert fired.astimezone(CHINA).date() == dt.date(2026, 12, 2)
    manual = {"logical_date": None, "dag_run": SimpleNamespace(run_after=fired, dag_id="siyu_ingest_appdb")}
    assert run_date(manual) == "2026-12-01"
    interval = DAILY.infer_manual_data_interval(run_after=pendulum.instance(fired))
    assert run_date({"logical_date": interval.start}) == "2026-12-01"


def test_a_run_just_before_china_midnight_covers_the_day_before_that():
    fired = china(2026, 12, 1, 23, 55)
    manual = {"logical_date": None, "dag_run": SimpleNamespace(run_after=fired, dag_id="x")}
    assert run_date(manual) == "2026-11-30"


def test_backfill_dates_are_china_days():
    from airflow.timetables.base import TimeRestriction

    # what `airflow backfill create --from-date 2026-11-23 --to-date 2026-11-24` iterates, the dates
    # read in Asia/Shanghai (the deployment's default timezone)
    restriction = TimeRestriction(earliest=china(2026, 11, 23), latest=china(2026, 11, 24), catchup=True)
    days, last = [], None
    while info := DAILY.next_dagrun_info(last_automated_data_interval=last, restriction=restriction):
        days.append(run_date({"logical_date": info.logical_date}))
        last = info.data_interval
    assert days == ["2026-11-23", "2026-11-24"]


def test_dags_test_and_trigger_with_a_date_cover_that_day(monkeypatch):
    from airflow._shared.timezones import timezone

    # `airflow dags test DAG 2026-11-24` and `dags trigger --logical-date 2026-11-24`: the CLI parses
    # the date in the default timezone; in UTC (Airflow's own default) it is the same China day too.
    for zone in ("Asia/Shanghai", "UTC"):
        logical = timezone.parse("2026-11-24", timezone=pendulum.timezone(zone))
        assert run_date({"logical_date": logical}) == "2026-11-24"


def test_asset_triggered_runs_take_the_events_date():
    events = {
        "raw.appdb.orders": [
            SimpleNamespace(extra={"dt": "2026-11-23", "rows": 5}),
            SimpleNamespace(extra={"dt": "2026-11-24", "rows": 7}),
        ],
        "raw.wecom.external_contacts": [SimpleNamespace(extra={"dt": "2026-11-24"})],
    }
    context = {
        "logical_date": None,
        "triggering_asset_events": events,
        "dag_run": SimpleNamespace(run_after=china(2026, 12, 9), dag_id="siyu_warehouse"),
    }
    assert run_date(context) == "2026-11-24"


def test_a_run_without_a_date_says_what_to_do():
    asset_dag = SimpleNamespace(timetable=SimpleNamespace(asset_condition=object()))
    context = {
        "logical_date": None,
        "triggering_asset_events": {},
        "dag": asset_dag,
        "dag_run": SimpleNamespace(run_after=china(2026, 12, 9), dag_id="siyu_warehouse"),
    }
    with pytest.raises(NoRunDate, match=r"airflow dags trigger siyu_warehouse --logical-date 2026-11-24"):
        run_date(context)


def test_china_day_ends_at_1600_utc():
    assert day_end_utc("2026-11-24") == dt.datetime(2026, 11, 24, 16, 0)
