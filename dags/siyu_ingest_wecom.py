"""WeCom contacts, follow users, groups, tags, contact ways and staff stats → raw lake (daily snapshot)."""

import pendulum
from airflow.sdk import dag, task

from siyu.assets import raw_assets
from siyu.run_context import mark_landed, run_date

WECOM = raw_assets("wecom")


@dag(
    dag_id="siyu_ingest_wecom",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["siyu", "ingest"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def siyu_ingest_wecom():
    @task(outlets=WECOM)
    def land_snapshot(**context):
        from siyu import tasks

        dt = run_date(context)
        manifests = tasks.land_wecom(dt)
        mark_landed(context, WECOM, dt, manifests)
        return {e: m.row_count for e, m in manifests.items()}

    land_snapshot()


siyu_ingest_wecom()
