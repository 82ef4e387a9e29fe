"""App DB (mini-program users, orders) → raw lake partitions, incremental by updated_at."""

import pendulum
from airflow.sdk import dag, task

from siyu.assets import RAW_ENTITIES, raw_asset
from siyu.run_context import mark_landed, run_date


@dag(
    dag_id="siyu_ingest_appdb",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["siyu", "ingest"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def siyu_ingest_appdb():
    for entity in RAW_ENTITIES["appdb"]:
        asset = raw_asset("appdb", entity)

        @task(task_id=f"land_{entity}", outlets=[asset])
        def land(entity=entity, asset=asset, **context):
            from siyu import tasks

            dt = run_date(context)
            manifest = tasks.land_appdb(entity, dt)
            mark_landed(context, [asset], dt, {entity: manifest})
            return manifest.row_count

        land()


siyu_ingest_appdb()
