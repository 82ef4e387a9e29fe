"""The day a run covers, in China (Asia/Shanghai) days, whichever way the run was made.

The daily DAGs run on ``DAILY``: a data-interval timetable at midnight Asia/Shanghai, so the run that
fires at 00:00 (or 00:05, late) China time on 12-02 has logical date 12-01 00:00 +08:00 and lands
12-01: the day before the run. The covered day is always the logical date read as a China day:

- scheduler and ``airflow backfill create``: the logical date is the start of the data interval;
- ``airflow dags test DAG 2026-11-24`` and ``airflow dags trigger DAG --logical-date 2026-11-24``:
  the day given (read in Asia/Shanghai, Airflow's default timezone in our deployments);
- a manual run without a logical date (the UI's or API's default in Airflow 3): the day before the
  moment it was made to run (``run_after``), in China time;
- an Asset-triggered run (the warehouse, the exports) has no logical date: the ``dt`` its triggering
  asset events carry.

A run with none of these fails with a message that says how to give it a date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from siyu.errors import RunError

CHINA = ZoneInfo("Asia/Shanghai")


def china_day(moment: dt.datetime) -> dt.date:
    """The China calendar day of an aware instant (naive instants are UTC, as in the app DB)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def day_end_utc(day: str | dt.date) -> dt.datetime:
    """End (exclusive) of China day ``day`` as a naive UTC instant: 2026-11-24 → 2026-11-24 16:00."""
    date = dt.date.fromisoformat(day) if isinstance(day, str) else day
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return end.astimezone(dt.UTC).replace(tzinfo=None)


class NoRunDate(RunError):
    """A run with no logical date, no run_after and no dated asset events."""


def _dag_run_attr(context: dict[str, Any], name: str):
    dag_run = context.get("dag_run")
    return getattr(dag_run, name, None) if dag_run is not None else None


def event_dates(context: dict[str, Any]) -> list[str]:
    return sorted(
        event.extra["dt"]
        for events in (context.get("triggering_asset_events") or {}).values()
        for event in events
        if event.extra and "dt" in event.extra
    )


def run_date(context: dict[str, Any]) -> str:
    """The China day (YYYY-MM-DD) this run covers; see the module's docstring for each kind of run."""
    logical = context.get("logical_date")
    if logical is not None:
        return china_day(logical).isoformat()
    dates = event_dates(context)
    if dates:
        # Several days' events queued behind one run: build the newest; the incremental models
        # fold every earlier partition in.
        return dates[-1]
    run_after = _dag_run_attr(context, "run_after")
    if run_after is not None and not _asset_scheduled(context):
        return (china_day(run_after) - dt.timedelta(days=1)).isoformat()
    dag_id = _dag_run_attr(context, "dag_id") or "<dag_id>"
    raise NoRunDate(
        f"{dag_id}: this run has no date (no logical date and no triggering asset event with a dt). "
        f"Give it one: `airflow dags trigger {dag_id} --logical-date 2026-11-24` (the China day to "
        f"build), or `siyu dag {dag_id} 2026-11-24`; to redo a day, clear that day's run."
    )


def _asset_scheduled(context: dict[str, Any]) -> bool:
    dag = context.get("dag")
    timetable = getattr(dag, "timetable", None)
    return getattr(timetable, "asset_condition", None) is not None


def mark_landed(context: dict[str, Any], assets: list, dt: str, manifests: dict) -> None:
    """Attach the partition date and row count to each outlet asset event."""
    for asset in assets:
        entity = asset.uri.rsplit("/", 1)[-1]
        manifest = manifests.get(entity)
        context["outlet_events"][asset].extra = {
            "dt": dt,
            "rows": manifest.row_count if manifest else None,
        }
