"""App DB (mini-program users, orders) → raw lake partitions, incremental by updated_at."""

from airflow.sdk import dag, task

from siyu.assets import RAW_ENTITIES, raw_asset
from siyu.dag_defaults import DAILY, TRANSIENT, dag_args
from siyu.run_context import mark_landed, run_date

DOC = """
Lands the app DB's rows updated during one China day (Asia/Shanghai) into `raw/appdb/<entity>/dt=…`,
with a 2-hour overlap before the previous partition's high-water mark. The run firing at 00:00
China time on D+1 lands D. Redo a day: clear its run (`airflow tasks clear siyu_ingest_appdb -s D -e D`).
"""


@dag(dag_id="siyu_ingest_appdb", schedule=DAILY, **dag_args(timeout_hours=4, doc=DOC, tags=["ingest"]))
def siyu_ingest_appdb():
    for entity in RAW_ENTITIES["appdb"]:
        asset = raw_asset("appdb", entity)

        @task(task_id=f"land_{entity}", outlets=[asset], **TRANSIENT)
        def land(entity=entity, asset=asset, **context):
            from siyu import tasks

            dt = run_date(context)
            manifest = tasks.land_appdb(entity, dt)
            mark_landed(context, [asset], dt, {entity: manifest})
            return manifest.row_count

        land()


siyu_ingest_appdb()
