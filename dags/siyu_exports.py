"""Published marts → CRM export files (profiles, staff audiences), customer tags written back to WeCom,
and the day's HTML report (exports/<date>/report.html)."""

import pendulum
from airflow.sdk import dag, task

from siyu.assets import PUBLISHED_MARTS
from siyu.run_context import run_date


@dag(
    dag_id="siyu_exports",
    schedule=[PUBLISHED_MARTS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["siyu", "exports"],
)
def siyu_exports():
    @task
    def resolve_run_date(**context) -> str:
        return run_date(context)

    @task
    def export_files(dt: str):
        from siyu import tasks

        return tasks.export_crm(dt)

    @task(retries=2, retry_delay=pendulum.duration(minutes=5))
    def sync_tags(dt: str):
        from siyu import tasks

        return tasks.sync_wecom_tags(dt)

    @task
    def daily_report(dt: str) -> str:
        from siyu.report import write_html_report

        return str(write_html_report(dt))

    dt = resolve_run_date()
    # The page goes into the date's export folder, which export_files swaps in whole: after it.
    export_files(dt) >> [sync_tags(dt), daily_report(dt)]


siyu_exports()
