"""Mini-program tracking log files from the inbox → de-duplicated events (and a quarantine) in the lake."""

import pendulum
from airflow.sdk import dag, task

from siyu.assets import raw_assets
from siyu.run_context import mark_landed, run_date

TRACKING = raw_assets("tracking")


@dag(
    dag_id="siyu_ingest_tracking",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # the processed-files ledger has one writer
    tags=["siyu", "ingest"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def siyu_ingest_tracking():
    @task(outlets=TRACKING)
    def land_events(**context):
        from siyu import tasks

        dt = run_date(context)
        manifests = tasks.land_tracking(dt)
        mark_landed(context, TRACKING, dt, manifests)
        return {e: m.row_count for e, m in manifests.items()}

    land_events()


siyu_ingest_tracking()
