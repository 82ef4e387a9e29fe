"""The landing watch: at the deadline, alert for every source whose partitions of the day are missing."""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from siyu.dag_defaults import dag_args
from siyu.run_context import run_date
from siyu.watch import deadline_cron

DOC = """
Runs daily at `SIYU_LANDING_DEADLINE` (China time, default 06:00) for the China day before, and
checks the lake: each ingest DAG with a partition of that day missing gets one alert (WeCom robot
and/or e-mail, as every failure), naming the entities. It alerts even when the ingest run was never
created, which the ingest DAGs' own alerts cannot. Logic: `siyu.watch`.
"""


@dag(
    dag_id="siyu_watch_landing",
    schedule=CronDataIntervalTimetable(deadline_cron(), timezone="Asia/Shanghai"),
    **dag_args(timeout_hours=1, doc=DOC, tags=["watch"]),
)
def siyu_watch_landing():
    @task
    def check_landed(**context) -> dict:
        from siyu.watch import check_landed

        return check_landed(run_date(context))

    check_landed()


siyu_watch_landing()
