"""What every Siyu DAG shares: the China-day timetable, owner, retries, timeouts and failure alerts.

DAG files take ``dag_args(...)`` so a change here (an owner, an alert channel) reaches all of them.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pendulum
from airflow.sdk import CronDataIntervalTimetable

from siyu import alerts

# A data interval per China day: the run firing at 00:00 Asia/Shanghai on D+1 covers D, with logical
# date D 00:00 +08:00 (not a CronTriggerTimetable: there the logical date is the moment it fires).
DAILY = CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Shanghai")
START = pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai")
OWNER = "siyu-data"
# Tasks that write local files with one writer (the DuckDB warehouse, the tracking ledger, the exports)
# run on this queue; under Celery exactly one worker serves it (README, docker-compose.yaml).
LOCAL_QUEUE = "siyu_local"

TASK_DEFAULTS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 0,
    "execution_timeout": dt.timedelta(hours=1),
    "on_failure_callback": alerts.on_failure,
}
# Tasks that talk to a source over the network (WeCom, the app DB): transient errors retry
# (SIYU_TASK_RETRIES overrides the count, e.g. 0 in a test that wants a failure at once).
TRANSIENT = {"retries": int(os.environ.get("SIYU_TASK_RETRIES", "2")), "retry_delay": dt.timedelta(minutes=2)}


def _run_failed(context: dict[str, Any]) -> None:
    # A failed task has alerted already; the run itself alerts when it passed its dagrun_timeout
    # (a source that did not land by its deadline) or deadlocked.
    if context.get("reason") != "task_failure":
        alerts.on_failure(context)


def dag_args(*, timeout_hours: float, doc: str, tags: list[str], **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``@dag``: shared defaults plus this DAG's ``dagrun_timeout`` and doc."""
    args = {
        "start_date": START,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": dict(TASK_DEFAULTS),
        "dagrun_timeout": dt.timedelta(hours=timeout_hours),
        "on_failure_callback": _run_failed,
        "doc_md": doc,
        "tags": ["siyu", *tags],
    }
    args.update(overrides)
    return args
