"""Published marts → CRM export files (profiles, staff audiences), customer tags written back to WeCom,
and the day's HTML report (exports/<date>/report.html)."""

from airflow.sdk import dag, task

from siyu.assets import PUBLISHED_MARTS
from siyu.dag_defaults import LOCAL_QUEUE, TRANSIENT, dag_args
from siyu.run_context import run_date
from siyu.warehouse_build import DUCKDB_POOL

DOC = """
Runs on each publication of the marts, for the China day the publication carries: writes
`exports/<dt>/` (customer profiles, staff audiences, a manifest) and syncs customer tags to WeCom
(`mark_tag`, planned against what WeCom holds, so a re-run never tags twice). `prune_lake` then
deletes raw partitions past their entity's retention that the warehouse has folded (siyu.retention).
"""


@dag(
    dag_id="siyu_exports",
    schedule=[PUBLISHED_MARTS],
    **dag_args(timeout_hours=2, doc=DOC, tags=["exports"]),
)
def siyu_exports():
    @task
    def resolve_run_date(**context) -> str:
        return run_date(context)

    @task(queue=LOCAL_QUEUE)
    def export_files(dt: str):
        from siyu import tasks

        return tasks.export_crm(dt)

    @task(queue=LOCAL_QUEUE, **TRANSIENT)
    def sync_tags(dt: str):
        from siyu import tasks

        return tasks.sync_wecom_tags(dt)

    @task
    def daily_report(dt: str) -> str:
        from siyu.report import write_html_report

        return str(write_html_report(dt))

    # reads the warehouse's watermarks: in the DuckDB pool, so no build writes it meanwhile
    @task(queue=LOCAL_QUEUE, pool=DUCKDB_POOL)
    def prune_lake(dt: str):
        from siyu.retention import prune_task

        return prune_task(dt)

    dt = resolve_run_date()
    # The page goes into the date's export folder, which export_files swaps in whole: after it.
    export_files(dt) >> [sync_tags(dt), daily_report(dt)] >> prune_lake(dt)


siyu_exports()
